"""Reading what SES sent, as the local mail view does (``local.mail``), and feeding SES feedback."""

from __future__ import annotations

import json
import time

from local.mail import SentMail, sent_mail
from marketplace import notifications, outbox
from marketplace.aws import client
from marketplace.config import settings


def mail_to(address: str) -> list[SentMail]:
    return [m for m in sent_mail() if address in m.to]


def wait_for_mail(address: str, *, count: int = 1, timeout: float = 30) -> list[SentMail]:
    """The messages sent to ``address`` once there are ``count`` of them (or what there is at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        found = mail_to(address)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def publish_feedback(notification: dict) -> None:
    """What SES does in AWS for a bounce or complaint: publish its notification to the feedback topic."""
    from marketplace.delivery.feedback import QUEUE

    arn = client("sns").create_topic(Name=f"{settings().prefix}-{QUEUE}")["TopicArn"]
    client("sns").publish(TopicArn=arn, Message=json.dumps(notification))


def bounce(address: str, kind: str = "Permanent") -> dict:
    return {"notificationType": "Bounce", "bounce": {"bounceType": kind, "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": address, "diagnosticCode": "smtp; 550 user unknown"}]}}


def complaint(address: str) -> dict:
    return {"eventType": "Complaint", "complaint": {"complaintFeedbackType": "abuse",
            "complainedRecipients": [{"emailAddress": address}]}}


def notify_all(*, times: int = 1) -> None:
    """What the notifications function does with what the outbox relays: every message on the
    notifications queue handled (``times`` over: a redelivery), then deleted."""
    outbox.relay_pending()
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=f"{settings().prefix}-notifications")["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            for _ in range(times):
                notifications.handle_message(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
