"""Viewing requests: up to three proposed times, the broker confirms one (at the version read), both get
an .ics invitation, and unconfirmed requests expire after 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from marketplace.entitlements import Entitlements
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.models import ViewingRequest
from marketplace.services.viewings import viewing_confirm, viewing_request, viewings_expire
from marketplace.viewings_ics import invitation

FREE = Entitlements()
NOW = datetime.now(UTC).replace(microsecond=0)
SLOTS = [NOW + timedelta(days=2, hours=h) for h in (1, 4, 26)]


def _request(buyer, listing, slots=SLOTS, **extra):
    return viewing_request(actor=buyer, listing_id=listing.listing_id, entitlements=FREE, slots=slots,
                           name="Sita Rai", email="sita@example.np", message="Mornings suit me", **extra)


@pytest.mark.parametrize(("slots", "why"), [
    ([], "1 to 3"), (SLOTS + [NOW + timedelta(days=5)], "1 to 3"),
    ([NOW + timedelta(minutes=30)], "between 2 hours"), ([NOW + timedelta(days=90)], "between 2 hours"),
    ([SLOTS[0], SLOTS[0]], "differ"), ([datetime(2030, 1, 1, 10)], "time zone"),
])
def test_proposed_times_are_checked(buyer, active, slots, why):
    with pytest.raises(ValidationError) as refused:
        _request(buyer, active, slots=slots)
    assert refused.value.field == "slots" and why in refused.value.message


def test_a_listing_the_buyer_may_not_see_cannot_be_viewed(buyer, pending):
    with pytest.raises(NotFound):
        _request(buyer, pending)


def test_the_broker_confirms_one_proposed_time_and_both_get_the_invitation(buyer, broker, active):
    viewing = _request(buyer, active)
    confirmed = viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                                start=SLOTS[1], expected_version=viewing.version)
    stored = ViewingRequest.get_or_not_found(active.listing_id, viewing.viewing_id, consistent=True)
    assert (stored.state, stored.confirmed_start) == ("confirmed", SLOTS[1])
    ics = Calendar.from_ical(invitation(confirmed, broker_name="Bikash Thapa", broker_email="bikash@example.np",
                                        address="Budhanilkantha"))
    event = next(iter(ics.walk("VEVENT")))
    assert ics["METHOD"] == "REQUEST"
    assert event.decoded("DTSTART") == SLOTS[1]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert str(event["ORGANIZER"]) == "mailto:bikash@example.np"
    assert str(event["ATTENDEE"]) == "mailto:sita@example.np"
    assert viewing.viewing_id in str(event["UID"]) and active.title in str(event["SUMMARY"])


def test_only_a_proposed_time_only_once_only_by_its_broker(buyer, broker, other_broker, admin, active):
    viewing = _request(buyer, active)
    with pytest.raises(ValidationError) as other_time:
        viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                        start=SLOTS[0] + timedelta(hours=1), expected_version=viewing.version)
    assert other_time.value.field == "start"
    with pytest.raises(NotFound):
        viewing_confirm(actor=other_broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                        start=SLOTS[0], expected_version=viewing.version)
    with pytest.raises(NotFound):
        viewing_confirm(actor=buyer, listing_id=active.listing_id, viewing_id=viewing.viewing_id, start=SLOTS[0],
                        expected_version=viewing.version)
    with pytest.raises(PermissionDenied):  # an admin sees it, but the broker arranges the visit
        viewing_confirm(actor=admin, listing_id=active.listing_id, viewing_id=viewing.viewing_id, start=SLOTS[0],
                        expected_version=viewing.version)
    done = viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                           start=SLOTS[0], expected_version=viewing.version)
    with pytest.raises(Conflict):  # a second page open on the old version
        viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                        start=SLOTS[2], expected_version=viewing.version)
    with pytest.raises(IllegalTransition):
        viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                        start=SLOTS[2], expected_version=done.version)


def test_unconfirmed_requests_expire_after_24_hours_and_cannot_be_confirmed(buyer, broker, active):
    waiting = _request(buyer, active)
    answered = _request(buyer, active)
    viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=answered.viewing_id, start=SLOTS[0],
                    expected_version=answered.version)
    # the sweep before the 24 hours changes nothing; after them, only the unanswered request expires
    assert viewings_expire(at=NOW + timedelta(hours=23)) == []
    assert viewings_expire(at=NOW + timedelta(hours=25)) == [waiting.viewing_id]
    stored = ViewingRequest.get_or_not_found(active.listing_id, waiting.viewing_id, consistent=True)
    assert stored.state == "expired"
    with pytest.raises(IllegalTransition):
        viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=waiting.viewing_id, start=SLOTS[0],
                        expected_version=stored.version)
    assert viewings_expire(at=NOW + timedelta(hours=26)) == []  # nothing twice
