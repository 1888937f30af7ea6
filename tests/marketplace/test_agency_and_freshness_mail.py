"""The e-mails of licensed agencies and listings that stay true, as SES sent them on the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace import formatting
from marketplace.actors import Actor, Group
from marketplace.lifecycle import Action, Status
from marketplace.selectors.listings import listing_get
from marketplace.services import agencies, freshness
from marketplace.services.listings import listing_publish_due, listing_transition
from marketplace.services.people import broker_profile_create
from tests.marketplace.test_delivery import _notify_all
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to
from tests.shared.people import sign_up

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
    # the last day in words ("15 Dec 2026"), never the stored ISO date
    assert "Thapa Realty Pvt Ltd" in sent.subject and formatting.day(agency.expires_on) in sent.subject
    assert agency.licence_expires_on not in sent.subject + sent.text
    assert "/broker/agency/" in sent.text


def test_every_broker_of_the_agency_and_every_admin_hear_the_licence_is_ending(platform, broker, other_broker,
                                                                               admin, system):
    # Given an agency whose licence ends in 20 days, with its principal broker and another broker, an admin
    # in the user pool, and a broker of another agency
    moderator = sign_up("licences@example.np", (Group.ADMINS,))
    _broker_with_email(broker, admin)
    broker_profile_create(actor=admin, broker_id=other_broker.user_id, name="Sita Rai", email="sita@example.np",
                          licence_number="DLM-4343", company="Thapa Realty")
    outsider = Actor(user_id="broker-outside", email="ram@example.np", groups=frozenset({Group.BROKERS}))
    broker_profile_create(actor=admin, broker_id=outsider.user_id, name="Ram", email=outsider.email,
                          licence_number="DLM-4444", company="Far Realty")
    agency = licensed_agency(broker, other_broker, name="Thapa Realty Pvt Ltd", expires_on=valid_until(20))
    agencies.broker_agency_set(actor=admin, broker_id=broker.user_id, agency_id=agency.agency_id, principal=True)
    licensed_agency(outsider, name="Far Realty", expires_on=valid_until(200))

    # When the clock's warning goes out and is delivered (twice: a redelivery tells nobody again)
    agencies.agency_expiry_warnings(actor=system)
    _notify_all()
    _notify_all()

    # Then each broker of the agency has one e-mail pointing to their agency page, the admin one pointing to
    # the agency's admin page, and the other agency's broker none
    for address in (ADDRESS, "sita@example.np"):
        [sent] = [m for m in mail_to(address) if formatting.day(agency.expires_on) in m.subject]
        assert "Thapa Realty Pvt Ltd" in sent.subject and "/broker/agency/" in sent.text
    [to_admin] = mail_to(moderator.email)
    assert formatting.day(agency.expires_on) in to_admin.subject and f"/admin/agencies/{agency.agency_id}/" in to_admin.text
    assert mail_to(outsider.email) == []


def test_an_agency_without_a_principal_broker_still_warns_its_brokers(platform, broker, admin, system):
    _broker_with_email(broker, admin)
    agency = licensed_agency(broker, name="Thapa Realty Pvt Ltd", expires_on=valid_until(10))

    agencies.agency_expiry_warnings(actor=system)
    _notify_all()

    [sent] = mail_to(ADDRESS)
    assert formatting.day(agency.expires_on) in sent.subject


def test_a_broker_is_emailed_to_reconfirm_an_ageing_listing(platform, broker, admin):
    _broker_with_email(broker, admin)
    listing = make_listing(broker, status=Status.ACTIVE, title="Garden house in Budhanilkantha")

    freshness.sweep(at=datetime.now(UTC) + timedelta(days=31))
    _notify_all()

    [sent] = [m for m in mail_to(ADDRESS) if "still available" in m.subject]  # besides its approval's
    assert sent.subject == "Is “Garden house in Budhanilkantha” still available?"
    assert "leaves search" in sent.text and listing.listing_id in sent.text


def test_the_broker_is_emailed_when_a_coming_soon_listing_is_held_back_on_its_date(platform, broker, admin, system):
    # Given a listing above the threshold approved as coming soon, whose agency's licence ends before its date
    _broker_with_email(broker, admin)
    licensed_agency(broker, name="Thapa Realty Pvt Ltd", expires_on=valid_until(1))
    public_at = datetime.now(UTC) + timedelta(days=3)
    pending = make_listing(broker, status=Status.PENDING_REVIEW, neighborhood="sanepa", price="4.5 crore")
    listing_transition(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE_COMING_SOON,
                       public_at=public_at, expected_version=listing_get(listing_id=pending.listing_id).version)

    # When the clock's sweep holds it back on its date, and the news is delivered (twice)
    listing_publish_due(actor=system, at=public_at + timedelta(minutes=1))
    _notify_all()
    _notify_all()

    # Then its broker gets one e-mail saying why, linking to the listing in the back office
    [sent] = [m for m in mail_to(ADDRESS) if "did not go public" in m.subject]
    assert pending.title in sent.subject and "Thapa Realty Pvt Ltd's licence expired" in sent.text
    assert f"/broker/listings/{pending.listing_id}/" in sent.text
