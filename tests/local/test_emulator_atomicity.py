"""The emulator applies each DynamoDB write atomically, as DynamoDB does, however many clients race.

Each race is real HTTP from many threads at once against the emulator of the test process. moto's
check-then-write windows last microseconds, so with Python's default thread switch interval (5 ms) a
race shows only on a loaded machine; switching threads every microsecond shows it in every run.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from threading import Barrier

import pytest
from botocore.exceptions import ClientError

from marketplace.aws import client
from marketplace.config import settings

ROUNDS = 15
WRITERS = 8
LOST = ("ConditionalCheckFailedException", "TransactionCanceledException")


@pytest.fixture
def frequent_thread_switches():
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _race(write, writers: int = WRITERS) -> list[bool]:
    """Every writer calls ``write(n)`` at the same moment; True where it committed."""
    start = Barrier(writers)

    def attempt(n: int) -> bool:
        start.wait()
        try:
            write(n)
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] not in LOST:
                raise
            return False

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(attempt, range(writers)))


def _key(name: str) -> dict:
    return {"pk": {"S": f"RACE#{name}"}, "sk": {"S": "A"}}


def _seen_version_update(key: dict, n: int) -> dict:
    """Move the item from version 1 to 2 and sign it, only if it is still at version 1."""
    return {"TableName": settings().table_name, "Key": key,
            "UpdateExpression": "SET version = :next, writer = :me",
            "ConditionExpression": "version = :seen",
            "ExpressionAttributeValues": {":seen": {"N": "1"}, ":next": {"N": "2"}, ":me": {"N": str(n)}}}


def _stored(key: dict) -> dict:
    return client("dynamodb").get_item(TableName=settings().table_name, Key=key, ConsistentRead=True)["Item"]


def _put_version_one(key: dict) -> None:
    client("dynamodb").put_item(TableName=settings().table_name, Item={**key, "version": {"N": "1"}})


def _update_at_version_one(key: dict, n: int) -> None:
    client("dynamodb").update_item(**_seen_version_update(key, n))


def _transact_at_version_one(key: dict, n: int) -> None:
    """The update, and a history entry of the writer's own, in one transaction."""
    history = {**key, "sk": {"S": f"HISTORY#{n}"}}
    client("dynamodb").transact_write_items(TransactItems=[
        {"Update": _seen_version_update(key, n)},
        {"Put": {"TableName": settings().table_name, "Item": history, "ConditionExpression": "attribute_not_exists(pk)"}}])


def _add_one_or_be_cancelled(key: dict, missing: dict, n: int) -> None:
    """Odd writers add one to the counter; even ones add one in a transaction a failing check cancels."""
    add_one = {"TableName": settings().table_name, "Key": key, "UpdateExpression": "ADD #c :one",
               "ExpressionAttributeNames": {"#c": "count"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}
    if n % 2:
        client("dynamodb").update_item(**add_one)
        return
    client("dynamodb").transact_write_items(TransactItems=[
        {"Update": add_one},
        {"ConditionCheck": {"TableName": settings().table_name, "Key": missing,
                            "ConditionExpression": "attribute_exists(pk)"}}])


def test_concurrent_conditional_updates_have_exactly_one_winner(table, frequent_thread_switches):
    for round_ in range(ROUNDS):
        # Given an item at version 1 that every writer has read
        key = _key(f"update-{round_}")
        _put_version_one(key)
        # When all of them write "version 1 -> 2" at once
        committed = _race(partial(_update_at_version_one, key))
        # Then exactly one commits, and the item is that writer's
        assert committed.count(True) == 1, f"round {round_}: {committed.count(True)} writers committed"
        assert _stored(key)["writer"]["N"] == str(committed.index(True))


def test_concurrent_transactions_have_exactly_one_winner_with_all_of_its_items(table, frequent_thread_switches):
    for round_ in range(ROUNDS):
        # Given an item at version 1, and writers that each move it and record a history entry with it
        key = _key(f"transaction-{round_}")
        _put_version_one(key)
        # When all of them commit at once
        committed = _race(partial(_transact_at_version_one, key))
        # Then exactly one transaction commits, whole: its update and its one history entry
        assert committed.count(True) == 1, f"round {round_}: {committed.count(True)} transactions committed"
        winner = committed.index(True)
        assert _stored(key)["writer"]["N"] == str(winner)
        history = client("dynamodb").query(
            TableName=settings().table_name, KeyConditionExpression="pk = :pk AND begins_with(sk, :h)",
            ExpressionAttributeValues={":pk": key["pk"], ":h": {"S": "HISTORY#"}})["Items"]
        assert [item["sk"]["S"] for item in history] == [f"HISTORY#{winner}"]


def test_a_cancelled_transaction_never_undoes_a_concurrent_write(table, frequent_thread_switches):
    for round_ in range(ROUNDS):
        # Given a counter, and transactions that touch it but are cancelled by a failing check
        key = _key(f"counter-{round_}")
        client("dynamodb").put_item(TableName=settings().table_name, Item={**key, "count": {"N": "0"}})
        # When plain additions race the cancelled transactions
        committed = _race(partial(_add_one_or_be_cancelled, key, _key(f"missing-{round_}")))
        # Then every plain addition is kept and no cancelled one is
        assert committed == [bool(n % 2) for n in range(WRITERS)]
        assert _stored(key)["count"]["N"] == str(WRITERS // 2), f"round {round_}"
