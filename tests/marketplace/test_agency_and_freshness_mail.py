"""The e-mails of licensed agencies and listings that stay true, as SES sent them on the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.lifecycle import Status
from marketplace.services import agencies, freshness
from marketplace.services.people import broker_profile_create
from tests.marketplace.test_delivery import _notify_all
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to

ADDRESS = "bikash@example.np"


def _broker_with_email(broker, admin):
    broker_profile_create(actor=admin, broker_id=broker.user_id, name="Bikash Thapa", email=ADDRESS,
                          licence_number="DLM-4242", company="Thapa Realty")


def test_the_principal_broker_is_emailed_a_month_before_the_licence_ends(platform, broker, admin, system):
    # Given an agency whose licence ends in 20 days, its principal broker with an e-mail address
    _broker_with_email(broker, admin)
    agency = licensed_agency(broker, name="Thapa Realty Pvt Ltd", expires_on=valid_until(20))
    agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=agency.agency_id, principal=True)

    # When the clock's warning goes out (and a second sweep runs)
    agencies.agency_expiry_warnings(actor=system)
    agencies.agency_expiry_warnings(actor=system)
    _notify_all()

    # Then one e-mail names the agency, the date and links to the broker's agency page
    [sent] = mail_to(ADDRESS)
    assert "Thapa Realty Pvt Ltd" in sent.subject and agency.licence_expires_on in sent.subject
    assert "/broker/agency/" in sent.text


def test_a_broker_is_emailed_to_reconfirm_an_ageing_listing(platform, broker, admin):
    _broker_with_email(broker, admin)
    listing = make_listing(broker, status=Status.ACTIVE, title="Garden house in Budhanilkantha")

    freshness.sweep(at=datetime.now(UTC) + timedelta(days=31))
    _notify_all()

    [sent] = [m for m in mail_to(ADDRESS) if "still available" in m.subject]  # besides its approval's
    assert sent.subject == "Is “Garden house in Budhanilkantha” still available?"
    assert "leaves search" in sent.text and listing.listing_id in sent.text
