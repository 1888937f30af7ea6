"""Push to the buyer apps through SNS: every message goes to the push topic with its recipient and kind
as message attributes; each app's push service subscribes with a filter policy on them (and, in AWS,
fans out to the app's platform endpoints). Locally the topic delivers to a queue that can be read."""

from __future__ import annotations

import json

from marketplace.aws import client
from marketplace.config import settings


def send_push(*, recipient: str, kind: str, title: str, body: str, data: dict | None = None,
              event_id: str | None = None) -> str | None:
    """Publish one push message; the SNS message id (None when no push topic is configured)."""
    topic = settings().notify_topic_arn
    if not topic:
        return None
    message = {"recipient": recipient, "type": kind, "title": title, "text": body, "data": data or {},
               "event_id": event_id}
    response = client("sns").publish(
        TopicArn=topic, Message=json.dumps(message, default=str),
        MessageAttributes={"recipient": {"DataType": "String", "StringValue": recipient},
                           "type": {"DataType": "String", "StringValue": kind}})
    return response["MessageId"]
