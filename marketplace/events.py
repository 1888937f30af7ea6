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

from marketplace.ids import new_id
from marketplace.models import OutboxEvent, iso
from marketplace.observability import correlation_id


class EventType(StrEnum):
    LISTING_CREATED = "ListingCreated"
    LISTING_UPDATED = "ListingUpdated"
    LISTING_SUBMITTED = "ListingSubmitted"
    LISTING_APPROVED = "ListingApproved"
    LISTING_REJECTED = "ListingRejected"
    LISTING_CHANGES_REQUESTED = "ListingChangesRequested"
    LISTING_STATUS_CHANGED = "ListingStatusChanged"
    LISTING_FEATURED = "ListingFeatured"
    MEDIA_UPLOADED = "MediaUploaded"
    MEDIA_PROCESSED = "MediaProcessed"
    MEDIA_FAILED = "MediaFailed"
    SUBSCRIPTION_CHANGED = "SubscriptionChanged"
    INQUIRY_RECEIVED = "InquiryReceived"
    FAVORITE_ADDED = "FavoriteAdded"
    BROKER_VERIFIED = "BrokerVerified"


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule on the bus: these detail types go to this queue (with a DLQ)."""

    name: str
    detail_types: tuple[EventType, ...]
    queue: str


# The routing table, read by local provisioning and by infra alike.
RULES: tuple[Rule, ...] = (
    Rule("notifications", (EventType.LISTING_APPROVED, EventType.LISTING_REJECTED,
                           EventType.LISTING_CHANGES_REQUESTED, EventType.INQUIRY_RECEIVED,
                           EventType.MEDIA_PROCESSED, EventType.MEDIA_FAILED,
                           EventType.SUBSCRIPTION_CHANGED), "notifications"),
    # Media follows the listing's premium flag (marketplace.services.media_placement).
    Rule("media-placement", (EventType.LISTING_APPROVED, EventType.LISTING_FEATURED, EventType.LISTING_UPDATED),
         "media-placement"),
    Rule("analytics", tuple(EventType), "analytics"),
)


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
