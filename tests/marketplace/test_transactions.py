"""Transactions against what real DynamoDB answers and the emulator never does: a busy item's
``TransactionConflict`` is retried with jitter, every cancellation reason maps to a domain error,
and what stays busy is a 503 (``Unavailable``), never a 500."""

from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse

from marketplace import db
from marketplace.entitlements import ANONYMOUS
from marketplace.errors import Conflict, Unavailable, ValidationError, is_outage
from marketplace.models import Guard
from marketplace.services.engagement import favorite_add
from tests.shared import reads


def cancelled(*codes: str) -> tuple[AWSResponse, dict]:
    """TransactWriteItems' answer when DynamoDB cancels a transaction, as DynamoDB sends it."""
    reasons = [{"Code": code, "Message": message} for code, message in (
        (c, {"None": None, "TransactionConflict": "Transaction is ongoing for the item",
             "ConditionalCheckFailed": "The conditional request failed",
             "ValidationError": "Item size has exceeded the maximum allowed size",
             "ThrottlingError": "Throughput exceeds the current capacity of your table or index",
             "ProvisionedThroughputExceeded": "The level of configured provisioned throughput was exceeded",
             "ItemCollectionSizeLimitExceeded": "Collection size exceeded"}[c]) for c in codes)]
    for reason in reasons:
        if reason["Message"] is None:
            del reason["Message"]
    parsed = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled, please refer "
                        f"cancellation reasons for specific reasons [{', '.join(codes)}]"},
              "CancellationReasons": reasons,
              "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "RECORDED"}}
    return AWSResponse("https://dynamodb.ap-south-1.amazonaws.com/", 400, {}, None), parsed


class RecordedAnswers(list):
    calls = 0


@pytest.fixture
def dynamodb_answers(table):
    """``answers.append(cancelled(...))``: the table's next TransactWriteItems calls get these answers
    instead of the emulator's; once they are used up, calls reach the emulator again."""
    answers = RecordedAnswers()

    def intercept(**_):
        answers.calls += 1
        return answers.pop(0) if answers else None

    events = db.connection().client.meta.events
    events.register_first("before-call.dynamodb.TransactWriteItems", intercept)
    yield answers
    events.unregister("before-call.dynamodb.TransactWriteItems", intercept)


def test_a_busy_listings_counter_is_retried_until_it_commits(active, buyer, dynamodb_answers, monkeypatch):
    # Given DynamoDB answers the first two commits with TransactionConflict on the counter
    monkeypatch.setattr(db, "BACKOFF_BASE_SECONDS", 0)
    dynamodb_answers.extend([cancelled("None", "TransactionConflict", "None")] * 2)

    # When a buyer saves the listing
    added = favorite_add(actor=buyer, listing_id=active.listing_id, entitlements=ANONYMOUS)

    # Then the third attempt committed, once
    assert added is True
    assert dynamodb_answers.calls == 3
    assert reads.stats(active.listing_id).favorites == 1


def test_a_listing_that_stays_busy_is_unavailable_not_a_500(active, buyer, dynamodb_answers, monkeypatch):
    monkeypatch.setattr(db, "BACKOFF_BASE_SECONDS", 0)
    dynamodb_answers.extend([cancelled("None", "TransactionConflict", "None")] * db.ATTEMPTS)

    with pytest.raises(Unavailable) as raised:
        favorite_add(actor=buyer, listing_id=active.listing_id, entitlements=ANONYMOUS)

    assert raised.value.status == 503 and is_outage(raised.value)
    assert reads.stats(active.listing_id).favorites == 0


@pytest.mark.parametrize(("codes", "expected"), [
    (("ConditionalCheckFailed", "None"), Conflict),
    (("ConditionalCheckFailed", "TransactionConflict"), Conflict),  # a failed condition is final
    (("ValidationError", "None"), ValidationError),
    (("ItemCollectionSizeLimitExceeded", "None"), ValidationError),
    (("ThrottlingError", "None"), Unavailable),
    (("ProvisionedThroughputExceeded", "None"), Unavailable),
])
def test_every_cancellation_reason_is_a_domain_error(dynamodb_answers, monkeypatch, codes, expected):
    monkeypatch.setattr(db, "BACKOFF_BASE_SECONDS", 0)
    dynamodb_answers.extend([cancelled(*codes)] * db.ATTEMPTS)

    with pytest.raises(expected), db.transaction() as tx:
        tx.create(Guard(*Guard.unique_key("test", "a")))
        tx.create(Guard(*Guard.unique_key("test", "b")))


@pytest.mark.parametrize("failing", [0, 1])
def test_a_failed_condition_names_the_item_it_was_on(dynamodb_answers, failing):
    # Given a transaction of two guards whose one condition DynamoDB fails
    codes = ["None", "None"]
    codes[failing] = "ConditionalCheckFailed"
    dynamodb_answers.append(cancelled(*codes))
    guards = [Guard(*Guard.unique_key("test", "a")), Guard(*Guard.unique_key("test", "b"))]

    # When it commits for a caller that tells its conditions apart
    with pytest.raises(db.ConditionFailed) as raised, db.transaction(conflict_message=None) as tx:
        for guard in guards:
            tx.create(guard)

    # Then the error names that guard, the very object given to the transaction
    assert raised.value.item is guards[failing]
