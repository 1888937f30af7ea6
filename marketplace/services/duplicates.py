"""Duplicate listings: the same property listed twice, by two brokers or by one.

Across brokers (the moderator's side-by-side on the review page): a listing's fingerprint
(``ListingFingerprint``: land, price, map point and the perceptual hashes of its photos, computed by the
media pipeline) is written with each lifecycle transition, and again whenever what it is made of changes
(an edit of the listing, a photo processed, approved, rejected or deleted: ``fingerprint_refreshed``, in
the same transaction); a listing under review is compared with the fingerprints of its geohash cell and
the eight around it (pygeohash's neighbours; nine Queries on gsi5, never a scan): a pin up to
``NEAR_METRES`` away in the next cell is found. It is a
likely duplicate of another when a photo is the same picture (at most ``PHOTO_BITS`` of 64 hash bits
apart: resized, recompressed or lightly cropped copies), or when land, location and price all agree.

The same broker (a warning on the broker's form, never a refusal): one of their own listings with a
similar title, the same land and the same location, read from their listings (gsi3).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pygeohash

from marketplace import db
from marketplace.lifecycle import Status
from marketplace.media_kinds import PHOTO_KINDS
from marketplace.models import Listing, ListingFingerprint, Media
from marketplace.search_index.documents import fold
from marketplace.selectors.media import media_for_listing

PHOTO_BITS = 10  # of 64: copies of one picture differ by a few bits, different pictures by ~32
LAND_TOLERANCE = Decimal("0.02")  # a surveyed area written in two units rounds differently
PRICE_TOLERANCE = Decimal("0.10")
NEAR_METRES = 150  # two brokers' pins for one house
TITLE_SIMILARITY = 0.8  # difflib's ratio of the folded titles
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LikelyDuplicate:
    """Another listing that is probably the same property, and why."""

    listing_id: str
    broker_id: str
    title: str
    status: str
    same_photos: int  # this listing's photos that have a copy among the other's
    reasons: tuple[str, ...]


def photo_hashes(media: Iterable[Media]) -> list[str]:
    """The perceptual hashes of a listing's photos and drone shots: served versions and those waiting
    for review alike (both are evidence of what is being listed)."""
    hashes = []
    for item in media:
        if item.kind not in PHOTO_KINDS:
            continue
        for value in (item.perceptual_hash, item.proposed.perceptual_hash if item.proposed else None):
            if value and value not in hashes:
                hashes.append(value)
    return hashes


def cell_of(listing: Listing) -> str | None:
    if listing.latitude is None or listing.longitude is None:
        return None
    return pygeohash.encode(float(listing.latitude), float(listing.longitude),
                            precision=ListingFingerprint.CELL_PRECISION)


def fingerprint_of(listing: Listing, media: Iterable[Media]) -> ListingFingerprint:
    """The listing's fingerprint as it is now (saved by the caller, in its transaction)."""
    return ListingFingerprint(
        listing_id=listing.listing_id, broker_id=listing.broker_id, title=listing.title or "", status=listing.status,
        neighborhood=listing.neighborhood, cell=cell_of(listing), latitude=listing.latitude,
        longitude=listing.longitude, land_area_sqft=listing.land_area_sqft,
        price=None if listing.price_on_request or listing.price is None else int(listing.price),
        photo_hashes=photo_hashes(media), updated_at=datetime.now(UTC))


def fingerprint_refreshed(listing: Listing, media: Iterable[Media]) -> ListingFingerprint | None:
    """The fingerprint of a listing that has one (it has been through the lifecycle: submitted at least
    once) as it is now, for the caller to save in the transaction that changes the listing or its media;
    None for a draft never submitted (nobody's candidate yet)."""
    return fingerprint_of(listing, media) if listing.submitted_at is not None else None


def cells_around(cell: str) -> list[str]:
    """The cell and the eight around it (a cell is ~1.2 km x 0.6 km, so a pin within NEAR_METRES is always
    among them); longitude wraps, and a polar row has no cell beyond it."""
    rows = [cell]
    for direction in ("top", "bottom"):
        try:
            rows.append(pygeohash.get_adjacent(cell, direction))
        except ValueError:  # beyond a pole
            continue
    return list(dict.fromkeys(
        around for row in rows for around in (row, pygeohash.get_adjacent(row, "left"), pygeohash.get_adjacent(row, "right"))))


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _close(a, b, tolerance: Decimal) -> bool:
    if a is None or b is None or not a or not b:
        return False
    a, b = Decimal(str(a)), Decimal(str(b))
    return abs(a - b) <= tolerance * max(a, b)


def _point(item) -> tuple[float, float] | None:
    if item.latitude is None or item.longitude is None:
        return None
    return float(item.latitude), float(item.longitude)


def _near(a, b) -> bool:
    pa, pb = _point(a), _point(b)
    return pa is not None and pb is not None and distance_m(pa, pb) <= NEAR_METRES


def same_pictures(ours: list[str], theirs: list[str]) -> int:
    """How many of ``ours`` have a copy among ``theirs`` (Hamming distance of the hashes)."""
    others = [int(value, 16) for value in theirs]
    return sum(1 for value in ours if any((int(value, 16) ^ other).bit_count() <= PHOTO_BITS for other in others))


def compare(ours: ListingFingerprint, theirs: ListingFingerprint) -> LikelyDuplicate | None:
    """``theirs`` as a likely duplicate of ``ours``, or None."""
    photos = same_pictures(ours.photo_hashes, theirs.photo_hashes)
    land = _close(ours.land_area_sqft, theirs.land_area_sqft, LAND_TOLERANCE)
    near = _near(ours, theirs)
    price = _close(ours.price, theirs.price, PRICE_TOLERANCE)
    if not photos and not (land and near and price):
        return None
    reasons = tuple(reason for reason, holds in (
        (f"{photos} same photo{'s' if photos != 1 else ''}", photos), ("same land", land),
        (f"within {NEAR_METRES} m", near), ("price within 10%", price),
        ("same broker", ours.broker_id == theirs.broker_id)) if holds)
    return LikelyDuplicate(listing_id=theirs.listing_id, broker_id=theirs.broker_id, title=theirs.title,
                           status=theirs.status, same_photos=photos, reasons=reasons)


def likely_duplicates(*, listing: Listing, media: Iterable[Media]) -> list[LikelyDuplicate]:
    """Other listings that are probably the same property as ``listing`` (with its ``media``), the most
    alike first: the fingerprints around its map point (nine Queries), compared with its own."""
    ours = fingerprint_of(listing, media)
    if ours.cell is None:
        return []
    found = []
    for cell in cells_around(ours.cell):
        for theirs in ListingFingerprint.in_cell(cell):
            if theirs.listing_id != listing.listing_id and (match := compare(ours, theirs)):
                found.append(match)
    return sorted(found, key=lambda m: (-m.same_photos, -len(m.reasons), m.listing_id))


def similar_own_listings(*, broker_id: str, title: str, land_area_sqft, latitude, longitude,
                         exclude: str | None = None) -> list[Listing]:
    """The broker's own listings that look like this one: a similar title, the same land and the same
    location (the form's warning; the broker may still save)."""
    if not title or land_area_sqft is None or latitude is None or longitude is None:
        return []
    probe = ListingFingerprint(listing_id=exclude or "", broker_id=broker_id, status="", title=title,
                               latitude=latitude, longitude=longitude, land_area_sqft=land_area_sqft)
    folded = fold(title)
    return [other for other in Listing.of_broker(broker_id)
            if other.listing_id != exclude
            and difflib.SequenceMatcher(None, folded, fold(other.title or "")).ratio() >= TITLE_SIMILARITY
            and _close(land_area_sqft, other.land_area_sqft, LAND_TOLERANCE) and _near(probe, other)]


def side_by_side(*, listing: Listing, media: Iterable[Media], limit: int = 3) -> list[tuple[LikelyDuplicate, Listing]]:
    """The likely duplicates of a listing under review with the other listings as they are now (the
    review page shows each next to it); one whose listing is gone is left out."""
    pairs = []
    for match in likely_duplicates(listing=listing, media=media)[:limit]:
        other = Listing.get_or_none(match.listing_id)
        if other is not None:
            pairs.append((match, other))
    return pairs


def fingerprints_backfill(*, apply: bool) -> int:
    """Write the fingerprint of every listing past its draft (listings moderated before fingerprints
    existed have none until their next transition): one Query per status, one media Query and one
    PutItem per listing. Returns how many it wrote (``apply``) or would write."""
    count = 0
    for status in Status:
        if status == Status.DRAFT:
            continue
        for listing in Listing.by_status(status):
            if apply:
                db.save(fingerprint_of(listing, media_for_listing(listing_id=listing.listing_id)))
            count += 1
    return count
