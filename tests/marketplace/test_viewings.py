"""Viewing requests: up to three proposed times, the broker confirms one (at the version read), both get
an .ics invitation, and unconfirmed requests expire after 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from marketplace import notifications, outbox
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import Entitlements
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.lifecycle import Status
from marketplace.models import ViewingRequest
from marketplace.services import people
from marketplace.services.viewings import viewing_confirm, viewing_request, viewings_expire
from marketplace.viewings_ics import invitation
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to
from tests.shared.people import ADMIN

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


def test_both_receive_the_invitation_by_email(platform, buyer, broker):
    # given a broker with a profile (their e-mail) and a buyer with theirs, and a listed house
    active = make_listing(broker, status=Status.ACTIVE)
    people.broker_profile_create(actor=ADMIN, broker_id=broker.user_id, name="Bikash Thapa", email="bikash@example.np",
                                 licence_number="DLM-4343", company="Thapa Realty")
    people.user_profile_sync(user_id=buyer.user_id, email="sita@example.np", groups=["buyers"], name="Sita Rai")
    viewing = _request(buyer, active)
    # when the broker confirms, and the notifications consumer gets the event (delivered twice)
    viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id, start=SLOTS[2],
                    expected_version=viewing.version)
    outbox.relay_pending()
    bodies = _notification_bodies()
    for body in bodies + bodies:
        notifications.handle_message(body)
    # then each receives one e-mail with the same invitation at the confirmed time
    for address in ("bikash@example.np", "sita@example.np"):
        [sent] = [m for m in mail_to(address) if m.subject.startswith("Viewing confirmed")]
        assert active.title in sent.subject
        event = next(iter(Calendar.from_ical(sent.attachments["viewing.ics"]).walk("VEVENT")))
        assert event.decoded("DTSTART") == SLOTS[2]
        assert str(event["ATTENDEE"]) == "mailto:sita@example.np"


def _notification_bodies() -> list[str]:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=f"{settings().prefix}-notifications")["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies
