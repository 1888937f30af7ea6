"""Viewing requests (RESO ``ShowingAppointment``): a buyer proposes up to three times to view a listing,
its broker confirms one in the back office (both receive an ``.ics`` invitation) or declines with a
reason; the buyer may cancel while the viewing is still ahead; a request nobody answered within 24 hours
expires (the clock's sweep).

A buyer keeps at most one open request per listing and ``MAX_OPEN`` in all (open: waiting for an
answer, or confirmed for a time still ahead). The one per listing is a guard item written in the
request's transaction on the condition that none is open (``UNIQUE#viewing-open#<buyer>#<listing>``, its
``expires`` the moment the request stops being open: its 24 hours, then its confirmed time; a cancel or a
decline deletes it), so two requests sent at once cannot both pass. The limit in all is the buyer's
``ViewingTally`` (each open request and when it stops being open), written in the same transaction as the
request at the version read, so requests for different listings sent at once cannot pass it either; a
confirmation moves the request's end in it, a cancel or a decline removes it, an expiry needs no write.
A create with an idempotency key is made once: a retry returns the first request.

Each write is one transaction: the request (created, or at the version the actor read), its event.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from marketplace import db, formatting
from marketplace.actors import Actor
from marketplace.delivery import recipients
from marketplace.delivery.messages import Attachment
from marketplace.entitlements import Entitlements
from marketplace.errors import (
    Conflict,
    IdempotencyKeyReused,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.ids import id_floor, new_id
from marketplace.models import Guard, Listing, ViewingRequest, ViewingTally, iso
from marketplace.neighbourhoods import neighbourhood
from marketplace.observability import logger
from marketplace.services.engagement import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_RULE,
    IDEMPOTENCY_WINDOW,
    listing_on_market,
)
from marketplace.viewings_ics import invitation

MAX_SLOTS = 3
ANSWER_WITHIN = timedelta(hours=24)  # unconfirmed after this, a request expires
EARLIEST = timedelta(hours=2)  # a proposed time at least this far ahead (the broker needs to answer)
LATEST = timedelta(days=60)
DURATION_MINUTES = 60
MESSAGE_MAX = 500
REASON_LENGTHS = (3, 300)  # a decline's reason (required), a cancellation's (optional, at most)
MAX_OPEN_PER_LISTING = 1  # one request (of up to three times) per listing at once (a guard item: not a count)
MAX_OPEN = 5  # in all: a buyer planning a Saturday of visits, not a bot booking every broker's week
IDEMPOTENCY_SCOPE = "viewing"


class ViewingState(StrEnum):
    """Stored states, each with its word in RESO's ShowingAppointment vocabulary (``RESO_STATUS``)."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


RESO_STATUS = {ViewingState.REQUESTED: "Requested", ViewingState.CONFIRMED: "Confirmed",
               ViewingState.DECLINED: "Declined", ViewingState.CANCELLED: "Cancelled",
               ViewingState.EXPIRED: "Expired"}


def is_open(viewing: ViewingRequest, *, now: datetime) -> bool:
    """Waiting for the broker's answer, or confirmed for a time still ahead."""
    if viewing.state == ViewingState.REQUESTED:
        return viewing.expires_at > now
    return viewing.state == ViewingState.CONFIRMED and viewing.confirmed_start > now


def _clean_slots(slots: list[datetime], *, now: datetime) -> list[datetime]:
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise ValidationError(f"propose 1 to {MAX_SLOTS} times", field="slots")
    cleaned = []
    for slot in slots:
        if slot.utcoffset() is None:
            raise ValidationError("give each time with its time zone (e.g. 2026-12-05T10:00+05:45)", field="slots")
        if not now + EARLIEST <= slot <= now + LATEST:
            raise ValidationError(f"{slot.isoformat()} must be between 2 hours and {LATEST.days} days from now",
                                  field="slots")
        cleaned.append(slot.astimezone(UTC))
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError("the proposed times must differ", field="slots")
    return sorted(cleaned)


def _event(event_type: EventType, viewing: ViewingRequest) -> DomainEvent:
    return DomainEvent(event_type, {
        "viewing_id": viewing.viewing_id, "listing_id": viewing.listing_id, "title": viewing.listing_title,
        "broker_id": viewing.broker_id, "buyer_id": viewing.buyer_id, "state": viewing.state,
        "slots": [iso(s) for s in viewing.slots], "reason": viewing.reason,
        "confirmed_start": iso(viewing.confirmed_start) if viewing.confirmed_start else None})


def _fingerprint(listing_id: str, slots: list[datetime], fields: dict) -> str:
    """What a retry with the same idempotency key must repeat: the listing, the times and the words."""
    return hashlib.sha256(json.dumps([listing_id, [iso(s) for s in slots], fields], sort_keys=True)
                          .encode()).hexdigest()


def _guarded(guard: Guard, *, now: datetime) -> ViewingRequest | None:
    """The request an idempotency key already made (None: the key is new or its window has passed)."""
    try:
        stored = Guard.get(guard.pk, guard.sk, consistent_read=True)
    except Guard.DoesNotExist:
        return None
    if stored.expires and stored.expires < now:
        return None
    if stored.fingerprint != guard.fingerprint:
        raise IdempotencyKeyReused("this idempotency key was used for a different viewing request; use a new "
                                   "key for a new request", field="idempotency_key")
    listing_id, _, viewing_id = stored.ref.partition("#")
    return ViewingRequest.get_or_not_found(listing_id, viewing_id, consistent=True)


def viewings_of_buyer(*, buyer_id: str, since: datetime | None = None, limit: int = 100) -> list[ViewingRequest]:
    """A buyer's viewing requests, newest first: keys from the owner index (made from ``since`` on), then
    one BatchGet."""
    floor = id_floor(since) if since else ""
    keys = [(k.pk, k.sk) for k in ViewingRequest.of_buyer(buyer_id, floor, scan_index_forward=False, limit=limit)]
    found = {v.viewing_id: v for v in ViewingRequest.batch_get(keys)} if keys else {}
    return sorted(found.values(), key=lambda v: v.viewing_id, reverse=True)


ALREADY_OPEN = "you already have an open viewing request for this listing: cancel it to propose other times"


def _open_guard(viewing: ViewingRequest) -> Guard:
    """The buyer's one open request on the listing; it stops counting at ``expires`` (the request's
    24 hours while it waits, its confirmed time once confirmed)."""
    guard = Guard(*Guard.unique_key("viewing-open", f"{viewing.buyer_id}#{viewing.listing_id}"),
                  ref=viewing.viewing_id)
    guard.expires = viewing.confirmed_start or viewing.expires_at
    return guard


TOO_MANY = (f"you have {MAX_OPEN} open viewing requests, the most at once: cancel one or wait for the brokers' "
            "answers")
TALLY_ATTEMPTS = 10  # writes of one buyer's tally at once: each one that lost reads it again


def _open_until(viewing: ViewingRequest) -> datetime:
    """When a request stops being open: its confirmed time, else the end of its 24 hours."""
    return viewing.confirmed_start or viewing.expires_at


def _tally(buyer_id: str, *, now: datetime) -> tuple[ViewingTally, dict[str, str]]:
    """The buyer's tally as stored (a consistent GetItem), with the requests still open at ``now``. A buyer
    without one gets it built from their recent requests: only requests made within the longest time a
    request stays open (an answer's 24 hours plus the latest slot) can be open, so that read is bounded;
    it is written only if it still does not exist (its version is new)."""
    tally = ViewingTally.get_or_none(buyer_id, consistent=True)
    if tally is None:
        recent = viewings_of_buyer(buyer_id=buyer_id, since=now - ANSWER_WITHIN - LATEST, limit=200)
        tally = ViewingTally(buyer_id=buyer_id, open_until={
            v.viewing_id: iso(_open_until(v)) for v in recent if is_open(v, now=now)})
    still_open = {viewing_id: until for viewing_id, until in tally.open_until.as_dict().items()
                  if datetime.fromisoformat(until) > now}
    return tally, still_open


def _tallied(write, *, buyer_id: str, now: datetime, viewing_id: str, until: datetime | None, limit: bool = False):
    """Run ``write(tx)`` in one transaction with the buyer's tally, where ``viewing_id`` is open until
    ``until`` (None: no longer open), at the tally's version read; with ``limit``, refused past ``MAX_OPEN``.
    When another of the buyer's writes changed the tally meanwhile, read it again and try again."""
    for _ in range(TALLY_ATTEMPTS):
        tally, still_open = _tally(buyer_id, now=now)
        if limit and viewing_id not in still_open and len(still_open) >= MAX_OPEN:
            raise ValidationError(TOO_MANY, field="slots")
        still_open.pop(viewing_id, None)
        tally.open_until = {**still_open, **({viewing_id: iso(until)} if until else {})}
        try:
            with db.transaction(conflict_message=None) as tx:
                result = write(tx)
                tx.save(tally)
            return result
        except db.ConditionFailed as failed:
            if failed.item is not tally:
                raise
    raise Conflict("your viewing requests changed meanwhile; try again", field="viewing_id")


def viewing_request(*, actor: Actor, listing_id: str, entitlements: Entitlements, slots: list[datetime],
                    name: str = "", email: str = "", phone: str = "", message: str = "",
                    at: datetime | None = None) -> ViewingRequest:
    """A signed-in buyer asks to view a listing they may see at one of ``slots`` (no idempotency key)."""
    return viewing_request_once(actor=actor, listing_id=listing_id, entitlements=entitlements, slots=slots, name=name,
                                email=email, phone=phone, message=message, idempotency_key=None, at=at)[0]


def viewing_request_once(*, actor: Actor, listing_id: str, entitlements: Entitlements, slots: list[datetime],
                         idempotency_key: str | None, name: str = "", email: str = "", phone: str = "",
                         message: str = "", at: datetime | None = None) -> tuple[ViewingRequest, bool]:
    """A signed-in buyer asks to view a listing they may see at one of ``slots``. Returns (request,
    created): the same idempotency key with the same request returns the first request and creates
    nothing; with a different request it is refused (``IdempotencyKeyReused``)."""
    now = at or datetime.now(UTC)
    if idempotency_key is not None and not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError(IDEMPOTENCY_KEY_RULE, field="idempotency_key")
    cleaned = _clean_slots(slots, now=now)
    if len(message) > MESSAGE_MAX:
        raise ValidationError(f"at most {MESSAGE_MAX} characters", field="message")
    fields = {"buyer_name": name.strip(), "buyer_email": (email or actor.email or "").strip(),
              "buyer_phone": phone.strip(), "message": message.strip()}
    guard = None
    if idempotency_key is not None:
        guard = Guard(*Guard.idempotency_key(IDEMPOTENCY_SCOPE, f"{actor.user_id}#{idempotency_key}"),
                      fingerprint=_fingerprint(listing_id, cleaned, fields), expires=now + IDEMPOTENCY_WINDOW)
        if (existing := _guarded(guard, now=now)) is not None:
            return existing, False
    listing = listing_on_market(listing_id=listing_id, entitlements=entitlements)
    viewing = ViewingRequest(viewing_id=new_id(), listing_id=listing_id, listing_title=listing.title,
                             broker_id=listing.broker_id, buyer_id=actor.user_id, slots=cleaned,
                             duration_minutes=DURATION_MINUTES, created_at=now, expires_at=now + ANSWER_WITHIN,
                             **fields)
    one_open = _open_guard(viewing)

    def write(tx) -> None:
        if guard is not None:
            guard.ref = f"{listing_id}#{viewing.viewing_id}"
            tx.create(guard)
        tx.save(one_open, condition=Guard.pk.does_not_exist() | (Guard.expires <= now))
        tx.create(viewing)
        tx.save(to_outbox(_event(EventType.VIEWING_REQUESTED, viewing)))

    try:
        _tallied(write, buyer_id=actor.user_id, now=now, viewing_id=viewing.viewing_id, until=viewing.expires_at,
                 limit=True)
    except db.ConditionFailed as failed:
        if failed.item is one_open:
            raise ValidationError(ALREADY_OPEN, field="listing_id") from None
        raced = _guarded(guard, now=now) if guard is not None and failed.item is guard else None
        if raced is None:  # the same key's first request landed meanwhile: that one is the answer
            raise
        return raced, False
    return viewing, True


def viewing_of_buyer(*, actor: Actor, viewing_id: str) -> ViewingRequest:
    """One of the buyer's own requests (the owner index finds its listing); NotFound for anyone else's."""
    key = next(iter(ViewingRequest.of_buyer(actor.user_id, viewing_id, limit=1)), None)
    if key is None or key.sk != f"{ViewingRequest.SORT_PREFIX}{viewing_id}":
        raise NotFound("no such viewing request", field="viewing_id")
    try:
        viewing = ViewingRequest.get(key.pk, key.sk, consistent_read=True)
    except ViewingRequest.DoesNotExist:
        raise NotFound("no such viewing request", field="viewing_id") from None
    if viewing.buyer_id != actor.user_id:
        raise NotFound("no such viewing request", field="viewing_id")
    return viewing


def _reason(reason: str, *, required: bool) -> str:
    cleaned = " ".join((reason or "").split())
    low, high = REASON_LENGTHS
    if (required or cleaned) and not low <= len(cleaned) <= high:
        raise ValidationError(f"give a reason of {low} to {high} characters", field="reason")
    return cleaned


def _decide(viewing: ViewingRequest, *, state: ViewingState, event: EventType, now: datetime,
            reason: str = "") -> ViewingRequest:
    """A cancel or a decline, at the version read: the request no longer holds the listing's open place."""
    viewing.state, viewing.decided_at, viewing.reason = state.value, now, reason
    place = _open_guard(viewing)

    def write(tx) -> None:
        tx.save(viewing)
        tx.delete(place)
        tx.save(to_outbox(_event(event, viewing)))

    _decided(write, viewing, now=now, until=None)  # no longer open: its place in the buyer's tally is free
    return viewing


def _decided(write, viewing: ViewingRequest, *, now: datetime, until: datetime | None) -> None:
    """A decision's transaction (``write``) with the buyer's tally; the request changed since it was read is a
    ``Conflict`` naming ``expected_version``, nothing written."""
    try:
        _tallied(write, buyer_id=viewing.buyer_id, now=now, viewing_id=viewing.viewing_id, until=until)
    except db.ConditionFailed as failed:
        raise Conflict(db.stale_message("viewing request"), field="expected_version") from failed


def viewing_cancel(*, actor: Actor, viewing_id: str, expected_version: int, reason: str = "",
                   at: datetime | None = None) -> ViewingRequest:
    """The buyer withdraws their own request, or calls off a confirmed viewing still ahead, at the
    version they read; the broker is told."""
    now = at or datetime.now(UTC)
    reason = _reason(reason, required=False)
    viewing = viewing_of_buyer(actor=actor, viewing_id=viewing_id)
    db.check_version(viewing, expected_version, noun="viewing request")
    if not is_open(viewing, now=now):
        raise IllegalTransition(f"this viewing is {_shown_state(viewing, now=now)}: there is nothing to cancel",
                                field="state")
    return _decide(viewing, state=ViewingState.CANCELLED, event=EventType.VIEWING_CANCELLED, now=now, reason=reason)


def _shown_state(viewing: ViewingRequest, *, now: datetime) -> str:
    if viewing.state == ViewingState.REQUESTED and viewing.expires_at <= now:
        return ViewingState.EXPIRED.value
    if viewing.state == ViewingState.CONFIRMED and viewing.confirmed_start <= now:
        return "past"
    return viewing.state


def viewing_decline(*, actor: Actor, listing_id: str, viewing_id: str, reason: str, expected_version: int,
                    at: datetime | None = None) -> ViewingRequest:
    """The listing's broker declines a request waiting for an answer, with a reason the buyer reads."""
    now = at or datetime.now(UTC)
    reason = _reason(reason, required=True)
    viewing = viewing_get(listing_id=listing_id, viewing_id=viewing_id, actor=actor)
    if not actor.is_broker or viewing.broker_id != actor.user_id:
        raise PermissionDenied("only the listing's broker answers its viewing requests")
    db.check_version(viewing, expected_version, noun="viewing request")
    if viewing.state != ViewingState.REQUESTED or viewing.expires_at <= now:
        raise IllegalTransition(f"this request is {_shown_state(viewing, now=now)}: it can no longer be declined",
                                field="state")
    return _decide(viewing, state=ViewingState.DECLINED, event=EventType.VIEWING_DECLINED, now=now, reason=reason)


def viewing_get(*, listing_id: str, viewing_id: str, actor: Actor) -> ViewingRequest:
    """A viewing request its listing's broker (or an admin) may manage; NotFound for anyone else."""
    viewing = ViewingRequest.get_or_not_found(listing_id, viewing_id, consistent=True)
    if not (actor.is_admin or viewing.broker_id == actor.user_id):
        raise NotFound("no such viewing request", field="viewing_id")
    return viewing


def viewing_confirm(*, actor: Actor, listing_id: str, viewing_id: str, start: datetime, expected_version: int,
                    at: datetime | None = None) -> ViewingRequest:
    """The broker confirms one of the proposed times, at the version they read."""
    now = at or datetime.now(UTC)
    viewing = viewing_get(listing_id=listing_id, viewing_id=viewing_id, actor=actor)
    if not actor.is_broker or viewing.broker_id != actor.user_id:
        raise PermissionDenied("only the listing's broker confirms its viewings")
    db.check_version(viewing, expected_version, noun="viewing request")
    if viewing.state != ViewingState.REQUESTED or viewing.expires_at <= now:
        state = ViewingState.EXPIRED if viewing.state == ViewingState.REQUESTED else viewing.state
        raise IllegalTransition(f"this request is {formatting.state(state, 'viewing').lower()}: it can no longer be "
                                "confirmed", field="state")
    chosen = start.astimezone(UTC)
    if chosen not in viewing.slots:
        raise ValidationError("choose one of the times the buyer proposed", field="start")
    viewing.state, viewing.confirmed_start, viewing.decided_at = ViewingState.CONFIRMED.value, chosen, now

    def write(tx) -> None:
        tx.save(viewing)
        tx.save(_open_guard(viewing))  # the listing's open place is held until the viewing's time
        tx.save(to_outbox(_event(EventType.VIEWING_CONFIRMED, viewing)))

    _decided(write, viewing, now=now, until=chosen)  # and its place in the buyer's tally too
    return viewing


def viewings_expire(*, at: datetime | None = None, limit: int = 500) -> list[str]:
    """The clock's sweep: requests unconfirmed 24 hours after they were made expire, each at the version
    the sweep read (one confirmed meanwhile is left as it is)."""
    now = at or datetime.now(UTC)
    expired = []
    for due in ViewingRequest.due_before(now, limit=limit):
        viewing = ViewingRequest.get_or_none(due.listing_id, due.viewing_id, consistent=True)
        if viewing is None or viewing.state != ViewingState.REQUESTED or viewing.expires_at > now:
            continue
        viewing.state, viewing.decided_at = ViewingState.EXPIRED.value, now
        try:
            with db.transaction(conflict_message="confirmed meanwhile") as tx:
                tx.save(viewing)
                tx.save(to_outbox(_event(EventType.VIEWING_EXPIRED, viewing)))
        except Conflict:
            logger.info("viewing request changed meanwhile", extra={"viewing_id": viewing.viewing_id})
            continue
        expired.append(viewing.viewing_id)
    return expired


def viewings_for_broker(*, broker_id: str, limit: int = 100) -> list[ViewingRequest]:
    """A broker's viewing requests, newest first (gsi3)."""
    return list(ViewingRequest.of_broker(broker_id, scan_index_forward=False, limit=limit))


def listing_address(listing: Listing) -> str:
    """Where the viewing is: the listing's address, else its neighbourhood's name."""
    place = neighbourhood(listing.neighborhood)
    return listing.address or (place.name if place else listing.neighborhood)


def viewing_words(data: dict) -> tuple[dict, tuple[Attachment, ...]]:
    """For the ViewingRequested and ViewingCancelled messages to the broker: who (the name the buyer gave,
    else their address), the proposed times or the confirmed one in Kathmandu time, the reason; a viewing
    cancelled after it was confirmed carries the invitation's ``CANCEL``, so calendars drop it."""
    viewing = ViewingRequest.get_or_not_found(data["listing_id"], data["viewing_id"], consistent=True)
    times = tuple(viewing.slots)  # moments: the message writes them in its reader's language
    words = {"name": viewing.buyer_name or viewing.buyer_email or "—", "times": times, "reason": viewing.reason or "—",
             "when": viewing.confirmed_start or times}
    if viewing.state != ViewingState.CANCELLED or viewing.confirmed_start is None:
        return words, ()
    listing = Listing.get_or_not_found(viewing.listing_id)
    broker = recipients.broker(viewing.broker_id)
    ics = invitation(viewing, broker_name=broker.name, broker_email=broker.email, address=listing_address(listing),
                     cancelled=True)
    return words, (Attachment(filename="viewing.ics", content_type="text/calendar; method=CANCEL", data=ics),)


def viewing_invitation(data: dict) -> tuple[dict, tuple[Attachment, ...]]:
    """For the ViewingConfirmed message (``marketplace.notifications``): when and where, in words, and the
    .ics invitation both the broker and the buyer receive."""
    viewing = ViewingRequest.get_or_not_found(data["listing_id"], data["viewing_id"], consistent=True)
    listing = Listing.get_or_not_found(viewing.listing_id)
    broker = recipients.broker(viewing.broker_id)
    if not viewing.buyer_email:  # the address the buyer's account has, when they gave none with the request
        viewing.buyer_email = recipients.people([viewing.buyer_id])[viewing.buyer_id].email
    place = listing_address(listing)
    ics = invitation(viewing, broker_name=broker.name, broker_email=broker.email, address=place)
    return ({"when": viewing.confirmed_start, "place": place},
            (Attachment(filename="viewing.ics", content_type="text/calendar; method=REQUEST", data=ics),))
