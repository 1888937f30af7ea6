"""Writing to the table: every write goes through here so keys are derived and changes are atomic.

``transaction()`` wraps PynamoDB's TransactWrite: the entities saved in it get their keys from
``derive_keys()`` first, and every cancellation reason DynamoDB can give is mapped:

| reason | what happens |
|---|---|
| ConditionalCheckFailed | ``Conflict`` (or ``ConditionFailed`` naming the item, for callers that tell conditions apart) |
| TransactionConflict, ThrottlingError, ProvisionedThroughputExceeded, TransactionInProgress | retried with full jitter; still failing: ``Unavailable`` (503) |
| ValidationError, ItemCollectionSizeLimitExceeded | ``ValidationError``: the change itself cannot be stored |

Real DynamoDB cancels concurrent transactions on one item with ``TransactionConflict``; the emulator
never does, so the tests inject the error DynamoDB sends.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from marketplace.errors import Conflict, Unavailable, ValidationError
from marketplace.table import Item

RETRYABLE = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
UNSTORABLE = frozenset({"ValidationError", "ItemCollectionSizeLimitExceeded"})
# Whole-request errors (not per item) that also clear by waiting.
RETRYABLE_REQUESTS = frozenset({"TransactionInProgressException", "ThrottlingException",
                                "ProvisionedThroughputExceededException", "RequestLimitExceeded"})
ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 0.025  # full jitter: sleep up to 25, 50, 100 ms between attempts


def connection() -> Connection:
    """The table's own connection, the one every model read and write goes through: one botocore session
    and client per process (a second one would load DynamoDB's service model and endpoint rules again,
    about 100 ms on a function's first write)."""
    return Item._get_connection().connection


# How PynamoDB's TransactWrite groups the operations in the request it sends.
_SENT_ORDER = {"condition_check": 0, "delete": 1, "save": 2, "update": 3}


class Transaction:
    """The operations of one transaction, kept so a conflicted commit can be sent again as it was."""

    def __init__(self) -> None:
        self._operations: list[tuple[str, Item, dict]] = []

    @property
    def items(self) -> list[Item]:
        return [item for _, item, _ in self._operations]

    @property
    def sent_items(self) -> list[Item]:
        """The items in the order PynamoDB sends them (condition checks, deletes, puts, then updates, each in
        the order given), the order of DynamoDB's cancellation reasons."""
        return [item for _, item, _ in sorted(self._operations, key=lambda operation: _SENT_ORDER[operation[0]])]

    def save(self, item: Item, condition=None) -> None:
        item.derive_keys()
        self._operations.append(("save", item, {"condition": condition}))

    def create(self, item: Item) -> None:
        """Save only if no item with these keys exists yet."""
        item.derive_keys()
        self._operations.append(("save", item, {"condition": Item.pk.does_not_exist()}))

    def update(self, item: Item, actions, condition=None) -> None:
        self._operations.append(("update", item, {"actions": actions, "condition": condition}))

    def delete(self, item: Item, condition=None) -> None:
        self._operations.append(("delete", item, {"condition": condition}))

    def check(self, item: Item, condition) -> None:
        """Hold the transaction to a condition on an item it does not write (a ConditionCheck)."""
        self._operations.append(("condition_check", item, {"condition": condition}))

    def commit(self, *, token: str | None) -> None:
        if not self._operations:
            return
        with TransactWrite(connection=connection(), client_request_token=token) as inner:
            for name, item, arguments in self._operations:
                if "actions" in arguments:  # PynamoDB appends the version action to the list it is given
                    arguments = {**arguments, "actions": list(arguments["actions"])}
                if name == "condition_check":
                    inner.condition_check(type(item), item.pk, item.sk, **arguments)
                    continue
                getattr(inner, name)(item, **arguments)


class ConditionFailed(Exception):
    """A condition of a transaction's write failed. ``item`` is the first item whose condition failed
    (the same object the caller gave the transaction), so callers tell their conditions apart by it."""

    def __init__(self, item: Item) -> None:
        super().__init__(f"the condition on {item.pk}/{item.sk} failed")
        self.item = item


def cancellation_codes(error: TransactWriteError) -> list[str]:
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [r.code if r else "None" for r in reasons]


def _failed_item(tx: Transaction, error: TransactWriteError) -> Item | None:
    """The first operation whose condition failed (reasons come in the order of the request's items, which
    PynamoDB groups by kind: not necessarily the order the caller gave them)."""
    codes = cancellation_codes(error)
    if "ConditionalCheckFailed" not in codes:
        return None
    return tx.sent_items[codes.index("ConditionalCheckFailed")]


def _retryable(error: TransactWriteError) -> bool:
    codes = set(cancellation_codes(error))
    if "ConditionalCheckFailed" in codes:
        return False
    return bool(codes & RETRYABLE) or error.cause_response_code in RETRYABLE_REQUESTS


def commit(tx: Transaction, *, token: str | None) -> None:
    """Commit, retrying what clears by waiting (with the same request token, so a retry of a commit that
    did land is a no-op in DynamoDB)."""
    for attempt in range(ATTEMPTS):
        try:
            tx.commit(token=token)
            return
        except TransactWriteError as error:
            if not _retryable(error):
                raise
            if attempt == ATTEMPTS - 1:
                raise Unavailable() from error
            time.sleep(random.uniform(0, BACKOFF_BASE_SECONDS * 2**attempt))


def check_version(item: Item, expected_version: int, *, noun: str) -> None:
    """Optimistic locking, first half: ``expected_version`` (the version the actor read) is required and
    must still be the item's, or nothing is written. The second half is the write itself, conditioned on
    the version loaded (a ``VersionAttribute``), with ``conflict_field="expected_version"``."""
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValidationError(f"the version you opened is required: reload the {noun} and try again",
                              field="expected_version")
    if item.version != expected_version:
        raise Conflict(stale_message(noun), field="expected_version")


def rewritten_after_system_writes[**P, R](write: Callable[P, R]) -> Callable[P, R]:
    """For a person's write at the version they read (``check_version`` first): when its transaction loses
    to another write of the same items, it is done again from a fresh read. If the other write was the
    system's bookkeeping (a processed photo's count and cover), the version the person read still holds
    and their change is made on top of it; if it was another person's, the fresh read's version check
    refuses it with the usual conflict."""

    @functools.wraps(write)
    def again(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(ATTEMPTS):
            try:
                return write(*args, **kwargs)
            except Conflict as error:
                if attempt == ATTEMPTS - 1 or not isinstance(error.__cause__, TransactWriteError):
                    raise  # a version check refused it, or the item keeps changing
        raise AssertionError("unreachable")

    return again


def stale_message(noun: str) -> str:
    return f"this {noun} was changed by someone else since you opened it; reload and try again"


@contextmanager
def transaction(*, token: str | None = None, conflict_message: str | None = "this was changed by someone "
                "else; reload and try again", conflict_field: str | None = None) -> Iterator[Transaction]:
    """All saves inside commit together or not at all. A failed condition raises ``Conflict`` (naming
    ``conflict_field``); callers that expect a specific failed condition pass ``conflict_message=None``
    and catch ``ConditionFailed``, whose ``item`` says which condition failed."""
    tx = Transaction()
    yield tx
    try:
        commit(tx, token=token)
    except TransactWriteError as error:
        failed = _failed_item(tx, error)
        if failed is not None:
            raise (Conflict(conflict_message, field=conflict_field) if conflict_message
                   else ConditionFailed(failed)) from error
        if set(cancellation_codes(error)) & UNSTORABLE:
            raise ValidationError("this change is too large to store; shorten it and try again") from error
        raise


def save(item: Item, *, condition=None) -> None:
    """A single-item write with derived keys (use ``transaction`` when an event or audit goes with it)."""
    item.derive_keys()
    try:
        item.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("this was changed by someone else; reload and try again") from error
        raise
