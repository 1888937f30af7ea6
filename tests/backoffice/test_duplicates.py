"""Duplicate listings: the same photo, or the same land, place and price, listed by another broker is
shown to the moderator side by side with the listing under review; a broker saving a listing like one of
their own is warned and the listing is saved. Photos go through the real upload and media pipeline,
which computes their perceptual hashes."""

from __future__ import annotations

import io

from PIL import Image

from local.demo_photos import draw
from marketplace.selectors.listings import listing_with_media
from marketplace.selectors.media import media_get
from marketplace.services.duplicates import PHOTO_BITS, likely_duplicates
from media_pipeline.imaging import perceptual_hash
from tests.backoffice.test_broker import FORM
from tests.media_pipeline.helpers import upload_drawn
from tests.shared.listings import submit

HOUSE = {"latitude": "27.7781", "longitude": "85.3620", "price": "4.5 crore", "land_area_sqft": "0-8-0-0"}
NEXT_DOOR = {"latitude": "27.7784", "longitude": "85.3622"}  # about 40 m away


def _bits_apart(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _submitted_with_photo(listing_factory, people, broker: str, *, seed: int, **fields):
    listing = listing_factory(status="draft", broker=broker, **fields)
    photo = upload_drawn(listing, people[broker].actor, seed=seed)
    submit(people[broker].actor, listing.listing_id)
    return listing, photo


def test_a_photo_keeps_its_perceptual_hash_through_resizing_recompression_and_a_small_crop():
    picture = Image.open(io.BytesIO(draw(5, width=1200, height=800, aerial=False)))
    smaller = io.BytesIO()
    picture.resize((400, 267)).save(smaller, "JPEG", quality=60)
    cropped = picture.crop((30, 20, 1170, 780))
    other = Image.open(io.BytesIO(draw(9, width=1200, height=800, aerial=False)))

    original = perceptual_hash(picture)
    assert _bits_apart(original, perceptual_hash(Image.open(smaller))) <= PHOTO_BITS
    assert _bits_apart(original, perceptual_hash(cropped)) <= PHOTO_BITS
    assert _bits_apart(original, perceptual_hash(other)) > PHOTO_BITS


def test_the_same_photo_from_another_broker_is_shown_side_by_side_on_the_review_page(
        signed_in, listing_factory, people):
    # Given a listing by one broker, and another broker's listing next door with the same photo but
    # another price and land, and a third listing next door with another photo
    _submitted_with_photo(listing_factory, people, "broker", seed=5, title="Villa with a view", **HOUSE)
    copy, copy_photo = _submitted_with_photo(listing_factory, people, "other_broker", seed=5,
                                             title="Family house, Budhanilkantha", price="6 crore",
                                             land_area_sqft="1-0-0-0", **NEXT_DOOR)
    unrelated, _ = _submitted_with_photo(listing_factory, people, "other_broker", seed=9, title="Bungalow",
                                         price="9 crore", land_area_sqft="2-0-0-0", **NEXT_DOOR)
    assert media_get(listing_id=copy.listing_id, media_id=copy_photo.media_id).perceptual_hash

    # When an admin opens the copy's review page
    page = signed_in("admin").get(f"/admin/moderation/{copy.listing_id}/").content.decode()

    # Then the first listing is next to it, with the reason; the unrelated one is not
    section = page.split("<h2>Likely duplicates</h2>")[1].split("<h2>Media</h2>")[0]
    assert "Villa with a view" in section and "1 same photo" in section
    assert "Bungalow" not in section
    listing, media = listing_with_media(listing_id=unrelated.listing_id)
    assert likely_duplicates(listing=listing, media=media) == []


def test_the_same_land_place_and_price_without_a_common_photo_is_a_likely_duplicate(listing_factory, people):
    # Given two brokers' listings next door to each other, same land, prices 5% apart, different photos
    first, _ = _submitted_with_photo(listing_factory, people, "broker", seed=5, **HOUSE)
    second, _ = _submitted_with_photo(listing_factory, people, "other_broker", seed=9,
                                      **{**HOUSE, **NEXT_DOOR, "price": "4.7 crore"})
    # and a third with the same land next door, priced 40% higher
    dearer, _ = _submitted_with_photo(listing_factory, people, "other_broker", seed=2,
                                      **{**HOUSE, **NEXT_DOOR, "price": "6.3 crore"})

    listing, media = listing_with_media(listing_id=second.listing_id)
    found = likely_duplicates(listing=listing, media=media)

    assert [d.listing_id for d in found] == [first.listing_id]
    assert found[0].reasons == ("same land", "within 150 m", "price within 10%")
    assert dearer.listing_id not in [d.listing_id for d in found]


def test_a_broker_saving_a_listing_like_one_of_their_own_is_warned_and_it_is_saved(signed_in, listing_factory):
    browser = signed_in("broker")
    assert browser.post("/broker/listings/new/", FORM).status_code == 302

    # a similar title, the same land and place: saved, with a warning naming the other listing
    again = browser.post("/broker/listings/new/", {**FORM, "title": "Three storey villa, Sanepa"}, follow=True)
    assert again.status_code == 200
    warnings = [str(m) for m in again.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and "Three-storey villa in Sanepa" in warnings[0]
    assert "Draft saved" in again.content.decode()

    # other land: no warning
    other = browser.post("/broker/listings/new/", {**FORM, "title": "Three storey villa, Sanepa",
                                                   "land_area": "2-0-0"}, follow=True)
    assert not [m for m in other.context["messages"] if m.level_tag == "warning"]
