"""Running the alert path as the platform does: the outbox relayed to the bus, the alerts queue consumed;
the digest schedule and its queue's worker."""

from __future__ import annotations

from datetime import datetime

from marketplace import outbox
from marketplace.alerts import digests, matching
from marketplace.aws import client
from marketplace.config import settings
from marketplace.events import Queue


def deliver_alerts(*, twice: bool = False) -> list[dict]:
    """Relay pending events, then hand every message on the alerts queue to its consumer (``twice``: as an
    at-least-once queue may); the consumer's outcomes."""
    outbox.relay_pending()
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=settings().queue_name(Queue.ALERTS))["QueueUrl"]
    outcomes = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            for _ in range(2 if twice else 1):
                outcomes.append(matching.handle_message(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return outcomes


def deliver_digests(frequency: str, *, twice: bool = False, at: datetime | None = None) -> dict:
    """The digest schedule (buyers due onto the digest queue), then every message on that queue handed to
    the digest worker (``twice``: each delivered again, as an at-least-once queue may). What was queued,
    the worker's summed outcomes, and the messages whose handling failed (left on the queue)."""
    queued = digests.digest_enqueue(frequency=frequency, at=at)
    sqs = client("sqs")
    url = settings().digest_queue_url
    sent = {"buyers": 0, "listings": 0, "already": 0, "failed": 0}
    failed = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            try:
                for _ in range(2 if twice else 1):
                    outcome = digests.handle_message(message["Body"])
                    sent = {name: sent[name] + outcome[name] for name in sent}
            except RuntimeError:  # left hidden until its visibility timeout, as in AWS
                failed += 1
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {"queued": queued, "sent": sent, "failed_messages": failed}


def sqs_event(messages: list[dict]) -> dict:
    """Received messages as Lambda's SQS event source hands them to a function."""
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "attributes": {}, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:ap-south-1:000000000000:digests",
                         "awsRegion": "ap-south-1"} for m in messages]}
