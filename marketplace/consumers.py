"""Exactly-once handling on top of at-least-once delivery: consumers claim each event id first.

The timings fit together in one place: a consumer function runs at most ``CONSUMER_TIMEOUT``; its claim
lasts ``CLAIM_LEASE`` (longer, so a live consumer never loses its claim mid-send); the queue hides a
received message for ``VISIBILITY_TIMEOUT`` (longer than the lease, so when a dead consumer's message
comes back its claim has lapsed and the redelivery takes over). Infra and the local workers read these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PutError

from marketplace.models import ProcessedEvent

CONSUMER_TIMEOUT = timedelta(seconds=30)
CLAIM_LEASE = 4 * CONSUMER_TIMEOUT
VISIBILITY_TIMEOUT = 6 * CONSUMER_TIMEOUT  # AWS's advice for SQS event sources: six times the timeout
DONE_RETENTION = timedelta(days=30)


class ClaimHeld(Exception):
    """Another consumer holds a live claim on this event: the message must come back later (it may
    still die before sending), so the caller reports a failure instead of deleting the message."""


def consume_once(*, consumer: str, event_id: str, handler: Callable[[], None]) -> bool:
    """Run ``handler`` unless ``consumer`` already handled ``event_id``; return whether it ran.

    A claim is written first (conditional put) so two deliveries racing each other run it once; if
    the handler fails the claim is dropped so a redelivery can try again; a claim whose holder died
    expires after ``CLAIM_LEASE``. Raises ``ClaimHeld`` while someone else's claim is live.
    """
    moment = datetime.now(UTC)
    claim = ProcessedEvent(*ProcessedEvent.key(consumer, event_id))
    claim.expires = moment + CLAIM_LEASE
    lease_over = ProcessedEvent.expires < moment
    try:
        claim.save(condition=ProcessedEvent.pk.does_not_exist() | ((ProcessedEvent.state == "claimed") & lease_over))
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        held = ProcessedEvent.get(claim.pk, claim.sk, consistent_read=True)
        if held.state == "claimed":
            raise ClaimHeld(f"{consumer} is handling {event_id} elsewhere") from error
        return False
    try:
        handler()
    except Exception:
        claim.delete()
        raise
    claim.update(actions=[ProcessedEvent.state.set("done"), ProcessedEvent.expires.set(moment + DONE_RETENTION)])
    return True
