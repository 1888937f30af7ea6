"""The pages of records (orders, documents, document requests, viewings, licence evidence, media waiting
for review or refused) in Chromium at 1440x900 and 390x844, as the admin, the broker and the seller see them
with every kind of state on them: each page passes ``Journey.check`` (screenshot in
test-artifacts/backoffice/, nothing wider than the window, axe-core, Nepali grouping, no console error)
and shows its states as worded badges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from local import demo_photos
from marketplace import db
from marketplace.entitlements import Entitlements
from marketplace.ids import new_id
from marketplace.models import PaymentOrder
from marketplace.services import documents
from marketplace.services import people as people_services
from marketplace.services.people import seller_create
from marketplace.services.viewings import viewing_decline, viewing_request
from tests.backoffice.browsing import (
    SIZES,
    Journey,
    assert_images_load,
    listing_with_photos,
    sign_in_with_new_totp,
    sign_in_with_password,
)
from tests.backoffice.test_words_and_dates import PDF, _document, _evidence
from tests.media_pipeline.helpers import Uploads

pytestmark = pytest.mark.xdist_group("browser")


def test_the_pages_of_records_read_in_words_at_both_sizes(browser, live_backoffice, people, listing_factory, api):
    # Given two listed properties and a draft with the demo's media states (two photos waiting for review,
    # a photo too small and a PDF sent as a photo), documents, a buyer's request, viewings and orders
    buyer, broker = people["buyer"], people["broker"].actor
    seller_create(actor=broker, name="Kiran Joshi", seller_id=people["seller"].user_id)
    first = listing_with_photos(listing_factory, people, title="Garden villa in Budhanilkantha", status="active",
                    seller_id=people["seller"].user_id)
    second = listing_with_photos(listing_factory, people, title="Courtyard house in Sanepa", status="active",
                                 seeds=(3, 4))
    draft = listing_factory(title="Hillside bungalow in Chobhar")
    demo_photos.media_states(broker=broker, active=[first.listing_id, second.listing_id, second.listing_id],
                             drafts=[draft.listing_id])
    Uploads(first).process_pending()
    _document(people, first.listing_id, PDF, "lalpurja.pdf")
    _document(people, first.listing_id, b"MZ not a pdf", "naksa.pdf")
    documents.document_access_request(actor=buyer.actor, listing_id=first.listing_id,
                                      entitlements=Entitlements(tier="premium", active=True))
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    viewing_request(actor=buyer.actor, listing_id=first.listing_id, entitlements=Entitlements(),
                    slots=[start, start + timedelta(hours=3)], name="Sita Rai", phone="+9779801234567")
    declined = viewing_request(actor=buyer.actor, listing_id=second.listing_id, entitlements=Entitlements(),
                               slots=[start + timedelta(hours=1)], name="Sita Rai")
    viewing_decline(actor=broker, listing_id=second.listing_id, viewing_id=declined.viewing_id,
                    reason="The owners are away that week", expected_version=declined.version)
    people_services.user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=list(buyer.groups))
    for state, provider in (("completed", "esewa"), ("failed", "khalti"), ("pending", "esewa")):
        db.save(PaymentOrder(order_id=new_id(), user_id=buyer.user_id, email=buyer.email, plan="premium-year",
                             tier="premium", days=365, amount=25_000, provider=provider, state=state,
                             failure="cancelled by the buyer" if state == "failed" else None))
    agency_id = _evidence(people)
    papers = f"/listings/{first.listing_id}/documents/"

    # When the admin looks at them at both sizes
    admin = Journey(browser.new_context(), live_backoffice, "words-admin")
    sign_in_with_new_totp(admin.page, live_backoffice, people["admin"])
    for width, height in SIZES:
        admin.size(width, height)
        admin.open("/admin/", "dashboard")
        expect(admin.page.locator("body")).to_contain_text("needs at least 1024 pixels")
        admin.open("/admin/moderation/", "queue")
        expect(admin.page.locator("#media-review li.media")).to_have_count(2)
        admin.open("/admin/orders/", "orders")
        expect(admin.page.locator(".badge", has_text="Awaiting payment")).to_be_visible()
        admin.open(f"/admin/people/{buyer.user_id}/", "buyer")
        expect(admin.page.locator("#payments .badge.ok")).to_have_text("Paid")
        admin.open(papers, "documents")
        expect(admin.page.locator(".badge.bad", has_text="Rejected")).to_be_visible()
        admin.open(f"/admin/agencies/{agency_id}/", "agency")
        admin.open(f"/admin/listings/{second.listing_id}/", "listing-media")

    # and the broker
    journey = Journey(browser.new_context(), live_backoffice, "words-broker")
    sign_in_with_new_totp(journey.page, live_backoffice, people["broker"])
    for width, height in SIZES:
        journey.size(width, height)
        journey.open("/broker/viewings/", "viewings")
        expect(journey.page.locator(".badge", has_text="Waiting for an answer")).to_be_visible()
        expect(journey.page.locator(".badge.bad", has_text="Declined")).to_be_visible()
        journey.open("/broker/documents/", "document-requests")
        journey.open(papers, "documents")
        expect(journey.page.locator("select[name=content_type] option").first).to_have_text("PDF")
        # choosing "JPEG photo" leads to the upload page, which names the type in words too
        journey.page.select_option("select[name=content_type]", label="JPEG photo")
        journey.page.click("text=Add a document")
        expect(journey.page.locator("main p").first).to_contain_text("A JPEG photo file of at most 15 MB, within 10 minutes.")
        journey.check("document-upload")
        journey.open(f"/broker/listings/{draft.listing_id}/", "draft-failed-media")
        expect(journey.page.locator("#media-list .state")).to_have_text("Failed")
        journey.open(f"/broker/listings/{first.listing_id}/", "listed-media-in-review")
        # the photo waiting for review shows as its broker sent it, as the page's polling shows it
        assert_images_load(journey.page, "#media-list img.thumb", 3)
        journey.open("/broker/agency/", "agency")

    # and the seller
    seller = Journey(browser.new_context(), live_backoffice, "words-seller")
    seller.page.goto(f"{live_backoffice}/login/")
    sign_in_with_password(seller.page, people["seller"])
    for width, height in SIZES:
        seller.size(width, height)
        seller.open("/seller/", "home")
        expect(seller.page.locator(".badge", has_text="Active")).to_be_visible()
        seller.open(papers, "documents")

    for person in (admin, journey, seller):
        person.page.context.close()
