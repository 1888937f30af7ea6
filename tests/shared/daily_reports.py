"""The daily-reports queue's consumer, run by hand: what its Lambda (or ``make run``'s worker) does."""

from __future__ import annotations

from marketplace import outbox
from marketplace.aws import client
from marketplace.services import daily_reports


def deliver_daily_reports(queue_url: str) -> int:
    """Relay the outbox to the bus, then hand every message of the daily-reports queue to the daily-reports
    consumer; returns how many messages it handled."""
    outbox.relay_pending()
    sqs, handled = client("sqs"), 0
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                          WaitTimeSeconds=0).get("Messages", []):
        for message in messages:
            daily_reports.handle_message(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
    return handled
