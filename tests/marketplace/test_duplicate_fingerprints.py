"""Duplicate detection stays true: a listing's fingerprint follows every change of what it is made of (price,
land and place edits; photos processed, approved or removed), and a likely duplicate pinned just across a
geohash cell's edge, in a neighbouring cell, is found."""

from __future__ import annotations

import pygeohash
import pytest

from marketplace.lifecycle import Status
from marketplace.models import ListingFingerprint
from marketplace.selectors.listings import listing_get
from marketplace.services.duplicates import cells_around, distance_m, likely_duplicates
from marketplace.services.listings import listing_update
from marketplace.services.media import media_delete, media_reject
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.listings import make_listing
from tests.shared.media import version_shown

CELL = pygeohash.encode(27.7781, 85.3620, precision=ListingFingerprint.CELL_PRECISION)  # Budhanilkantha
SAME_PLOT = {"price": "4.5 crore", "land_area_sqft": "0-8-0-0"}


def _edge_points(direction: str) -> tuple[dict, dict]:
    """Two pins about 20 m apart on either side of ``CELL``'s edge (or corner) towards ``direction``."""
    box = pygeohash.get_bounding_box(CELL)
    lat = {"top": box.max_lat, "bottom": box.min_lat, "corner": box.max_lat}.get(direction, (box.min_lat + box.max_lat) / 2)
    lng = {"right": box.max_lon, "left": box.min_lon, "corner": box.max_lon}.get(direction, (box.min_lon + box.max_lon) / 2)
    step_lat = {"top": 0.0001, "bottom": -0.0001, "corner": 0.0001}.get(direction, 0.0)
    step_lng = {"right": 0.0001, "left": -0.0001, "corner": 0.0001}.get(direction, 0.0)
    inside = {"latitude": f"{lat - step_lat:.6f}", "longitude": f"{lng - step_lng:.6f}"}
    outside = {"latitude": f"{lat + step_lat:.6f}", "longitude": f"{lng + step_lng:.6f}"}
    return inside, outside


def _found(listing) -> set[str]:
    return {match.listing_id for match in likely_duplicates(listing=listing, media=[])}


def _fingerprint(listing_id: str) -> ListingFingerprint:
    return ListingFingerprint.get(*ListingFingerprint.key(listing_id), consistent_read=True)


@pytest.mark.parametrize("direction", ["top", "bottom", "left", "right", "corner"])
def test_a_duplicate_pinned_across_the_cells_edge_is_found(table, broker, other_broker, direction):
    # Given another broker's listing just across the edge of the cell of the listing under review
    inside, outside = _edge_points(direction)
    theirs = make_listing(other_broker, status=Status.ACTIVE, **SAME_PLOT, **outside)
    ours = make_listing(broker, status=Status.PENDING_REVIEW, **SAME_PLOT, **inside)
    assert _fingerprint(ours.listing_id).cell == CELL != _fingerprint(theirs.listing_id).cell
    assert distance_m(*[(float(p["latitude"]), float(p["longitude"])) for p in (inside, outside)]) < 40

    # When the moderator's review looks for likely duplicates / Then it is found in the neighbouring cell
    assert _found(ours) == {theirs.listing_id}


def test_the_cells_around_a_cell_are_its_eight_neighbours():
    around = cells_around(CELL)
    assert len(around) == 9 and around[0] == CELL
    centre = pygeohash.get_bounding_box(CELL)
    for cell in around[1:]:
        box = pygeohash.get_bounding_box(cell)
        touches = (box.min_lat <= centre.max_lat and box.max_lat >= centre.min_lat
                   and box.min_lon <= centre.max_lon and box.max_lon >= centre.min_lon)
        assert touches, cell


def test_a_price_edit_refreshes_the_fingerprint(table, broker, other_broker):
    # Given an active listing at 4.5 crore, and another broker's listing of the same plot at 6 crore in review
    theirs = make_listing(other_broker, status=Status.ACTIVE, **SAME_PLOT)
    ours = make_listing(broker, status=Status.PENDING_REVIEW, price="6 crore", land_area_sqft="0-8-0-0")
    assert _found(ours) == set()

    # When its broker changes the price to 6 crore while it is listed
    listing_update(actor=other_broker, listing_id=theirs.listing_id, fields={"price": "6 crore"},
                   expected_version=listing_get(listing_id=theirs.listing_id, consistent=True).version)

    # Then its fingerprint has the new price and the review finds it
    assert _fingerprint(theirs.listing_id).price == 60_000_000
    assert _found(ours) == {theirs.listing_id}


def test_a_location_and_land_edit_refreshes_the_fingerprint(table, broker, other_broker, admin):
    # Given a listing in review, and another broker's listing across the valley with other land
    ours = make_listing(broker, status=Status.PENDING_REVIEW, **SAME_PLOT)
    theirs = make_listing(other_broker, status=Status.ACTIVE, price="4.5 crore", land_area_sqft="2-0-0-0",
                          latitude="27.8000", longitude="85.4000")
    assert _found(ours) == set()

    # When an admin corrects its pin and its land
    listing_update(actor=admin, listing_id=theirs.listing_id, expected_version=theirs.version,
                   fields={"latitude": "27.7782", "longitude": "85.3621", "land_area_sqft": "0-8-0-0"})

    # Then its fingerprint moved to the new cell with the new land, and the review finds it
    assert _fingerprint(theirs.listing_id).cell == CELL
    assert _found(ours) == {theirs.listing_id}


def test_a_draft_never_submitted_has_no_fingerprint_after_an_edit(table, broker):
    draft = make_listing(broker)
    listing_update(actor=broker, listing_id=draft.listing_id, fields={"price": "5 crore"},
                   expected_version=draft.version)
    assert ListingFingerprint.get_or_none(draft.listing_id) is None


def test_photos_processed_and_removed_refresh_the_fingerprint(platform, broker, admin):
    # Given a listing submitted with placeholder photos (no hash yet) and then approved
    listing = make_listing(broker, status=Status.PENDING_REVIEW)
    assert _fingerprint(listing.listing_id).photo_hashes == []

    # When a photo is processed (the pipeline computes its perceptual hash)
    photo = upload_drawn(listing, broker, seed=5)

    # Then the fingerprint has its hash at once, before any lifecycle transition
    assert _fingerprint(listing.listing_id).photo_hashes == [photo.perceptual_hash]

    # When the broker removes it, the hash leaves the fingerprint
    media_delete(listing_id=listing.listing_id, media_id=photo.media_id, actor=broker,
                 expected_version=version_shown(photo))
    assert _fingerprint(listing.listing_id).photo_hashes == []


def test_a_photo_added_to_a_published_listing_counts_until_an_admin_rejects_it(platform, broker, admin):
    # Given an active listing, and a photo added to it (processed, waiting for review: already evidence)
    listing = make_listing(broker, status=Status.ACTIVE)
    photo = upload_drawn(listing, broker, seed=7)
    assert photo.perceptual_hash is None and photo.proposed.perceptual_hash  # the version waiting for review
    assert _fingerprint(listing.listing_id).photo_hashes == [photo.proposed.perceptual_hash]

    # When an admin rejects it / Then its hash leaves the fingerprint
    media_reject(listing_id=listing.listing_id, media_id=photo.media_id, actor=admin,
                 expected_version=version_shown(photo))
    assert _fingerprint(listing.listing_id).photo_hashes == []
