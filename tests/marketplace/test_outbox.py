"""The transactional outbox: events are written with the change, relayed to EventBridge, and handled
once by consumers even when the relay crashes between publishing and marking."""

import json

import pytest

from marketplace import notifications, outbox
from marketplace.aws import client
from marketplace.config import settings
from marketplace.consumers import consume_once
from marketplace.lifecycle import Action
from marketplace.observability import set_correlation_id
from marketplace.services.listings import listing_create, listing_transition
from tests.marketplace.conftest import COMPLETE_HOUSE


def _drain(queue_url: str) -> list[dict]:
    sqs = client("sqs")
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def submitted(platform, broker):
    set_correlation_id("req-123")
    draft = listing_create(actor=broker, fields=COMPLETE_HOUSE)
    listing = listing_transition(actor=broker, listing_id=draft.listing_id, action=Action.SUBMIT)
    set_correlation_id(None)
    return listing


def test_events_are_written_with_the_change_and_carry_the_correlation_id(submitted):
    records = outbox.pending()
    assert [r.detail_type for r in records] == ["ListingCreated", "ListingSubmitted", "ListingStatusChanged"]
    assert {r.correlation_id for r in records} == {"req-123"}
    detail = json.loads(records[1].detail)
    assert detail["data"]["listing_id"] == submitted.listing_id and detail["data"]["status"] == "pending_review"


def test_the_relay_publishes_to_the_bus_and_marks_events_sent(submitted, platform):
    assert outbox.relay_pending() == 3
    assert outbox.pending() == []
    delivered = _drain(platform.queues["analytics"])
    assert sorted(e["detail-type"] for e in delivered) == ["ListingCreated", "ListingStatusChanged", "ListingSubmitted"]
    assert {e["source"] for e in delivered} == {settings().event_source}
    assert all(e["detail"]["correlation_id"] == "req-123" for e in delivered)
    assert outbox.relay_pending() == 0  # nothing left, nothing re-sent


def test_a_crash_between_publish_and_mark_delivers_once_downstream(submitted, platform, monkeypatch):
    # Given the relay dies after EventBridge accepted the events but before marking them sent
    def crash(record):
        raise RuntimeError("relay died")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(RuntimeError):
        outbox.relay_pending()
    monkeypatch.undo()
    # When the relay runs again, it publishes the same events again
    assert outbox.relay_pending() == 3
    deliveries = _drain(platform.queues["analytics"])
    assert len(deliveries) == 6
    # Then a consumer de-duplicating on event ids handles each event exactly once
    handled = []
    for delivery in deliveries:
        detail = delivery["detail"]
        consume_once(consumer="test-analytics", event_id=detail["event_id"],
                     handler=lambda d=delivery: handled.append(d["detail-type"]))
    assert sorted(handled) == ["ListingCreated", "ListingStatusChanged", "ListingSubmitted"]
    assert outbox.pending() == []


def test_a_failing_consumer_leaves_the_event_for_redelivery(table):
    def broken():
        raise ValueError("downstream unavailable")

    with pytest.raises(ValueError):
        consume_once(consumer="c", event_id="e1", handler=broken)
    ran = []
    assert consume_once(consumer="c", event_id="e1", handler=lambda: ran.append(1)) is True
    assert consume_once(consumer="c", event_id="e1", handler=lambda: ran.append(2)) is False
    assert ran == [1]


def test_the_stream_relay_used_in_aws_publishes_inserted_outbox_records(submitted, platform):
    # Given the table's stream, as the relay Lambda receives it in AWS
    streams = client("dynamodbstreams")
    arn = client("dynamodb").describe_table(TableName=settings().table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    # When the stream handler gets them
    result = outbox.stream_handler({"Records": records})
    # Then the three events went out and are marked sent
    assert result == {"relayed": 3}
    assert outbox.pending() == []
    assert len(_drain(platform.queues["analytics"])) == 3


def test_notifications_reach_the_broker_once(submitted, platform, admin):
    listing_transition(actor=admin, listing_id=submitted.listing_id, action=Action.REJECT, reason="Blurry photos")
    outbox.relay_pending()
    for message in _drain(platform.queues["notifications"]) * 2:  # delivered twice
        notifications.handle_message(json.dumps(message))
    sent = _drain(platform.queues["notifications-sent"])
    assert len(sent) == 1
    note = json.loads(sent[0]["Message"]) if "Message" in sent[0] else sent[0]
    assert note["recipient"] == submitted.broker_id and "Blurry photos" in note["text"]
