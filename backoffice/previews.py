"""What staff pages show of media: the smallest variant as an image. Public media through the CDN's
``/media`` path (the local media edge offline); premium media only as a short-lived signed URL, and only to
admins and the listing's own broker. Everyone else sees it as locked."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace import media_urls
from marketplace.actors import Actor

LARGE_WIDTH = 2048  # the lightbox's picture: sharp on a laptop screen, never the drone's 3840 original


@dataclass(frozen=True)
class Preview:
    url: str | None  # None: locked (premium, and this person may not see it) or nothing to show
    width: int | None = None
    height: int | None = None
    premium: bool = False
    large_url: str | None = None  # the gallery's lightbox: the largest still image up to LARGE_WIDTH

    @property
    def locked(self) -> bool:
        return self.premium and self.url is None


def may_see_premium(actor: Actor | None, listing) -> bool:
    return actor is not None and (actor.is_admin or (listing is not None and actor.user_id == listing.broker_id))


def media_preview(media, *, listing, actor: Actor | None, proposed: bool = False) -> Preview | None:
    """The served version's preview, or (``proposed``) the one waiting for review, if any."""
    variants = (media.proposed.variants if media.proposed else []) if proposed else media.variants
    variant = media_urls.preview_variant(variants)
    if variant is None:
        return None
    premium = media_urls.is_premium_bucket(variant.bucket)
    if premium and not may_see_premium(actor, listing):
        return Preview(url=None, premium=True)
    try:
        url, _ = media_urls.variant_url(variant)
        large = large_variant(variants)
        large_url = media_urls.variant_url(large)[0] if large is not None and large is not variant else url
    except media_urls.SigningUnavailable:
        return Preview(url=None, premium=True)
    return Preview(url=url, width=int(variant.width or 0) or None, height=int(variant.height or 0) or None,
                   premium=premium, large_url=large_url)


def large_variant(variants):
    """The still image the lightbox shows: the widest up to ``LARGE_WIDTH`` (WebP first)."""
    images = [v for v in variants or [] if v.format in ("webp", "jpeg", "png")]
    fitting = [v for v in images if int(v.width or 0) <= LARGE_WIDTH] or images
    if not fitting:
        return None
    widest = max(int(v.width or 0) for v in fitting)
    chosen = [v for v in fitting if int(v.width or 0) == widest]
    return next((v for v in chosen if v.format == "webp"), chosen[0])


def cover_preview(listing) -> Preview | None:
    """A listing's cover (always public media) at its smallest card size."""
    cover = listing.cover
    if cover is None or not cover.variants:
        return None
    variants = cover.variants.as_dict() if hasattr(cover.variants, "as_dict") else dict(cover.variants)
    for name in (f"{media_urls.PREVIEW_SIZE}_webp", f"{media_urls.PREVIEW_SIZE}_jpeg", *sorted(variants)):
        details = variants.get(name)
        if isinstance(details, dict) and details.get("key"):
            return Preview(url=media_urls.public_url(details["key"]), width=details.get("width"),
                           height=details.get("height"))
    return None
