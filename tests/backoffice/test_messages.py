"""Messages in plain words: each problem once, next to its input when the page has one, led by the field's
label (never its attribute name), and successes that say what was done to what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.selectors.listings import listing_get
from tests.shared.listings import add_photos
from tests.shared.pages import page_messages, visible_text


def test_submitting_without_photos_is_refused_saying_what_is_missing(signed_in, listing_factory):
    listing = listing_factory()  # complete, but no photo uploaded
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/action/",
                            {"action": "submit", "expected_version": listing.version}, follow=True)

    assert page_messages(response) == ["Photos: at least 2 photos are required to submit (0 so far)"]
    assert listing_get(listing_id=listing.listing_id).status == "draft"


def test_an_incomplete_submission_lists_each_missing_field_once_by_its_label(signed_in, listing_factory, people):
    listing = listing_factory(description="", land_area_sqft="")
    add_photos(people["broker"].actor, listing.listing_id)
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/action/",
                            {"action": "submit", "expected_version": listing.version}, follow=True)

    assert page_messages(response) == ["Description is required to submit", "Land area is required to submit"]
    assert "land_area_sqft" not in visible_text(response.content)


def test_a_successful_submission_names_the_listing(signed_in, listing_factory, people):
    listing = listing_factory(title="Villa with a garden in Sanepa")
    add_photos(people["broker"].actor, listing.listing_id)
    browser = signed_in("broker")

    response = browser.post(f"/broker/listings/{listing.listing_id}/action/",
                            {"action": "submit", "expected_version": listing.version}, follow=True)

    assert page_messages(response) == ["Submitted for review: Villa with a garden in Sanepa"]


def test_a_bad_edit_shows_its_error_once_next_to_the_input_and_says_so_at_the_top(signed_in, listing_factory):
    listing = listing_factory(status="active")
    browser = signed_in("admin")
    initial = browser.get(f"/admin/listings/{listing.listing_id}/").context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, False)}

    response = browser.post(f"/admin/listings/{listing.listing_id}/",
                            {**data, "land_area": "lots", "expected_version": listing.version})

    text = visible_text(response.content)
    assert page_messages(response) == ["Not done: 1 field to correct, marked below."]
    assert list(response.context["form"].errors) == ["land_area"]
    assert text.count("cannot read 'lots' as an area") == 1
    assert "land_area_sqft" not in text


def test_an_edit_says_what_it_saved_in_words(signed_in, listing_factory):
    listing = listing_factory(status="active", title="Bungalow in Bhaisepati")
    browser = signed_in("admin")
    initial = browser.get(f"/admin/listings/{listing.listing_id}/").context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, False)}

    response = browser.post(f"/admin/listings/{listing.listing_id}/",
                            {**data, "price": "4 crore 50 lakh", "bedrooms": "5",
                             "expected_version": listing.version}, follow=True)

    assert page_messages(response) == ["Saved Bungalow in Bhaisepati: bedrooms."]  # 4 crore 50 lakh is its price


def test_coming_soon_without_a_public_date_says_so_next_to_the_date(signed_in, listing_factory):
    listing = listing_factory(status="pending_review")
    browser = signed_in("admin")

    response = browser.post(f"/admin/moderation/{listing.listing_id}/",
                            {"action": "approve_coming_soon", "expected_version": listing.version})

    assert response.context["form"].errors["public_at"] == ["a coming-soon listing needs a public date in the future"]
    assert "public_at" not in visible_text(response.content)


def test_a_decision_names_the_listing_and_a_bulk_one_counts_in_words(signed_in, listing_factory):
    one, two = listing_factory(status="pending_review", title="House in Baluwatar"), \
        listing_factory(status="pending_review")
    browser = signed_in("admin")
    public_at = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    single = browser.post(f"/admin/moderation/{one.listing_id}/", {
        "action": "approve_coming_soon", "expected_version": one.version, "public_at": public_at}, follow=True)
    bulk = browser.post("/admin/moderation/", {"listing_ids": [two.listing_id, one.listing_id], "action": "reject",
                                               "reason": "Photos of another property",
                                               f"version-{two.listing_id}": two.version,
                                               f"version-{one.listing_id}": one.version}, follow=True)

    assert page_messages(single)[0] == "Approved as coming soon: House in Baluwatar"  # then the next in the queue
    messages = page_messages(bulk)
    assert messages[0] == "Rejected: 1 of 2 listings"
    assert messages[1].startswith("House in Baluwatar: ")  # refused by title, not by id
