"""Exactly-once handling on top of at-least-once delivery: consumers claim each event id first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError

from marketplace.models import ProcessedEvent

CLAIM_LEASE = timedelta(minutes=5)
DONE_RETENTION = timedelta(days=30)


def consume_once(*, consumer: str, event_id: str, handler: Callable[[], None]) -> bool:
    """Run ``handler`` unless ``consumer`` already handled ``event_id``; return whether it ran.

    A claim is written first (conditional put) so two deliveries racing each other run it once; if
    the handler fails the claim is dropped so a redelivery can try again; a claim whose holder died
    expires after ``CLAIM_LEASE``.
    """
    moment = datetime.now(UTC)
    claim = ProcessedEvent(pk=f"PROCESSED#{consumer}", sk=event_id)
    claim.expires = moment + CLAIM_LEASE
    lease_over = ProcessedEvent.expires < moment
    try:
        claim.save(condition=ProcessedEvent.pk.does_not_exist() | ((ProcessedEvent.state == "claimed") & lease_over))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    try:
        handler()
    except Exception:
        claim.delete()
        raise
    claim.update(actions=[ProcessedEvent.state.set("done"), ProcessedEvent.expires.set(moment + DONE_RETENTION)])
    return True
