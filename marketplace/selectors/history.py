"""Reads of listings' market history (``marketplace.history``): with the public detail, on the back
office's listing pages, and per broker for analytics."""

from __future__ import annotations

from collections import defaultdict

from marketplace.errors import NotFound
from marketplace.history import PriceMove, price_move
from marketplace.models import Listing, ListingHistory, Media


def listing_with_media_and_history(*, listing_id: str) -> tuple[Listing, list[Media], list[ListingHistory]]:
    """The listing, its media (in position order) and its history (oldest first), one Query."""
    listing, media, history = None, [], []
    for item in Listing.with_media_and_history(listing_id):
        if isinstance(item, Listing):
            listing = item
        elif isinstance(item, Media):
            media.append(item)
        elif isinstance(item, ListingHistory):
            history.append(item)
    if listing is None:
        raise NotFound("no such listing", field="listing_id")
    media.sort(key=lambda m: (m.position, m.media_id))
    return listing, media, history


def listing_history(*, listing_id: str) -> list[ListingHistory]:
    """A listing's price and status history, oldest first (back office listing pages)."""
    return list(ListingHistory.of_listing(listing_id))


def broker_price_moves(*, broker_id: str) -> dict[str, PriceMove]:
    """Listing id -> how its price moved since it was listed ("reduced 8% after 41 days"), for each of
    the broker's listings whose price changed: one Query of the broker's history items (gsi3)."""
    by_listing: dict[str, list[ListingHistory]] = defaultdict(list)
    for item in ListingHistory.of_broker(broker_id):
        by_listing[item.listing_id].append(item)
    moves = {listing_id: price_move(items) for listing_id, items in by_listing.items()}
    return {listing_id: move for listing_id, move in moves.items() if move is not None}
