"""Licensed agencies in the back office: admins record, verify and staff agencies; an expired licence
holds a listing above the threshold at the moderation review; brokers see their agency's licence."""

from __future__ import annotations

import html

from marketplace.licensing import LicenceStatus
from marketplace.models import AuditEntry
from marketplace.selectors.agencies import licence_of_broker
from marketplace.selectors.listings import listing_get
from tests.shared.agencies import valid_until


def _record_agency(browser, *, expires_in_days: int) -> str:
    response = browser.post("/admin/agencies/", {
        "name": "Lapsed Realty Pvt Ltd", "licence_number": "DLM-2078-0099", "licence_class": "company",
        "licence_expires_on": valid_until(expires_in_days).isoformat(), "evidence": "certificate 2078-0099"})
    assert response.status_code == 302, response.content[:500]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_an_expired_licence_blocks_an_approval_above_the_threshold(signed_in, listing_factory, people):
    # Given an admin who records an agency whose licence ended yesterday, verifies it and places the broker in it
    admin = signed_in("admin")
    agency_id = _record_agency(admin, expires_in_days=-1)
    page = admin.get(f"/admin/agencies/{agency_id}/")
    admin.post(f"/admin/agencies/{agency_id}/", {"form": "verify", "decision": "verified", "note": "DLM list entry 99",
                                                 "expected_version": page.context["agency"].version})
    admin.post(f"/admin/agencies/{agency_id}/", {"form": "member", "broker_id": people["broker"].user_id})
    assert licence_of_broker(broker_id=people["broker"].user_id).status == LicenceStatus.EXPIRED
    # and the broker's villa above Rs 3 crore in Sanepa (Lalitpur Metropolitan City) waiting for review
    listing = listing_factory(status="pending_review", neighborhood="sanepa", price="5 crore")

    # When the admin opens the review page (which shows the agency's licence) and approves
    review = admin.get(f"/admin/moderation/{listing.listing_id}/")
    assert "Lapsed Realty Pvt Ltd" in review.content.decode() and "licence expired" in review.content.decode()
    response = admin.post(f"/admin/moderation/{listing.listing_id}/",
                          {"action": "approve", "expected_version": listing.version}, follow=True)

    # Then it is refused with the reason, and the listing still waits
    text = html.unescape(response.content.decode())
    assert "Lapsed Realty Pvt Ltd's licence expired" in text and "Land Revenue Regulations" in text
    assert listing_get(listing_id=listing.listing_id).status == "pending_review"
    # while a listing below the threshold is approved as before
    modest = listing_factory(status="pending_review", neighborhood="sanepa", price="2.5 crore")
    admin.post(f"/admin/moderation/{modest.listing_id}/", {"action": "approve", "expected_version": modest.version})
    assert listing_get(listing_id=modest.listing_id).status == "active"


def test_admins_list_agencies_by_expiry_and_verification_is_audited(signed_in, people):
    admin = signed_in("admin")
    agency_id = _record_agency(admin, expires_in_days=10)
    listed = admin.get("/admin/agencies/")
    rows = listed.context["rows"]
    assert rows[0][0].agency_id == agency_id  # the soonest expiry first
    assert rows[0][1].status == LicenceStatus.UNVERIFIED

    version = admin.get(f"/admin/agencies/{agency_id}/").context["agency"].version
    admin.post(f"/admin/agencies/{agency_id}/", {"form": "verify", "decision": "verified", "note": "DLM list entry 99",
                                                 "expected_version": version})

    page = admin.get(f"/admin/agencies/{agency_id}/")
    assert page.context["licence"].status == LicenceStatus.EXPIRING
    entry = next(e for e in AuditEntry.history("agency", agency_id) if e.action == "licence_verified")
    assert entry.actor_id == people["admin"].user_id and entry.reason == "DLM list entry 99"


def test_bad_agency_input_names_the_field_and_brokers_cannot_open_the_admin_pages(signed_in):
    admin = signed_in("admin")
    response = admin.post("/admin/agencies/", {"name": "X", "licence_number": "!", "licence_class": "company",
                                               "licence_expires_on": "2030-01-01", "evidence": "cert"})
    assert response.status_code == 400
    assert "licence_number" in response.context["form"].errors
    assert signed_in("broker").get("/admin/agencies/").status_code == 403


def test_a_broker_sees_their_agency_and_its_licence(signed_in):
    page = signed_in("broker").get("/broker/agency/")
    assert page.status_code == 200
    assert page.context["licence"].status == LicenceStatus.VALID
    assert "Himal Realty" in page.content.decode()
