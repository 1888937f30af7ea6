"""The domain's business rules on listings: every number checked, sellers that exist, the version an
editor read, and what a submission needs. Each refusal names the field and writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.errors import ValidationError
from marketplace.lifecycle import Action
from marketplace.listing_fields import clean_listing_fields
from marketplace.selectors.listings import listing_get, listings_by_status
from marketplace.services.listings import listing_create, listing_update
from marketplace.services.people import seller_create
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, add_photos

BAD_NUMBERS = [
    ("land_area_sqft", 0), ("land_area_sqft", -500), ("land_area_sqft", "-500 sqft"), ("land_area_sqft", 1e30),
    ("land_area_sqft", Decimal("1e30")), ("land_area_sqft", float("nan")), ("land_area_sqft", float("inf")),
    ("land_area_sqft", "9" * 45 + " sqft"), ("land_area_sqft", "99999999999999999999 bigha 5 kattha 3 dhur"),
    ("land_area_sqft", "0-0-0-0"), ("built_up_area_sqft", 0), ("built_up_area_sqft", "1e30"),
    ("price", 0), ("price", "0"), ("price", -1), ("price", float("nan")), ("price", float("inf")),
    ("price", 49_999_999.5), ("price", Decimal("49999999.5")), ("price", "4,99,99,999.5"), ("price", 10**30),
    ("price", "9" * 5000),
    ("latitude", "1e-999"), ("latitude", "27.7" + "1" * 5000), ("latitude", "27.71234567891"),
    ("latitude", "NaN"), ("longitude", "Infinity"), ("longitude", float("nan")),
    ("storeys", "2.55"), ("storeys", "sNaN"), ("road_width_ft", "1e400"), ("bedrooms", "9" * 5000),
]


@pytest.mark.parametrize(("field", "value"), BAD_NUMBERS, ids=[f"{f}={str(v)[:30]}" for f, v in BAD_NUMBERS])
def test_every_bad_number_is_refused_naming_its_field(table, broker, field, value):
    with pytest.raises(ValidationError) as caught:
        listing_create(actor=broker, fields={**COMPLETE_HOUSE, field: value})
    assert set(caught.value.errors) == {field}
    assert listings_by_status(status="draft").items == []


def test_good_numbers_are_kept_exactly(table):
    cleaned = clean_listing_fields({**COMPLETE_HOUSE, "price": 49_999_999.0, "latitude": "27.7123456",
                                    "land_area_sqft": "1 bigha 5 kattha 3 dhur"}, partial=True)
    assert cleaned["price"] == 49_999_999
    assert cleaned["latitude"] == Decimal("27.7123456")
    assert cleaned["land_area_sqft"] == Decimal(72900 + 5 * 3645) + Decimal("546.75")


def test_a_listing_names_a_recorded_seller_only(table, broker):
    for seller_id in ("someone-else", "x" * 3000):
        with pytest.raises(ValidationError) as caught:
            listing_create(actor=broker, fields={**COMPLETE_HOUSE, "seller_id": seller_id})
        assert caught.value.field == "seller_id"
    seller = seller_create(actor=broker, name="Kiran Joshi")
    listing = listing_create(actor=broker, fields={**COMPLETE_HOUSE, "seller_id": seller.seller_id})
    assert listing_get(listing_id=listing.listing_id).seller_id == seller.seller_id
    with pytest.raises(ValidationError):
        listing_update(actor=broker, listing_id=listing.listing_id, fields={"seller_id": "nobody"},
                       expected_version=listing.version)


def test_an_edit_without_the_version_it_read_is_refused(draft, broker):
    with pytest.raises(ValidationError) as caught:
        listing_update(actor=broker, listing_id=draft.listing_id, fields={"title": "Another title here"},
                       expected_version=None)
    assert caught.value.field == "expected_version"
    assert listing_get(listing_id=draft.listing_id).title == COMPLETE_HOUSE["title"]


def test_submitting_needs_a_price_and_enough_photos(table, broker):
    listing = listing_create(actor=broker, fields={**COMPLETE_HOUSE, "price": ""})
    add_photos(broker, listing.listing_id, count=1)
    with pytest.raises(ValidationError) as caught:
        listing_act(actor=broker, listing_id=listing.listing_id, action=Action.SUBMIT)
    assert {"price", "photos"} <= set(caught.value.errors)
    assert "1 so far" in caught.value.errors["photos"]

    add_photos(broker, listing.listing_id, count=1)
    listing_update(actor=broker, listing_id=listing.listing_id, fields={"price_on_request": True},
                   expected_version=listing.version)
    submitted = listing_act(actor=broker, listing_id=listing.listing_id, action=Action.SUBMIT)
    assert submitted.status == "pending_review"


def test_a_public_date_without_a_time_zone_is_refused_clearly(pending, admin):
    with pytest.raises(ValidationError) as caught:
        listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE_COMING_SOON,
                    public_at=datetime.now() + timedelta(days=3))
    assert caught.value.field == "public_at" and "time zone" in caught.value.message
    assert listing_get(listing_id=pending.listing_id).status == "pending_review"
