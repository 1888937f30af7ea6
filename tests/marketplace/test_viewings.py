"""Viewing requests: up to three proposed times, the broker confirms one (at the version read), both get
an .ics invitation, and unconfirmed requests expire after 24 hours."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from icalendar import Calendar

from marketplace import outbox
from marketplace.actors import Actor
from marketplace.entitlements import Entitlements
from marketplace.errors import (
    Conflict,
    IdempotencyKeyReused,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from marketplace.lifecycle import Status
from marketplace.models import ViewingRequest
from marketplace.services import people
from marketplace.services.viewings import (
    MAX_OPEN,
    is_open,
    viewing_cancel,
    viewing_confirm,
    viewing_decline,
    viewing_request,
    viewing_request_once,
    viewings_expire,
    viewings_of_buyer,
)
from marketplace.viewings_ics import invitation
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to, notify_all
from tests.shared.people import ADMIN, BUYER

FREE = Entitlements()
OTHER_BUYER = Actor(user_id="buyer-2", email="buyer2@test.shikhar.np", groups=BUYER.groups)
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
    answered = _request(OTHER_BUYER, active)
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
    notify_all(times=2)
    # then each receives one e-mail with the same invitation at the confirmed time
    for address in ("bikash@example.np", "sita@example.np"):
        [sent] = [m for m in mail_to(address) if m.subject.startswith("Viewing confirmed")]
        assert active.title in sent.subject
        event = next(iter(Calendar.from_ical(sent.attachments["viewing.ics"]).walk("VEVENT")))
        assert event.decoded("DTSTART") == SLOTS[2]
        assert str(event["ATTENDEE"]) == "mailto:sita@example.np"


def test_a_buyer_lists_their_own_requests_newest_first(buyer, broker, active, other_broker):
    # given two requests of the buyer on two listings, and another buyer's
    second = make_listing(other_broker, status=Status.ACTIVE)
    first = _request(buyer, active)
    latest = _request(buyer, second)
    _request(OTHER_BUYER, active)
    # when the buyer lists theirs, then they see their two, newest first, with states and times
    mine = viewings_of_buyer(buyer_id=buyer.user_id)
    assert [v.viewing_id for v in mine] == [latest.viewing_id, first.viewing_id]
    assert mine[1].slots == SLOTS and mine[1].state == "requested"


def test_one_open_request_per_listing_and_at_most_five_in_all(buyer, broker, active):
    # given an open request on a listing
    first = _request(buyer, active)
    # when the buyer asks again for the same listing, then it is refused naming the listing
    with pytest.raises(ValidationError) as again:
        _request(buyer, active)
    assert again.value.field == "listing_id"
    # and once the first is cancelled, a new one is taken
    viewing_cancel(actor=buyer, viewing_id=first.viewing_id, expected_version=first.version)
    _request(buyer, active)
    # given requests open on five listings in all, a sixth listing is refused
    for _ in range(MAX_OPEN - 1):
        _request(buyer, make_listing(broker, status=Status.ACTIVE))
    with pytest.raises(ValidationError) as sixth:
        _request(buyer, make_listing(broker, status=Status.ACTIVE))
    assert sixth.value.field == "slots" and f"{MAX_OPEN} open" in sixth.value.message
    assert len(viewings_of_buyer(buyer_id=buyer.user_id)) == MAX_OPEN + 1
    # and an expired request no longer counts
    viewings_expire(at=NOW + timedelta(hours=25))
    _request(buyer, make_listing(broker, status=Status.ACTIVE), at=NOW + timedelta(hours=25))


def test_a_retried_request_with_its_idempotency_key_is_made_once(buyer, active):
    def send(**extra):
        return viewing_request_once(actor=buyer, listing_id=active.listing_id, entitlements=FREE, slots=SLOTS,
                                    idempotency_key="retry-key-0001", message="Mornings suit me", **extra)

    made, created = send()
    again, created_again = send()
    assert (created, created_again) == (True, False)
    assert again.viewing_id == made.viewing_id
    assert [v.viewing_id for v in viewings_of_buyer(buyer_id=buyer.user_id)] == [made.viewing_id]
    # the same key with a different request is refused, and nothing is made
    with pytest.raises(IdempotencyKeyReused):
        viewing_request_once(actor=buyer, listing_id=active.listing_id, entitlements=FREE, slots=SLOTS[:1],
                             idempotency_key="retry-key-0001")
    with pytest.raises(ValidationError) as bad_key:
        viewing_request_once(actor=buyer, listing_id=active.listing_id, entitlements=FREE, slots=SLOTS,
                             idempotency_key="short")
    assert bad_key.value.field == "idempotency_key"
    assert len(viewings_of_buyer(buyer_id=buyer.user_id)) == 1


def test_only_the_buyer_cancels_only_while_ahead_at_the_version_read(buyer, broker, active):
    viewing = _request(buyer, active)
    with pytest.raises(NotFound):  # another buyer's request is not theirs to see
        viewing_cancel(actor=OTHER_BUYER, viewing_id=viewing.viewing_id, expected_version=viewing.version)
    confirmed = viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                                start=SLOTS[0], expected_version=viewing.version)
    with pytest.raises(Conflict):  # the buyer's page showed the request before the broker confirmed it
        viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=viewing.version)
    with pytest.raises(IllegalTransition):  # the viewing has happened
        viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=confirmed.version,
                       at=SLOTS[0] + timedelta(hours=1))
    cancelled = viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=confirmed.version,
                               reason="Found another house")
    stored = ViewingRequest.get_or_not_found(active.listing_id, viewing.viewing_id, consistent=True)
    assert (stored.state, stored.reason, stored.version) == ("cancelled", "Found another house", cancelled.version)
    assert "ViewingCancelled" in [r.detail_type for r in outbox.pending()]
    with pytest.raises(IllegalTransition):
        viewing_cancel(actor=buyer, viewing_id=viewing.viewing_id, expected_version=stored.version)


def test_the_broker_declines_with_a_reason_only_while_it_waits(buyer, broker, other_broker, active):
    viewing = _request(buyer, active)
    with pytest.raises(ValidationError) as no_reason:
        viewing_decline(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id, reason=" ",
                        expected_version=viewing.version)
    assert no_reason.value.field == "reason"
    with pytest.raises(NotFound):
        viewing_decline(actor=other_broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                        reason="Not mine", expected_version=viewing.version)
    declined = viewing_decline(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id,
                               reason="The owners are abroad until January", expected_version=viewing.version)
    assert (declined.state, declined.reason) == ("declined", "The owners are abroad until January")
    assert "ViewingDeclined" in [r.detail_type for r in outbox.pending()]
    assert list(ViewingRequest.due_before(NOW + timedelta(days=2))) == []  # out of the expiry sweep
    with pytest.raises(IllegalTransition):
        viewing_confirm(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id, start=SLOTS[0],
                        expected_version=declined.version)
    with pytest.raises(IllegalTransition):
        viewing_decline(actor=broker, listing_id=active.listing_id, viewing_id=viewing.viewing_id, reason="Again",
                        expected_version=declined.version)


def _open_ones(buyer) -> list[ViewingRequest]:
    return [v for v in viewings_of_buyer(buyer_id=buyer.user_id) if is_open(v, now=datetime.now(UTC))]


def test_requests_for_different_listings_at_the_same_moment_never_pass_five_open(table, buyer, broker):
    # Given a buyer with three open requests and eight more listings to view
    for _ in range(3):
        _request(buyer, make_listing(broker, status=Status.ACTIVE))
    listings = [make_listing(broker, status=Status.ACTIVE) for _ in range(8)]
    start = Barrier(len(listings))

    def send(listing):
        start.wait()  # all eight leave together
        try:
            return _request(buyer, listing)
        except ValidationError as refused:
            return refused

    # When the eight requests arrive at the same moment
    with ThreadPoolExecutor(max_workers=len(listings)) as pool:
        outcomes = list(pool.map(send, listings))

    # Then exactly two are taken and six refused for the limit in all: five open, never more
    made = [o for o in outcomes if isinstance(o, ViewingRequest)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(made), len(refused)) == (MAX_OPEN - 3, len(listings) - (MAX_OPEN - 3))
    assert all(r.field == "slots" and f"{MAX_OPEN} open" in r.message for r in refused)
    assert len(_open_ones(buyer)) == MAX_OPEN


def test_the_limit_in_all_follows_cancels_declines_confirmations_and_expiry(table, buyer, broker):
    # Given five open requests: one the broker confirms for two days ahead, the others waiting
    listings = [make_listing(broker, status=Status.ACTIVE) for _ in range(MAX_OPEN + 3)]
    waiting = [_request(buyer, listing) for listing in listings[:MAX_OPEN]]
    confirmed = viewing_confirm(actor=broker, listing_id=waiting[0].listing_id, viewing_id=waiting[0].viewing_id,
                                start=SLOTS[0], expected_version=waiting[0].version)
    with pytest.raises(ValidationError):
        _request(buyer, listings[MAX_OPEN])

    # When the buyer cancels one and the broker declines another, then two places are free again
    viewing_cancel(actor=buyer, viewing_id=waiting[1].viewing_id, expected_version=waiting[1].version)
    viewing_decline(actor=broker, listing_id=waiting[2].listing_id, viewing_id=waiting[2].viewing_id,
                    reason="Sold privately", expected_version=waiting[2].version)
    _request(buyer, listings[MAX_OPEN])
    _request(buyer, listings[MAX_OPEN + 1])
    with pytest.raises(ValidationError):
        _request(buyer, listings[MAX_OPEN + 2])

    # When the unconfirmed requests' 24 hours have passed, they no longer count, but the confirmed viewing
    # still ahead does: four places are free, and the fifth request is refused
    later = NOW + timedelta(hours=25)
    viewings_expire(at=later)
    assert ViewingRequest.get_or_not_found(confirmed.listing_id, confirmed.viewing_id).state == "confirmed"
    fresh = [make_listing(broker, status=Status.ACTIVE) for _ in range(MAX_OPEN)]
    for listing in fresh[:MAX_OPEN - 1]:
        _request(buyer, listing, slots=[later + timedelta(days=1)], at=later)
    with pytest.raises(ValidationError) as full:
        _request(buyer, fresh[-1], slots=[later + timedelta(days=1)], at=later)
    assert f"{MAX_OPEN} open" in full.value.message
