"""Running the alert path as the platform does: the outbox relayed to the bus, the alerts queue consumed."""

from __future__ import annotations

from marketplace import outbox
from marketplace.alerts import matching
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
