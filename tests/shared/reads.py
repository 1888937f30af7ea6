"""Reading back what a write left, through the selectors the platform itself uses (reports, leads)."""

from __future__ import annotations

from datetime import date

from marketplace.models import Inquiry, ListingStats
from marketplace.selectors.leads import inquiries_for_broker
from marketplace.selectors.listings import listing_get
from marketplace.selectors.reports import listing_views_by_day, stats_for


def stats(listing_id: str) -> ListingStats:
    """A listing's favorite and inquiry totals."""
    return stats_for(listing_ids=[listing_id])[listing_id]


def views(listing_id: str, *, since: date, until: date) -> dict[str, int]:
    """A listing's views per day."""
    return listing_views_by_day(listing_ids=[listing_id], since=since, until=until)[listing_id]


def inquiries(listing_id: str) -> list[Inquiry]:
    """A listing's inquiries, newest first, as its broker's leads show them."""
    broker_id = listing_get(listing_id=listing_id).broker_id
    return [i for i in inquiries_for_broker(broker_id=broker_id, limit=100).items if i.listing_id == listing_id]
