"""What brokers and buyers hear of viewing requests and of leads moving on: e-mails through SES in the
recipient's language, as the local mail view captures them, each once however often the event arrives."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from marketplace.delivery.preferences import preferences_update
from marketplace.entitlements import Entitlements
from marketplace.formatting import moment
from marketplace.lifecycle import Status
from marketplace.services import people
from marketplace.services.engagement import inquiry_create
from marketplace.services.leads import lead_move
from marketplace.services.viewings import (
    viewing_cancel,
    viewing_confirm,
    viewing_decline,
    viewing_request,
    viewings_expire,
)
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to, notify_all
from tests.shared.people import ADMIN

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
NOW = datetime.now(UTC).replace(microsecond=0)
SLOTS = [NOW + timedelta(days=2, hours=h) for h in (1, 26)]
BROKER_MAIL, BUYER_MAIL = "bikash@example.np", "sita@example.np"


@pytest.fixture
def listed(platform, broker, buyer):
    """A listed house whose broker and buyer have profiles (their addresses)."""
    people.broker_profile_create(actor=ADMIN, broker_id=broker.user_id, name="Bikash Thapa", email=BROKER_MAIL,
                                 licence_number="DLM-5151", company="Thapa Realty")
    people.user_profile_sync(user_id=buyer.user_id, email=BUYER_MAIL, groups=["buyers"], name="Sita Rai")
    return make_listing(broker, status=Status.ACTIVE)


def _ask(buyer, listing):
    return viewing_request(actor=buyer, listing_id=listing.listing_id, entitlements=Entitlements(), slots=SLOTS,
                           name="Sita Rai")


def _about(address: str, subject_start: str) -> list:
    return [m for m in mail_to(address) if m.subject.startswith(subject_start)]


def test_the_broker_hears_of_a_request_with_the_times_once(listed, buyer):
    _ask(buyer, listed)
    notify_all(times=2)
    [sent] = _about(BROKER_MAIL, "Viewing request for")
    assert "Sita Rai" in sent.subject and listed.title in sent.subject
    assert moment(SLOTS[0]) in sent.text and moment(SLOTS[1]) in sent.text
    assert "/broker/viewings/" in sent.text
    assert _about(BUYER_MAIL, "Viewing request") == []


def test_a_broker_reading_nepali_gets_the_proposed_times_in_nepali(listed, broker, buyer):
    # Given a broker who reads their mail in Nepali
    preferences_update(actor=broker, language="ne")
    # When a buyer asks for a viewing at two times
    _ask(buyer, listed)
    notify_all(times=2)
    # Then the broker's e-mail writes both times the Nepali way (Devanagari digits, the month's Nepali name)
    [sent] = [m for m in mail_to(BROKER_MAIL) if m.subject.endswith("हेर्न Sita Rai को अनुरोध")]
    for slot in SLOTS:
        assert moment(slot, language="ne") in sent.text and moment(slot) not in sent.text
    assert re.search(r"[०-९]+ [\u0900-\u097F]+ [०-९]{4}, [०-९]{2}:[०-९]{2}", sent.text)


def test_the_buyer_hears_of_a_decline_with_the_reason_in_their_language(listed, broker, buyer):
    preferences_update(actor=buyer, language="ne")
    viewing = _ask(buyer, listed)
    viewing_decline(actor=broker, listing_id=listed.listing_id, viewing_id=viewing.viewing_id,
                    reason="The owners are abroad until January", expected_version=viewing.version)
    notify_all()
    [sent] = [m for m in mail_to(BUYER_MAIL) if listed.title in m.subject]
    assert DEVANAGARI.search(sent.subject) and "The owners are abroad until January" in sent.text
    assert f"/listings/{listed.listing_id}" in sent.text


def test_a_cancelled_confirmed_viewing_reaches_the_broker_with_the_calendar_cancel(listed, broker, buyer):
    viewing = _ask(buyer, listed)
    confirmed = viewing_confirm(actor=broker, listing_id=listed.listing_id, viewing_id=viewing.viewing_id,
                                start=SLOTS[1], expected_version=viewing.version)
    viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=confirmed.version,
                   reason="Flight moved")
    notify_all()
    [sent] = _about(BROKER_MAIL, "Viewing cancelled")
    assert "Sita Rai" in sent.text and "Flight moved" in sent.text and moment(SLOTS[1]) in sent.text
    ics = Calendar.from_ical(sent.attachments["viewing.ics"])
    event = next(iter(ics.walk("VEVENT")))
    assert ics["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert viewing.viewing_id in str(event["UID"]) and event.decoded("DTSTART") == SLOTS[1]


def test_the_buyer_who_cancels_a_confirmed_viewing_gets_the_calendar_cancel_too(listed, broker, buyer):
    # Given a viewing the broker confirmed: both calendars hold its invitation
    viewing = _ask(buyer, listed)
    confirmed = viewing_confirm(actor=broker, listing_id=listed.listing_id, viewing_id=viewing.viewing_id,
                                start=SLOTS[1], expected_version=viewing.version)
    notify_all()
    [invited] = [m for m in mail_to(BUYER_MAIL) if "viewing.ics" in m.attachments]
    invitation_uid = next(iter(Calendar.from_ical(invited.attachments["viewing.ics"]).walk("VEVENT")))["UID"]

    # When the buyer cancels it themselves
    viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=confirmed.version,
                   reason="Flight moved")
    notify_all(times=2)

    # Then they receive, once, the CANCEL of the invitation they were sent (the same uid)
    [sent] = _about(BUYER_MAIL, "Viewing cancelled")
    assert "You cancelled" in sent.text and moment(SLOTS[1]) in sent.text
    assert f"/listings/{listed.listing_id}" in sent.text
    ics = Calendar.from_ical(sent.attachments["viewing.ics"])
    event = next(iter(ics.walk("VEVENT")))
    assert (ics["METHOD"], event["STATUS"], event["UID"]) == ("CANCEL", "CANCELLED", invitation_uid)
    # and the broker's copy is theirs alone
    assert len(_about(BROKER_MAIL, "Viewing cancelled")) == 1


def test_a_request_cancelled_before_it_was_confirmed_sends_the_buyer_no_calendar_update(listed, buyer):
    viewing = _ask(buyer, listed)
    viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=viewing.version)
    notify_all()
    assert _about(BUYER_MAIL, "Viewing cancelled") == []
    assert len(_about(BROKER_MAIL, "Viewing cancelled")) == 1


def test_both_hear_of_an_expired_request(listed, buyer):
    _ask(buyer, listed)
    viewings_expire(at=NOW + timedelta(hours=25))
    notify_all()
    assert len(_about(BROKER_MAIL, "Viewing request expired")) == 1
    assert len(_about(BUYER_MAIL, "Viewing request expired")) == 1


def test_the_buyer_hears_of_their_inquiry_moving_on_to_a_viewing_and_an_offer_only(listed, broker, buyer):
    inquiry, _ = inquiry_create(actor=buyer, listing_id=listed.listing_id, entitlements=Entitlements(),
                                idempotency_key=None, name="Sita Rai", email=BUYER_MAIL, message="Is it still free?")
    version = inquiry.version
    for state in ("contacted", "viewing", "offer", "viewing", "closed"):
        version = lead_move(actor=broker, listing_id=listed.listing_id, inquiry_id=inquiry.inquiry_id, to=state,
                            expected_version=version).version
    notify_all()
    subjects = sorted(m.subject for m in mail_to(BUYER_MAIL))  # the queue keeps no order
    assert subjects == [f"“{listed.title}”: Bikash Thapa is arranging a viewing",
                        f"“{listed.title}”: your inquiry is at the offer stage"]


def test_a_buyer_who_turned_email_off_hears_nothing_by_email(listed, broker, buyer):
    preferences_update(actor=buyer, email=False)
    viewing = _ask(buyer, listed)
    viewing_decline(actor=broker, listing_id=listed.listing_id, viewing_id=viewing.viewing_id, reason="Sold meanwhile",
                    expected_version=viewing.version)
    notify_all()
    assert mail_to(BUYER_MAIL) == [] and len(_about(BROKER_MAIL, "Viewing request for")) == 1
