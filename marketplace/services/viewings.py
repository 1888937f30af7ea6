"""Viewing requests (RESO ``ShowingAppointment``): a buyer proposes up to three times to view a listing,
its broker confirms one in the back office, and both receive an ``.ics`` invitation; a request nobody
confirmed within 24 hours expires (the clock's sweep).

Each write is one transaction: the request (created, or at the version the actor read), its event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from marketplace import db
from marketplace.actors import Actor
from marketplace.delivery import recipients
from marketplace.delivery.messages import Attachment
from marketplace.entitlements import Entitlements
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.formatting import moment
from marketplace.ids import new_id
from marketplace.models import Listing, ViewingRequest, iso
from marketplace.neighbourhoods import neighbourhood
from marketplace.observability import logger
from marketplace.services.engagement import visible_listing
from marketplace.viewings_ics import invitation

MAX_SLOTS = 3
ANSWER_WITHIN = timedelta(hours=24)  # unconfirmed after this, a request expires
EARLIEST = timedelta(hours=2)  # a proposed time at least this far ahead (the broker needs to answer)
LATEST = timedelta(days=60)
DURATION_MINUTES = 60
MESSAGE_MAX = 500


class ViewingState(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


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
        "slots": [iso(s) for s in viewing.slots],
        "confirmed_start": iso(viewing.confirmed_start) if viewing.confirmed_start else None})


def viewing_request(*, actor: Actor, listing_id: str, entitlements: Entitlements, slots: list[datetime],
                    name: str = "", email: str = "", phone: str = "", message: str = "",
                    at: datetime | None = None) -> ViewingRequest:
    """A signed-in buyer asks to view a listing they may see at one of ``slots``."""
    now = at or datetime.now(UTC)
    cleaned = _clean_slots(slots, now=now)
    if len(message) > MESSAGE_MAX:
        raise ValidationError(f"at most {MESSAGE_MAX} characters", field="message")
    listing = visible_listing(listing_id=listing_id, entitlements=entitlements)
    viewing = ViewingRequest(viewing_id=new_id(), listing_id=listing_id, listing_title=listing.title,
                             broker_id=listing.broker_id, buyer_id=actor.user_id, buyer_name=name.strip(),
                             buyer_email=(email or actor.email or "").strip(), buyer_phone=phone.strip(),
                             message=message.strip(), slots=cleaned, duration_minutes=DURATION_MINUTES,
                             created_at=now, expires_at=now + ANSWER_WITHIN)
    with db.transaction() as tx:
        tx.create(viewing)
        tx.save(to_outbox(_event(EventType.VIEWING_REQUESTED, viewing)))
    return viewing


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
        raise IllegalTransition(f"this request is {state}: it can no longer be confirmed", field="state")
    chosen = start.astimezone(UTC)
    if chosen not in viewing.slots:
        raise ValidationError("choose one of the times the buyer proposed", field="start")
    viewing.state, viewing.confirmed_start, viewing.decided_at = ViewingState.CONFIRMED.value, chosen, now
    with db.transaction(conflict_message=db.stale_message("viewing request"), conflict_field="expected_version") as tx:
        tx.save(viewing)
        tx.save(to_outbox(_event(EventType.VIEWING_CONFIRMED, viewing)))
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
    return ({"when": moment(viewing.confirmed_start), "place": place},
            (Attachment(filename="viewing.ics", content_type="text/calendar; method=REQUEST", data=ics),))
