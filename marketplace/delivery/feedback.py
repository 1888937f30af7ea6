"""SES feedback: a permanent bounce or a complaint suppresses the address (``EmailSuppression``).

SES publishes its notifications to the feedback topic (the configuration set's event destination in
AWS); the topic delivers them to the feedback queue, whose consumer is ``handler``. A transient bounce
(mailbox full) suppresses nothing. Messages arrive as SNS envelopes (``Message`` holds SES's JSON) or,
with raw delivery, as SES's JSON itself; configuration-set events name their kind ``eventType``,
identity notifications ``notificationType``.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from marketplace.models import EmailSuppression
from marketplace.observability import logger

QUEUE = "mail-feedback"  # the feedback topic's queue (and the topic's name after the prefix), here and in infra


def _notification(body: str) -> dict:
    payload = json.loads(body)
    if isinstance(payload, dict) and payload.get("Type") == "Notification" and "Message" in payload:
        payload = json.loads(payload["Message"])
    return payload if isinstance(payload, dict) else {}


def addresses_to_suppress(notification: dict) -> list[tuple[str, str, str]]:
    """(address, reason, detail) for each recipient SES says must not be mailed again."""
    kind = notification.get("eventType") or notification.get("notificationType")
    if kind == "Bounce":
        bounce = notification.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            return []
        return [(r["emailAddress"], "bounce", r.get("diagnosticCode") or bounce.get("bounceSubType", ""))
                for r in bounce.get("bouncedRecipients", []) if r.get("emailAddress")]
    if kind == "Complaint":
        complaint = notification.get("complaint", {})
        return [(r["emailAddress"], "complaint", complaint.get("complaintFeedbackType", ""))
                for r in complaint.get("complainedRecipients", []) if r.get("emailAddress")]
    return []


def handle_message(body: str) -> list[str]:
    """Suppress what the notification names (idempotent: a second report overwrites the first); the
    addresses suppressed."""
    suppressed = []
    for address, reason, detail in addresses_to_suppress(_notification(body)):
        entry = EmailSuppression(address=address.strip().lower(), reason=reason, detail=detail[:500])
        entry.derive_keys()
        entry.save()
        suppressed.append(entry.address)
    if suppressed:
        logger.info("addresses suppressed", extra={"count": len(suppressed)})
    return suppressed


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the feedback queue (partial batch responses)."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
