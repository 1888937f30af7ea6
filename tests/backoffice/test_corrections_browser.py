"""Pages of rules that hold after the fact, in Chromium at 1440x900 and 390x844: a sold listing shown
read-only with why (to its broker and to an admin), and licence evidence replaced or deleted until an admin
decides; a listed property's form offers its price only, and no read-only field carries a "to submit"
mark. Each page passes ``Journey.check`` (screenshot in test-artifacts/backoffice/, nothing wider than
the window, axe-core, Nepali grouping, no console error)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.lifecycle import Action
from tests.backoffice.browsing import SIZES, Journey, listing_with_photos, sign_in_with_new_totp
from tests.backoffice.test_words_and_dates import _evidence
from tests.shared.lifecycle import listing_act

pytestmark = pytest.mark.xdist_group("browser")


def test_a_sold_listing_reads_as_kept_and_pending_evidence_offers_replace_and_delete(
        browser, live_backoffice, people, listing_factory, api):
    # Given a listing with its photos (served through the local gateway, `api`) its broker sold, and a licence
    # evidence file no admin has decided on
    listing = listing_with_photos(listing_factory, people, title="Garden villa in Budhanilkantha", status="active",
                                  seeds=(7, 8))
    listing_act(actor=people["broker"].actor, listing_id=listing.listing_id, action=Action.CLOSE)
    agency_id = _evidence(people)
    listed = listing_factory(title="Courtyard villa in Bhaisepati", status="active")

    # When its broker opens them at both sizes
    broker = Journey(browser.new_context(), live_backoffice, "corrections-broker")
    sign_in_with_new_totp(broker.page, live_backoffice, people["broker"])
    for width, height in SIZES:
        broker.size(width, height)
        broker.open(f"/broker/listings/{listing.listing_id}/", "sold-listing")
        # Then the listing says why it is read-only, its fields are disabled and nothing offers a change
        expect(broker.page.locator("#read-only")).to_contain_text("kept as it was sold or let")
        expect(broker.page.locator("#listing-form input[name=title]")).to_be_disabled()
        expect(broker.page.locator("#upload-form, .media-actions, #listing-form button[type=submit]")).to_have_count(0)
        # and no field carries a mark nobody can act on
        expect(broker.page.locator("#listing-form .badge, #listing-form .required-mark")).to_have_count(0)
        # and a listed property offers its price only, unmarked (it has been submitted already)
        broker.open(f"/broker/listings/{listed.listing_id}/", "listed-listing")
        expect(broker.page.locator("#listing-form input[name=title]")).to_be_disabled()
        expect(broker.page.locator("#listing-form input[name=price]")).to_be_enabled()
        expect(broker.page.locator("#listing-form .badge", has_text="to submit")).to_have_count(0)
        # and the evidence file waiting for a decision offers replace and delete
        broker.open("/broker/agency/", "agency-evidence")
        expect(broker.page.locator(".evidence li", has_text="awaiting a decision")).to_have_count(1)
        expect(broker.page.locator(".evidence button", has_text="Delete")).to_be_visible()

    # and an admin opens the sold listing
    admin = Journey(browser.new_context(), live_backoffice, "corrections-admin")
    sign_in_with_new_totp(admin.page, live_backoffice, people["admin"])
    for width, height in SIZES:
        admin.size(width, height)
        admin.open(f"/admin/listings/{listing.listing_id}/", "sold-listing")
        expect(admin.page.locator("#read-only")).to_contain_text("kept as it was sold or let")
        expect(admin.page.locator("form.listing-sections input[name=title]")).to_be_disabled()
        expect(admin.page.locator("form.listing-sections .badge, form.listing-sections .required-mark")).to_have_count(0)
        admin.open(f"/admin/agencies/{agency_id}/", "agency-evidence")
        expect(admin.page.locator(".evidence button", has_text="Replace")).to_be_visible()

    for person in (broker, admin):
        person.page.context.close()
