"""A broker's public profile (name, company, verified) is read from the broker's profile wherever a listing
is shown, so a verification shows at once: in the public API over HTTP and in the back office."""

from __future__ import annotations

import csv
import io
import re

import requests

from marketplace.models import BrokerProfile
from marketplace.services import people as people_services


def _broker_cell(page: bytes, listing_id: str) -> str:
    row = re.search(rf'<tr data-listing="{listing_id}">(.*?)</tr>', page.decode(), re.DOTALL)
    assert row, f"no row for {listing_id}"
    return row.group(1)


def test_verifying_a_broker_shows_on_their_existing_listings_in_the_api_and_the_back_office(
        api, signed_in, people, listing_factory):
    # Given a published and a pending listing of a broker not yet verified
    published = listing_factory(status="active")
    pending = listing_factory(status="pending_review", title="Second house of the broker")
    detail_url = f"{api}/v1/listings/{published.listing_id}"
    before = requests.get(detail_url, timeout=30).json()["broker"]
    admin = signed_in("admin")

    # When an admin verifies the broker in the back office
    admin.post("/admin/brokers/", {"broker_id": people["broker"].user_id, "verified": "on",
                                   "expected_version": BrokerProfile.get_or_not_found(people["broker"].user_id).version})

    # Then the API and the back office's pages say so for the listings made before
    after = requests.get(detail_url, timeout=30).json()["broker"]
    queue = admin.get("/admin/moderation/")
    export = admin.get("/admin/listings/", {"format": "csv"})
    assert before["verified"] is False
    agency = after.pop("agency")
    assert after == {"broker_id": people["broker"].user_id, "name": "Broker", "company": "Himal Realty",
                     "verified": True}
    assert (agency["name"], agency["licence_status"]) == ("Himal Realty Pvt Ltd", "valid")
    assert "verified" in _broker_cell(queue.content, pending.listing_id)
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    # The CSV names the listing's broker and agency in RESO Member/Office terms
    assert [(r["ListingKey"], r["ListAgentKey"], r["ListAgentFullName"], r["ListAgentStateLicense"])
            for r in rows] == [(published.listing_id, people["broker"].user_id, "Broker", "KTM-BRO-1")]
    assert [(r["ListOfficeKey"], r["ListOfficeName"], r["X_ListOfficeLicenseStatus"]) for r in rows] == [
        (agency["agency_id"], "Himal Realty Pvt Ltd", "valid")]


def test_unverifying_a_broker_takes_the_mark_off_at_once(api, signed_in, people, listing_factory):
    # Given a published listing made while its broker was verified
    people_services.broker_verify(actor=people["admin"].actor, broker_id=people["broker"].user_id, verified=True,
                                  expected_version=BrokerProfile.get_or_not_found(people["broker"].user_id).version)
    published = listing_factory(status="active")
    admin = signed_in("admin")

    # When an admin takes the verification back
    admin.post("/admin/brokers/", {"broker_id": people["broker"].user_id,
                                   "expected_version": BrokerProfile.get_or_not_found(people["broker"].user_id).version})

    # Then buyers no longer see the mark
    broker = requests.get(f"{api}/v1/listings/{published.listing_id}", timeout=30).json()["broker"]
    assert broker["verified"] is False
