"""What a broker must confirm: their active listings unconfirmed for the reconfirmation age."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.lifecycle import Status
from marketplace.models import Listing
from marketplace.selectors.listings import INVENTORY_ATTRIBUTES
from marketplace.services.freshness import needs_confirmation


def listings_to_confirm(*, broker_id: str, at: datetime | None = None, limit: int = 200) -> list[Listing]:
    """The broker's active listings due for confirmation, least recently confirmed first (one Query of their
    active listings on their desk, gsi3, projected as the inventory's rows)."""
    moment = at or datetime.now(UTC)
    due = [listing for listing in Listing.of_broker(broker_id, Status.ACTIVE, limit=limit,
                                                    attributes_to_get=INVENTORY_ATTRIBUTES)
           if needs_confirmation(listing, at=moment)]
    return sorted(due, key=lambda listing: listing.confirmed_at)
