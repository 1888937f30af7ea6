"""Bad input in the back office gets a page or a JSON error naming the field, never a 500; the listing
form shows its limits and its sellers; edits need the version the page was opened at."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from marketplace import pagination
from marketplace.lifecycle import Action
from marketplace.selectors.listings import listing_get
from marketplace.services.people import seller_create
from tests.shared.lifecycle import listing_act


def _form_data(browser, listing) -> dict:
    initial = browser.get(f"/broker/listings/{listing.listing_id}/").context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, False)}
    return {**data, "expected_version": listing_get(listing_id=listing.listing_id).version}


@pytest.mark.parametrize(("field", "value", "unit"), [
    ("land_area", "9" * 45, "sqft"),
    ("land_area", "99999999999999999999-5-3", "terai"),
    ("land_area", "0", "sqft"),
    ("land_area", "-500", "sqft"),
    ("latitude", "1e-999", None),
    ("latitude", "27.7" + "1" * 30, None),
    ("latitude", "27.7" + "1" * 5000, None),
    ("price", "0", None),
    ("price", "49999999.5", None),
])
def test_numbers_the_table_cannot_hold_are_refused_on_their_field(signed_in, listing_factory, field, value, unit):
    listing = listing_factory()
    browser = signed_in("broker")
    data = {**_form_data(browser, listing), field: value}
    if unit:
        data["land_unit"] = unit

    response = browser.post(f"/broker/listings/{listing.listing_id}/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field], response.context["form"].errors
    assert listing_get(listing_id=listing.listing_id).version == listing.version


@pytest.mark.parametrize("body", ["null", "[1, 2]", '"x"', "7", "{", "\xff"])
def test_an_upload_slot_request_that_is_not_a_json_object_is_a_400_naming_the_body(signed_in, listing_factory, body):
    listing = listing_factory()
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/media/slot/", body.encode("latin-1"),
                            content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"


def _signed_cursor(body: bytes) -> str:
    signature = hmac.new(pagination.cursor_key(), body, hashlib.sha256).digest()[:16]
    return f"{pagination._b64(body)}.{pagination._b64(signature)}"


# (The brokers and agencies lists are read whole: their cursor is an offset, any other text the first page.)
@pytest.mark.parametrize("path", ["/admin/listings/", "/admin/people/", "/admin/moderation/"])
def test_a_correctly_signed_but_malformed_cursor_is_a_400(signed_in, path):
    browser = signed_in("admin")
    for body in (b"not json", b'{"s": "x", "k": 1}', b"[]"):
        response = browser.get(path, {"cursor": _signed_cursor(body)})
        assert response.status_code == 400, (path, body)
        assert "cursor" in response.content.decode()


def test_price_filters_beyond_any_price_are_ignored_not_sent_to_the_table(signed_in):
    browser = signed_in("admin")
    for value in ("9" * 40, "9" * 5000, "1e-999", "-1"):
        assert browser.get("/admin/listings/", {"price_min": value, "price_max": value}).status_code == 200


def test_a_ten_megabyte_description_gets_a_page_that_says_so(signed_in, listing_factory):
    listing = listing_factory()
    browser = signed_in("broker")
    data = {**_form_data(browser, listing), "description": "x" * 10_000_000}

    response = browser.post(f"/broker/listings/{listing.listing_id}/", data)

    assert response.status_code == 413
    text = response.content.decode()
    assert "nothing was saved" in text and "Traceback" not in text
    assert listing_get(listing_id=listing.listing_id).version == listing.version


def test_the_form_shows_its_limits_so_it_never_reaches_the_request_limit(signed_in, listing_factory):
    listing = listing_factory()
    browser = signed_in("broker")

    page = browser.get(f"/broker/listings/{listing.listing_id}/").content.decode()

    assert re.search(r'<textarea[^>]*name="description"[^>]*maxlength="8000"', page)
    assert re.search(r'<input[^>]*name="title"[^>]*maxlength="140"', page)
    for name in ("price", "latitude", "longitude", "land_area", "bedrooms"):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*maxlength="40"', page), name


def test_the_seller_is_chosen_from_recorded_sellers(signed_in, listing_factory, people):
    seller = seller_create(actor=people["broker"].actor, name="Kiran Joshi", kind="owner")
    listing = listing_factory()
    browser = signed_in("broker")
    page = browser.get(f"/broker/listings/{listing.listing_id}/")
    assert (seller.seller_id, "Kiran Joshi (owner)") in page.context["form"].fields["seller_id"].choices

    refused = browser.post(f"/broker/listings/{listing.listing_id}/",
                           {**_form_data(browser, listing), "seller_id": "x" * 3000})
    chosen = browser.post(f"/broker/listings/{listing.listing_id}/",
                          {**_form_data(browser, listing), "seller_id": seller.seller_id})

    assert refused.status_code == 400 and refused.context["form"].errors["seller_id"]
    assert chosen.status_code == 302
    assert listing_get(listing_id=listing.listing_id).seller_id == seller.seller_id


def test_an_edit_without_the_version_it_read_changes_nothing(signed_in, listing_factory):
    listing = listing_factory()
    browser = signed_in("broker")
    data = _form_data(browser, listing)
    del data["expected_version"]

    response = browser.post(f"/broker/listings/{listing.listing_id}/", {**data, "title": "A silently lost edit"})

    assert response.status_code == 400
    assert "reload the listing" in response.content.decode()
    assert listing_get(listing_id=listing.listing_id).title == listing.title


def test_editing_a_closed_listing_says_why_without_suggesting_the_impossible(signed_in, listing_factory, people):
    listing = listing_factory(status="active")
    owner = people["broker"].actor
    closed = listing_act(actor=owner, listing_id=listing.listing_id, action=Action.CLOSE)
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/",
                            {**_form_data(browser, closed), "title": "A new title after the sale"}, follow=True)

    text = response.content.decode()
    assert "cannot be edited" in text and "withdraw it first" not in text
    assert listing_get(listing_id=listing.listing_id).title == listing.title


@pytest.mark.parametrize(("who", "page"), [("broker", "/broker/listings/{}/"), ("admin", "/admin/listings/{}/")])
def test_a_closed_listing_is_shown_read_only_with_why(signed_in, listing_factory, people, who, page):
    # Given a listing its broker sold
    listing = listing_factory(status="active")
    listing_act(actor=people["broker"].actor, listing_id=listing.listing_id, action=Action.CLOSE)
    # and, for comparison, one still on the market
    active = listing_factory(status="active", title="Terraced house still for sale")
    browser = signed_in(who)

    # When its broker or an admin opens it
    text = browser.get(page.format(listing.listing_id)).content.decode()
    open_text = browser.get(page.format(active.listing_id)).content.decode()

    # Then the page says it is read-only and why, its fields are disabled, and nothing offers a change
    assert 'id="read-only"' in text and "kept as it was sold or let" in text
    assert re.search(r'<fieldset class="read-only" disabled>', text)
    assert '<button type="submit">Save</button>' not in text
    assert 'id="upload-form"' not in text and 'name="operation"' not in text
    # and its map shows the pin without asking for a click or drag
    assert "The pin shows where the property is" in text and "Click or drag" not in text
    # while a listing on the market keeps its form; its map takes a click where its place may change (an
    # admin's page: on the broker's, a listed property changes only its price)
    assert 'id="read-only"' not in open_text and '<button type="submit">Save</button>' in open_text
    hint = "Click or drag on the map to place the pin" if who == "admin" else "The pin shows where the property is"
    assert hint in open_text
