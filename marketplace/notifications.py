"""Tell people what happened: events from the bus become messages on the notifications topic.

Brokers hear about approvals, rejections, change requests, inquiries and media failures; buyers and
investors about subscription changes. In AWS the topic fans out to e-mail/SMS; locally to a queue.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from marketplace.aws import client
from marketplace.config import settings
from marketplace.consumers import consume_once
from marketplace.events import EventType as Event
from marketplace.events import Queue
from marketplace.outbox import detail_of

CONSUMER = Queue.NOTIFICATIONS

# One message per detail type of the notifications rule (marketplace.events.RULES): who is told, and what.
TEMPLATES: dict[Event, tuple[str, str]] = {
    Event.LISTING_APPROVED: ("broker_id", "Your listing “{title}” is live on Shikhar."),
    Event.LISTING_REJECTED: ("broker_id", "Your listing “{title}” was not approved: {reason}"),
    Event.LISTING_CHANGES_REQUESTED: ("broker_id", "Changes requested on “{title}”: {reason}"),
    Event.INQUIRY_RECEIVED: ("broker_id", "New inquiry on “{title}” from {name}."),
    Event.MEDIA_PROCESSED: ("broker_id", "A {kind} for “{title}” is ready."),
    Event.MEDIA_FAILED: ("broker_id", "A {kind} for “{title}” could not be processed: {reason}"),
    Event.SUBSCRIPTION_CHANGED: ("user_id", "Your Shikhar subscription is now {tier} until {expires_at}."),
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def render(detail_type: str, data: dict) -> tuple[str, str] | None:
    """(recipient user id, message) for an event, or None when nobody is told."""
    template = TEMPLATES.get(detail_type)  # a StrEnum key: found by its string too
    if not template or not data.get(template[0]):
        return None
    recipient_field, text = template
    return data[recipient_field], text.format_map(_Blank(data))


def handle_message(body: str) -> None:
    detail_type, detail = detail_of(body)
    note = render(detail_type, detail["data"])
    if note is None:
        return
    recipient, text = note

    def send() -> None:
        client("sns").publish(
            TopicArn=settings().notify_topic_arn, Message=json.dumps(
                {"recipient": recipient, "type": detail_type, "text": text, "event_id": detail["event_id"]}),
            MessageAttributes={"recipient": {"DataType": "String", "StringValue": recipient},
                               "type": {"DataType": "String", "StringValue": detail_type}})

    consume_once(consumer=CONSUMER, event_id=detail["event_id"], handler=send)


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the notifications queue: a partial batch response, so only the messages
    that failed (or whose event another consumer is still handling) come back."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
