"""Media items as a broker's or admin's page shows them: the version a page would post back."""

from __future__ import annotations

from marketplace.models import SERVED_FIELDS, Media
from marketplace.selectors.media import media_for_listing, media_get


def version_shown(media: Media) -> int:
    """The item's version as a page opened now shows it (a consistent read)."""
    return media_get(listing_id=media.listing_id, media_id=media.media_id).version


def versions_shown(listing_id: str) -> dict[str, int]:
    """Every item's version as the listing's page opened now shows them (media id -> version)."""
    return {m.media_id: m.version for m in media_for_listing(listing_id=listing_id, consistent=True)}


def served_fields(holder) -> dict:
    """The served fields a media item or a ``MediaVersion`` holds (those set), as plain values."""
    return {name: [v.as_dict() for v in value] if name == "variants" else value
            for name in SERVED_FIELDS if (value := getattr(holder, name)) is not None}
