"""The outbox relay: publishes events written by transactions to EventBridge, then marks them sent.

A crash between publishing and marking leaves the record pending, so it is published again with the
same ``event_id``: delivery is at least once and consumers de-duplicate. Nothing is ever lost.

In AWS the relay runs on the table's stream (``stream_handler``), with ``relay_pending`` on a schedule
as the safety net; locally a worker polls ``relay_pending``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from pynamodb.exceptions import UpdateError

from marketplace.aws import client
from marketplace.config import settings
from marketplace.models import OutboxEvent
from marketplace.observability import logger

SENT_RETENTION = timedelta(days=7)
_BATCH = 10  # PutEvents takes at most 10 entries


def pending(*, limit: int = 100) -> list[OutboxEvent]:
    return list(OutboxEvent.pending(limit=limit))


def publish(records: list[OutboxEvent]) -> list[OutboxEvent]:
    """PutEvents in batches; return the records EventBridge accepted."""
    cfg = settings()
    accepted: list[OutboxEvent] = []
    for start in range(0, len(records), _BATCH):
        batch = records[start:start + _BATCH]
        response = client("events").put_events(Entries=[{
            "Source": cfg.event_source,
            "DetailType": record.detail_type,
            "Detail": record.detail,
            "EventBusName": cfg.event_bus,
        } for record in batch])
        for record, entry in zip(batch, response["Entries"]):
            if entry.get("EventId") and not entry.get("ErrorCode"):
                accepted.append(record)
            else:
                logger.warning("event not accepted", extra={"event_id": record.event_id,
                                                             "error": entry.get("ErrorCode")})
    return accepted


def mark_sent(record: OutboxEvent) -> None:
    moment = datetime.now(UTC)
    try:
        record.update(actions=[
            OutboxEvent.state.set("sent"),
            OutboxEvent.sent_at.set(moment),
            OutboxEvent.expires.set(moment + SENT_RETENTION),
            OutboxEvent.attempts.add(1),
            OutboxEvent.gsi5pk.remove(),
            OutboxEvent.gsi5sk.remove(),
        ], condition=OutboxEvent.state == "pending")
    except UpdateError as error:
        # A failed condition means a concurrent relay marked it already: nothing to do.
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def relay_pending(*, limit: int = 100) -> int:
    """Publish pending events (oldest first, at most ``limit``) and mark the accepted ones sent; return
    how many EventBridge accepted (the others stay pending for the next run)."""
    records = pending(limit=limit)
    accepted = publish(records)
    for record in accepted:
        mark_sent(record)
    if records:
        logger.info("outbox relayed", extra={"count": len(accepted), "pending": len(records)})
    return len(accepted)


def _inserted_record(change: dict) -> OutboxEvent | None:
    image = change.get("dynamodb", {}).get("NewImage")
    if change.get("eventName") != "INSERT" or not image or image.get("type", {}).get("S") != "OutboxEvent":
        return None
    record = OutboxEvent.from_raw_data(image)
    if not (record.event_id and record.detail_type and record.detail):
        raise ValueError(f"unreadable outbox record {image.get('pk')}")
    return record


_STREAM_BATCH = BatchProcessor(event_type=EventType.DynamoDBStreams)


def stream_handler(event: dict, context=None) -> dict:
    """Lambda entry point for the table's stream: relay newly inserted outbox records (published in
    batches of ten). A partial batch response names the records that failed, so the stream retries from
    the first of them instead of the whole batch."""
    records = []
    for change in event.get("Records", []):
        try:
            record = _inserted_record(change)
        except Exception:  # noqa: BLE001 -- a record that cannot be read fails on its own below
            record = None
        if record is not None:
            records.append(record)
    accepted = {record.event_id for record in publish(records)}

    def settle(record) -> None:  # Powertools passes the stream record by this name
        inserted = _inserted_record(record.raw_event)
        if inserted is None:
            return
        if inserted.event_id not in accepted:
            raise RuntimeError(f"EventBridge did not accept {inserted.event_id}")
        mark_sent(inserted)

    return process_partial_response(event=event, record_handler=settle, processor=_STREAM_BATCH, context=context)


def detail_of(message_body: str) -> tuple[str, dict]:
    """Unwrap an EventBridge event delivered to SQS: (detail type, detail envelope)."""
    event = json.loads(message_body)
    return event["detail-type"], event["detail"]
