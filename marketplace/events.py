"""Domain events, the rules that route them, and how they enter the outbox.

An event is written to the table (``OutboxEvent``) in the same transaction as the change that causes
it; ``marketplace.outbox`` relays it to EventBridge. Every event carries an ``event_id`` that
consumers de-duplicate on (``marketplace.consumers.consume_once``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from marketplace.event_types import EventType
from marketplace.ids import new_id
from marketplace.models import OutboxEvent, iso
from marketplace.observability import correlation_id


class Queue(StrEnum):
    """The queues events are routed to, one per rule, each with its consumer: the one spelling of their
    names (the rule's, the queue's, the consumer's claims, infra's and the local workers')."""

    NOTIFICATIONS = "notifications"  # marketplace.notifications
    MEDIA_PLACEMENT = "media-placement"  # marketplace.services.media_placement
    SEARCH_INDEX = "search-index"  # marketplace.search_index.writer (its function: public_api.functions.search_index_writer)
    DAILY_REPORTS = "daily-reports"  # marketplace.services.daily_reports
    ALERTS = "alerts"  # marketplace.alerts.matching


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule on the bus: these detail types go to this queue (with a DLQ)."""

    queue: Queue
    detail_types: tuple[EventType, ...]

    @property
    def name(self) -> str:
        return self.queue.value


# The routing table, read by local provisioning and by infra alike. Analytics read the table's exports
# (Parquet, ``python -m ops export``) and replays read the bus's archive, so no queue collects every event.
RULES: tuple[Rule, ...] = (
    # Each of these has a message (marketplace.notifications, whose templates a test holds to this list).
    Rule(Queue.NOTIFICATIONS, (EventType.LISTING_APPROVED, EventType.LISTING_REJECTED,
                               EventType.LISTING_CHANGES_REQUESTED, EventType.INQUIRY_RECEIVED,
                               EventType.MEDIA_PROCESSED, EventType.MEDIA_FAILED, EventType.SUBSCRIPTION_CHANGED,
                               EventType.PAYMENT_COMPLETED, EventType.DOCUMENT_ACCESS_REQUESTED,
                               # Documents: the buyer hears the broker's decision.
                               EventType.DOCUMENT_ACCESS_DECIDED,
                               # Licensed agencies: the principal broker hears of verification and expiry.
                               EventType.AGENCY_LICENCE_VERIFIED, EventType.AGENCY_LICENCE_EXPIRING,
                               # Listings that stay true: the broker is asked to confirm an ageing listing.
                               EventType.LISTING_RECONFIRMATION_DUE,
                               # A coming-soon listing held back on its date: its agency's licence lapsed.
                               EventType.LISTING_HELD,
                               # Viewing requests: the broker and the buyer receive the invitation.
                               EventType.VIEWING_CONFIRMED,
                               # ... and hear of requests, declines, cancellations and expiries; buyers of
                               # their inquiry moving on to a viewing or an offer.
                               EventType.VIEWING_REQUESTED, EventType.VIEWING_DECLINED, EventType.VIEWING_CANCELLED,
                               EventType.VIEWING_EXPIRED, EventType.LEAD_MOVED)),
    # Media follows the listing's premium flag (marketplace.services.media_placement).
    Rule(Queue.MEDIA_PLACEMENT, (EventType.LISTING_APPROVED, EventType.LISTING_FEATURED, EventType.LISTING_UPDATED,
                                 EventType.MEDIA_APPROVED)),
    # The search index's one writer (marketplace.search_index.writer, run as public_api.functions.search_index_writer):
    # every change to what a card shows (an approved media version may become the cover).
    Rule(Queue.SEARCH_INDEX, (EventType.LISTING_APPROVED, EventType.LISTING_UPDATED, EventType.LISTING_STATUS_CHANGED,
                              EventType.LISTING_FEATURED, EventType.MEDIA_PROCESSED, EventType.MEDIA_APPROVED,
                              EventType.LISTING_COVER_CHANGED, EventType.LISTING_LEFT_SEARCH)),
    # The back office reports' daily figures (marketplace.services.daily_reports): favorites, inquiries and
    # moderation decisions, each counted once on its day.
    Rule(Queue.DAILY_REPORTS, (EventType.FAVORITE_ADDED, EventType.INQUIRY_RECEIVED, EventType.LISTING_APPROVED,
                               EventType.LISTING_REJECTED, EventType.LISTING_CHANGES_REQUESTED)),
    # Saved-search and favorites alerts (marketplace.alerts.matching): a listing entering the market (its
    # approval's status change, its public date, back on market), its price and its status changes.
    Rule(Queue.ALERTS, (EventType.LISTING_STATUS_CHANGED, EventType.LISTING_UPDATED)),
)


def rule_for(queue: Queue) -> Rule:
    return next(rule for rule in RULES if rule.queue is queue)


@dataclass(frozen=True)
class DomainEvent:
    type: EventType
    data: dict
    event_id: str = field(default_factory=new_id)
    correlation_id: str | None = field(default_factory=correlation_id)
    occurred_at: str = field(default_factory=lambda: iso(datetime.now(UTC)))

    def envelope(self) -> dict:
        """The EventBridge ``Detail``: what consumers receive."""
        return {"event_id": self.event_id, "correlation_id": self.correlation_id,
                "occurred_at": self.occurred_at, "data": self.data}


def to_outbox(event: DomainEvent) -> OutboxEvent:
    return OutboxEvent(event_id=event.event_id, detail_type=event.type.value,
                       detail=json.dumps(event.envelope(), default=str), correlation_id=event.correlation_id)
