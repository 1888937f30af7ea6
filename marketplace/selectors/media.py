"""Media reads: a listing's media in display order, one media item."""

from __future__ import annotations

from datetime import datetime

from marketplace.models import Media


def media_for_listing(*, listing_id: str, consistent: bool = False) -> list[Media]:
    """Every media item of a listing (one Query on its partition), in display order."""
    items = Media.of_listing(listing_id, consistent_read=consistent)
    return sorted(items, key=lambda m: (m.position, m.media_id))


def media_get(*, listing_id: str, media_id: str, consistent: bool = True) -> Media:
    return Media.get_or_not_found(listing_id, media_id, consistent=consistent)


def media_failures(*, limit: int = 20) -> list[Media]:
    """Media whose processing failed, newest first (admin dashboard)."""
    return list(Media.failed(scan_index_forward=False, limit=limit))


def media_due(*, before: datetime, limit: int = 100) -> list[Media]:
    """Media awaiting their upload or processing whose deadline is before ``before``, oldest first."""
    return list(Media.due_before(before, limit=limit))


def media_awaiting_review(*, limit: int = 100) -> list[Media]:
    """Processed media added to published listings, oldest first: the admins' media queue."""
    return list(Media.awaiting_review(limit=limit))
