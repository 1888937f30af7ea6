"""The transactional outbox: events are written with the change, relayed to EventBridge, and handled
once by consumers even when the relay crashes between publishing and marking."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from marketplace import notifications, outbox
from marketplace.aws import client
from marketplace.config import settings
from marketplace.consumers import CLAIM_LEASE, CONSUMER_TIMEOUT, VISIBILITY_TIMEOUT, consume_once
from marketplace.events import Queue, rule_for
from marketplace.lifecycle import Action
from marketplace.models import OutboxEvent, ProcessedEvent
from marketplace.observability import set_correlation_id
from marketplace.services import media_placement
from marketplace.services.listings import listing_create
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit


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
def bus_tap(platform) -> str:
    """A queue subscribed to every event on the bus, as a consumer of all of them would be: its URL."""
    cfg, sqs, events = settings(), client("sqs"), client("events")
    url = sqs.create_queue(QueueName=f"{cfg.prefix}-test-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"{cfg.prefix}-test-tap", EventBusName=cfg.event_bus, State="ENABLED",
                    EventPattern=json.dumps({"source": [cfg.event_source]}))
    events.put_targets(Rule=f"{cfg.prefix}-test-tap", EventBusName=cfg.event_bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


@pytest.fixture
def submitted(platform, broker):
    set_correlation_id("req-123")
    draft = listing_create(actor=broker, fields=COMPLETE_HOUSE)
    listing = submit(broker, draft.listing_id)
    set_correlation_id(None)
    return listing


def test_events_are_written_with_the_change_and_carry_the_correlation_id(submitted):
    records = outbox.pending()
    assert [r.detail_type for r in records] == ["ListingCreated", "ListingSubmitted", "ListingStatusChanged"]
    assert {r.correlation_id for r in records} == {"req-123"}
    detail = json.loads(records[1].detail)
    assert detail["data"]["listing_id"] == submitted.listing_id and detail["data"]["status"] == "pending_review"


def test_the_relay_publishes_to_the_bus_and_marks_events_sent(submitted, bus_tap):
    assert outbox.relay_pending() == 3
    assert outbox.pending() == []
    delivered = _drain(bus_tap)
    assert sorted(e["detail-type"] for e in delivered) == ["ListingCreated", "ListingStatusChanged", "ListingSubmitted"]
    assert {e["source"] for e in delivered} == {settings().event_source}
    assert all(e["detail"]["correlation_id"] == "req-123" for e in delivered)
    assert outbox.relay_pending() == 0  # nothing left, nothing re-sent


def test_the_relay_counts_what_the_bus_accepted_and_keeps_the_rest_pending(submitted, bus_tap):
    # Given one more pending event that EventBridge refuses (its detail is not JSON)
    refused = OutboxEvent(event_id="refused-1", detail_type="ListingUpdated", detail="{not json")
    refused.derive_keys()
    refused.save()

    # When the relay runs
    published = outbox.relay_pending()

    # Then it reports the three accepted, and only the refused one waits for the next run
    assert published == 3 and len(_drain(bus_tap)) == 3
    assert [r.event_id for r in outbox.pending()] == ["refused-1"]


def test_a_crash_between_publish_and_mark_delivers_once_downstream(submitted, bus_tap, monkeypatch):
    # Given the relay dies after EventBridge accepted the events but before marking them sent
    def crash(record):
        raise RuntimeError("relay died")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(RuntimeError):
        outbox.relay_pending()
    monkeypatch.undo()
    # When the relay runs again, it publishes the same events again
    assert outbox.relay_pending() == 3
    deliveries = _drain(bus_tap)
    assert len(deliveries) == 6
    # Then a consumer de-duplicating on event ids handles each event exactly once
    handled = []
    for delivery in deliveries:
        detail = delivery["detail"]
        consume_once(consumer="test-tap", event_id=detail["event_id"],
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


def test_the_stream_relay_used_in_aws_publishes_inserted_outbox_records(submitted, bus_tap):
    # Given the table's stream, as the relay Lambda receives it in AWS
    streams = client("dynamodbstreams")
    arn = client("dynamodb").describe_table(TableName=settings().table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    # When the stream handler gets them
    result = outbox.stream_handler({"Records": records})
    # Then the three events went out and are marked sent
    assert result == {"batchItemFailures": []}
    assert outbox.pending() == []
    assert len(_drain(bus_tap)) == 3


def test_an_unreadable_stream_record_fails_alone(submitted, bus_tap):
    # Given a stream batch where one outbox record cannot be read
    streams = client("dynamodbstreams")
    arn = client("dynamodb").describe_table(TableName=settings().table_name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = [r for r in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
               if r["dynamodb"]["NewImage"]["type"]["S"] == "OutboxEvent"]
    broken = records[1]
    del broken["dynamodb"]["NewImage"]["detail_type"]
    # When the stream handler gets the batch
    result = outbox.stream_handler({"Records": records})
    # Then only that record is reported (a partial batch response) and the others were relayed
    assert result == {"batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
    assert len(_drain(bus_tap)) == 2


def _sqs_event(*bodies: str) -> dict:
    return {"Records": [{"messageId": f"m{number}", "body": body, "eventSource": "aws:sqs",
                         "receiptHandle": f"r{number}", "attributes": {}, "messageAttributes": {}}
                        for number, body in enumerate(bodies)]}


def test_a_consumer_that_dies_after_claiming_loses_no_notification(submitted, platform, admin):
    # Given two notifications, and a consumer that claimed the first and died before sending it
    listing_act(actor=admin, listing_id=submitted.listing_id, action=Action.REJECT, reason="Blurry photos")
    outbox.relay_pending()
    rejected, *_ = [m for m in _drain(platform.queues["notifications"]) if m["detail-type"] == "ListingRejected"]
    inquiry = {**rejected, "detail-type": "ListingChangesRequested",
               "detail": {**rejected["detail"], "event_id": "other-event"}}

    def die():
        raise KeyboardInterrupt  # the process goes away: no clean-up runs

    with pytest.raises(KeyboardInterrupt):
        consume_once(consumer=notifications.PUSH_CONSUMER, event_id=rejected["detail"]["event_id"], handler=die)

    # When SQS redelivers both in one batch while that claim is still live
    result = notifications.handler(_sqs_event(json.dumps(rejected), json.dumps(inquiry)))

    # Then the claimed one comes back later (not deleted), and the other is sent
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert [m["type"] for m in _drain(platform.queues["notifications-sent"])] == [
        "ListingChangesRequested"]
    # And once the dead consumer's lease has lapsed, the redelivery sends it
    claim = ProcessedEvent.get(*ProcessedEvent.key(notifications.PUSH_CONSUMER, rejected["detail"]["event_id"]))
    claim.update(actions=[ProcessedEvent.expires.set(datetime.now(UTC) - timedelta(seconds=1))])
    assert notifications.handler(_sqs_event(json.dumps(rejected))) == {"batchItemFailures": []}
    assert [m["type"] for m in _drain(platform.queues["notifications-sent"])] == [
        "ListingRejected"]


def test_the_claim_lease_outlasts_the_consumer_and_lapses_before_redelivery():
    assert CONSUMER_TIMEOUT < CLAIM_LEASE < VISIBILITY_TIMEOUT


def test_notifications_reach_the_broker_once(submitted, platform, admin):
    listing_act(actor=admin, listing_id=submitted.listing_id, action=Action.REJECT, reason="Blurry photos")
    outbox.relay_pending()
    for message in _drain(platform.queues["notifications"]) * 2:  # delivered twice
        notifications.handle_message(json.dumps(message))
    sent = _drain(platform.queues["notifications-sent"])
    assert len(sent) == 1
    note = json.loads(sent[0]["Message"]) if "Message" in sent[0] else sent[0]
    assert note["recipient"] == submitted.broker_id and "Blurry photos" in note["text"]


def test_every_event_type_the_notifications_rule_routes_has_a_message_and_no_other():
    assert set(notifications.TEMPLATES) == set(rule_for(Queue.NOTIFICATIONS).detail_types)


def test_the_media_placement_consumer_reports_only_the_message_that_failed(submitted):
    placed = {"detail-type": "ListingUpdated", "detail": {"event_id": "e-placed",
                                                           "data": {"listing_id": submitted.listing_id}}}

    result = media_placement.handler(_sqs_event("not an event", json.dumps(placed)))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
