"""The pages for what buyers are sent, in Chromium at 1440x900 and 390x844 (``Journey.check`` on each:
screenshot in test-artifacts/backoffice/, no page wider than the window, no serious axe-core finding, no
console error): an admin lifts an e-mail suppression and turns a buyer's saved search off; a broker
declines a viewing request with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from marketplace.alerts.searches import saved_search_create
from marketplace.delivery import feedback
from marketplace.delivery.email import is_suppressed
from marketplace.entitlements import Entitlements
from marketplace.models import SavedSearch, ViewingRequest
from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import ListingFilters
from marketplace.services import people as people_services
from marketplace.services.viewings import viewing_request
from tests.backoffice.browsing import SIZES, Journey, sign_in_with_new_totp
from tests.shared.mail import bounce, complaint

pytestmark = pytest.mark.xdist_group("browser")



def test_an_admin_lifts_a_suppression_and_turns_a_saved_search_off_at_both_sizes(context, live_backoffice, people):
    for notification in (bounce("gone@example.np"), complaint("angry@example.np"), bounce("typo@gmial.com")):
        feedback.handle_message(json.dumps(notification))
    buyer = people["buyer"]
    people_services.user_profile_sync(user_id=buyer.user_id, email=buyer.email, groups=["buyers"], name="Sita Rai")
    searches = [saved_search_create(actor=buyer.actor, name=name, query={"neighborhood": [place], "max_price": 50_000_000},
                                    request=IndexSearch(filters=ListingFilters(neighborhoods=(place,), max_price=50_000_000)),
                                    frequency="daily") for name, place in (("Sanepa under 5 crore", "sanepa"),
                                                                           ("Bhaisepati under 5 crore", "bhaisepati"))]
    journey = Journey(context, live_backoffice, "admin-alerts")
    sign_in_with_new_totp(journey.page, live_backoffice, people["admin"])
    page = journey.page

    for (width, height), (address, search) in zip(SIZES, (("gone@example.np", searches[0]),
                                                          ("typo@gmial.com", searches[1])), strict=True):
        journey.size(width, height)
        journey.open("/admin/email-suppressions/", "suppressions")
        journey.open("/admin/email-suppressions/?reason=bounce", "suppressions-bounces")
        row = page.locator("table.suppressions tr", has_text=address)
        row.locator("input[name=note]").fill("Mailbox fixed, confirmed by phone")
        row.get_by_role("button", name="Lift").click()
        expect(page.locator(".messages")).to_contain_text(f"Suppression of {address} lifted")
        journey.check("suppression-lifted")
        assert not is_suppressed(address)

        journey.open(f"/admin/people/{buyer.user_id}/saved-searches/", "saved-searches")
        row = page.locator("table.saved-searches tr", has_text=search.name)
        row.locator("input[name=note]").fill("Asked by phone")
        row.get_by_role("button", name="Turn off").click()
        expect(page.locator(".messages")).to_contain_text("Saved search turned off")
        journey.check("saved-search-off")
        assert SavedSearch.get_or_not_found(buyer.user_id, search.search_id, consistent=True).frequency == "off"
    assert is_suppressed("angry@example.np")


def test_a_broker_declines_a_viewing_request_at_both_sizes(context, live_backoffice, people, listing_factory):
    listing = listing_factory(status="active", title="Courtyard house in Sanepa")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    asked = [viewing_request(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(),
                             slots=[start, start + timedelta(hours=3)], name=name, email=f"{name.split()[0]}@example.np",
                             phone="+9779801234567", message="Weekend mornings suit me")
             for name, buyer in (("Sita Rai", people["buyer"].actor), ("Ram Thapa", people["seller"].actor))]
    journey = Journey(context, live_backoffice, "broker-viewings")
    sign_in_with_new_totp(journey.page, live_backoffice, people["broker"])
    page = journey.page

    for (width, height), viewing in zip(SIZES, asked, strict=True):
        journey.size(width, height)
        journey.open("/broker/viewings/", "viewings")
        row = page.locator("tr", has_text=viewing.buyer_name)
        row.locator("textarea[name=reason]").fill("The owners are abroad until January")
        row.get_by_role("button", name="Decline").click()
        expect(page.locator(".messages")).to_contain_text("Viewing request declined")
        journey.check("viewing-declined")
        stored = ViewingRequest.get_or_not_found(listing.listing_id, viewing.viewing_id, consistent=True)
        assert (stored.state, stored.reason) == ("declined", "The owners are abroad until January")
