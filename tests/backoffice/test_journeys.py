"""An admin's, a broker's and a seller's day in Chromium at 1440x900 and 390x844, against the back office
over HTTP, the emulator and the local media edge. Every page visited is checked (``Journey.check``):
screenshot in test-artifacts/backoffice/, no page wider than the window, no serious or critical axe-core
finding, numbers in Nepali grouping only, no console error; photos decode in the queue, on the review
page and in the inventory. One browser; one context per person, resized between the two widths."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from marketplace import db
from marketplace.entitlements import Entitlements
from marketplace.ids import new_id
from marketplace.models import PaymentOrder
from marketplace.selectors.agencies import licence_of_broker
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_for_listing
from marketplace.services import agencies, documents
from marketplace.services.engagement import inquiry_create
from marketplace.services.people import seller_create
from marketplace.services.viewings import viewing_confirm, viewing_request
from tests.backoffice.browsing import (
    SIZES,
    Journey,
    assert_images_load,
    listing_with_photos,
    sign_in_with_new_totp,
    sign_in_with_password,
)
from tests.shared.lifecycle import listing_act

pytestmark = pytest.mark.xdist_group("browser")


def test_an_admin_moderates_and_looks_around_at_both_sizes(context, live_backoffice, people, listing_factory, api):
    first = listing_with_photos(listing_factory, people, title="Garden villa in Budhanilkantha")
    second = listing_with_photos(listing_factory, people, title="Courtyard house in Sanepa", seeds=(3, 4))
    db.save(PaymentOrder(order_id=new_id(), user_id=people["buyer"].user_id, email=people["buyer"].email,
                         plan="premium-year", tier="premium", days=365, amount=25_000, provider="khalti",
                         state="completed", provider_txn="GFq9PFS7b2iYvL8Lir9oXe"))
    agency_id = licence_of_broker(broker_id=people["broker"].user_id).agency_id
    journey = Journey(context, live_backoffice, "admin")
    sign_in_with_new_totp(journey.page, live_backoffice, people["admin"])

    for width, height in SIZES:
        journey.size(width, height)
        journey.open("/admin/", "dashboard")
        journey.open("/admin/moderation/", "queue")
        assert_images_load(journey.page, "img.cover-thumb", 2 if width == SIZES[0][0] else 1)
        reviewed = second if width == SIZES[0][0] else first  # the second is approved at the first width
        journey.open(f"/admin/moderation/{reviewed.listing_id}/", "review")
        assert_images_load(journey.page, "#content img.thumb", 2)
        journey.open("/admin/listings/?status=pending_review", "listings")
        journey.open("/admin/listings/?status=any&q=villa", "listings-any")
        journey.open(f"/admin/listings/{first.listing_id}/", "listing")
        journey.open("/admin/people/", "people")
        journey.open(f"/admin/people/{people['admin'].user_id}/", "person")
        journey.open("/admin/brokers/", "brokers")
        journey.open("/admin/brokers/?verified=no&order=-name&q=broker", "brokers-filtered")
        journey.open("/admin/agencies/", "agencies")
        journey.open("/admin/orders/", "orders")
        journey.open(f"/admin/agencies/{agency_id}/", "agency")
        journey.open("/admin/reports/?days=30", "reports")
        journey.open("/admin/no-such-page/", "not-found", status=404)

        if width == SIZES[0][0]:
            # The lightbox from the keyboard: focus a thumbnail, Enter opens it large, Escape closes it
            journey.page.goto(f"{live_backoffice}/admin/moderation/{second.listing_id}/")
            journey.page.locator("button.zoom").first.focus()
            journey.page.keyboard.press("Enter")
            dialog = journey.page.locator(".lightbox")
            expect(dialog).to_be_visible()
            journey.page.wait_for_function("() => document.querySelector('.lightbox img').naturalWidth > 0")
            assert journey.page.evaluate("() => document.querySelector('.lightbox img').naturalWidth") > 400
            journey.check("lightbox")
            journey.page.keyboard.press("ArrowRight")
            expect(dialog.locator(".position")).to_have_text("2 of 2")
            journey.page.keyboard.press("Escape")
            expect(dialog).to_be_hidden()
            # A decision opens the next listing waiting
            journey.page.click("button[value=approve]")
            expect(journey.page.locator("h1")).to_have_text(first.title)
            journey.check("next-in-queue")

    assert listing_get(listing_id=second.listing_id).status == "active"


def test_a_broker_works_on_listings_and_leads_at_both_sizes(context, live_backoffice, people, listing_factory, api,
                                                             tmp_path):
    listed = listing_with_photos(listing_factory, people, title="Terraced villa in Bhaisepati", status="active")
    draft = listing_with_photos(listing_factory, people, title="Hillside bungalow in Chobhar", status="draft", seeds=(5, 6, 7))
    inquiry_create(actor=people["buyer"].actor, listing_id=listed.listing_id, entitlements=Entitlements(),
                   idempotency_key="journey-inquiry-1", name="Sita Sharma", phone="+977 9841000000",
                   message="Is the price negotiable?")
    documents.document_access_request(actor=people["buyer"].actor, listing_id=listed.listing_id,
                                      entitlements=Entitlements(tier="premium", active=True))
    agencies.broker_agency_set(actor=people["admin"].actor, broker_id=people["broker"].user_id, principal=True,
                               agency_id=licence_of_broker(broker_id=people["broker"].user_id).agency_id)
    # a viewing the broker confirmed, and a listing they sold (read-only)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    asked = viewing_request(actor=people["buyer"].actor, listing_id=listed.listing_id, entitlements=Entitlements(),
                            slots=[start, start + timedelta(hours=3)], name="Sita Sharma")
    viewing_confirm(actor=people["broker"].actor, listing_id=listed.listing_id, viewing_id=asked.viewing_id,
                    start=start, expected_version=asked.version)
    sold = listing_with_photos(listing_factory, people, title="Courtyard house in Patan", status="active", seeds=(8, 9))
    listing_act(actor=people["broker"].actor, listing_id=sold.listing_id, action="close")
    journey = Journey(context, live_backoffice, "broker")
    sign_in_with_new_totp(journey.page, live_backoffice, people["broker"])

    for width, height in SIZES:
        journey.size(width, height)
        journey.open("/broker/", "inventory")
        expect(journey.page.locator("#unverified-banner")).to_contain_text("not verified yet")
        assert_images_load(journey.page, "img.cover-thumb", 3)  # the sold one too
        journey.open(f"/broker/listings/{draft.listing_id}/", "edit")
        assert_images_load(journey.page, "#media-list img.thumb", 3)
        journey.open("/broker/listings/new/", "new")
        # The map pins the property: a click inside the valley fills latitude and longitude
        journey.page.locator("#valley-map svg").click(position={"x": 150, "y": 150})
        latitude = float(journey.page.input_value("#id_latitude"))
        longitude = float(journey.page.input_value("#id_longitude"))
        assert 27.55 <= latitude <= 27.85 and 85.15 <= longitude <= 85.55
        journey.open("/broker/leads/?state=any", "leads")
        journey.open("/broker/analytics/", "analytics")
        journey.open("/broker/documents/", "document-requests")
        journey.open("/broker/agency/", "agency")
        journey.open("/broker/viewings/", "viewings")
        expect(journey.page.locator("td ul .badge.ok")).to_have_text("Confirmed")
        journey.open(f"/broker/listings/{sold.listing_id}/", "sold")
        # a sold listing's map shows its pin and takes no click
        pinned = journey.page.input_value("#id_latitude")
        journey.page.locator("#valley-map svg").click(position={"x": 150, "y": 150})
        assert journey.page.input_value("#id_latitude") == pinned
        expect(journey.page.locator("#valley-map-help")).to_have_text("The pin shows where the property is.")

    # Photos on the first screen: the upload saves the draft from the typed form, then continues on it
    photo = tmp_path / "terrace.jpg"
    Image.new("RGB", (1200, 800), (120, 150, 90)).save(photo, "JPEG")
    journey.page.goto(f"{live_backoffice}/broker/listings/new/")
    journey.page.fill("#id_title", "Penthouse with a roof terrace in Lazimpat")
    journey.page.select_option("#id_property_type", "apartment")
    journey.page.select_option("#id_neighborhood", "lazimpat")
    journey.page.set_input_files("#media-files", str(photo))
    with journey.page.expect_navigation(url=re.compile(r"/broker/listings/[0-9a-z]{26}/$")):
        journey.page.click("#upload-form button[type=submit]")
    expect(journey.page.locator("#id_title")).to_have_value("Penthouse with a roof terrace in Lazimpat")
    expect(journey.page.locator("#media-list li.media")).to_have_count(1)
    journey.check("first-upload")

    # Drag the last photo before the first: the order is saved
    before = [m.media_id for m in media_for_listing(listing_id=draft.listing_id, consistent=True)]
    journey.size(*SIZES[0])
    journey.page.goto(f"{live_backoffice}/broker/listings/{draft.listing_id}/")
    cards = journey.page.locator("#media-list li.media")
    with journey.page.expect_navigation():  # dropped on the first card's left half: before it
        cards.nth(2).locator(".kind").drag_to(cards.nth(0), target_position={"x": 5, "y": 5})
    expect(journey.page.locator(".messages")).to_contain_text("Order saved")
    after = [m.media_id for m in media_for_listing(listing_id=draft.listing_id, consistent=True)]
    assert after == [before[2], before[0], before[1]]
    journey.check("after-drag")


def test_a_seller_sees_their_properties_at_both_sizes(context, live_backoffice, people, listing_factory, api):
    seller = seller_create(actor=people["broker"].actor, name="Kiran Joshi", seller_id=people["seller"].user_id)
    listing_with_photos(listing_factory, people, title="Family house in Jhamsikhel", status="active",
                 seller_id=seller.seller_id, seeds=(8, 9))
    journey = Journey(context, live_backoffice, "seller")
    for width, height in SIZES:
        journey.size(width, height)
        journey.open("/login/", "sign-in")
    sign_in_with_password(journey.page, people["seller"])

    for width, height in SIZES:
        journey.size(width, height)
        journey.open("/seller/", "home")
        expect(journey.page.locator("body")).to_contain_text("Family house in Jhamsikhel")
        journey.open("/admin/", "not-allowed", status=403)
        expect(journey.page.locator("a", has_text="Back to the start")).to_be_visible()
