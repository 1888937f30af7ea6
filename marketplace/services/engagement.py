"""What buyers do with listings: favorites, inquiries and detail views.

Each checks the buyer may see the listing (entitlements), and is idempotent: favoriting twice keeps
one favorite, an inquiry sent twice with one idempotency key is stored once.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

from marketplace import db
from marketplace.actors import Actor
from marketplace.entitlements import Entitlements, can_see
from marketplace.errors import IdempotencyKeyReused, NotFound, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.ids import new_id
from marketplace.lifecycle import Status
from marketplace.listing_fields import invalid
from marketplace.models import DailyViewStat, Favorite, Guard, Inquiry, Listing, ListingStats
from marketplace.selectors.listings import listing_get

IDEMPOTENCY_WINDOW = timedelta(hours=24)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What an inquiry's texts may hold (characters, after trimming): the one place the API's schema reads too.
INQUIRY_LENGTHS = {"name": (2, 100), "phone": (0, 32), "email": (0, 254), "message": (10, 2000),
                   "preferred_contact_time": (0, 100)}
IDEMPOTENCY_KEY = r"[A-Za-z0-9_\-]{8,64}"
IDEMPOTENCY_KEY_RULE = "must be 8-64 letters, digits, '-' or '_'"
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}$")


def visible_listing(*, listing_id: str, entitlements: Entitlements) -> Listing:
    """The listing if this buyer may see it; NotFound otherwise (the same answer as for no listing)."""
    listing = listing_get(listing_id=listing_id)
    if not can_see(listing, entitlements):
        raise NotFound("no such listing", field="listing_id")
    return listing


def listing_on_market(*, listing_id: str, entitlements: Entitlements) -> Listing:
    """A listing a buyer may still ask about or visit: visible, and not sold or let (a closed listing stays in
    search for some days with its badge, but its broker no longer takes inquiries or viewings for it)."""
    listing = visible_listing(listing_id=listing_id, entitlements=entitlements)
    if listing.status == Status.CLOSED:
        done = "let" if listing.purpose == "rent" else "sold"
        raise ValidationError(f"this property has been {done}: its broker no longer takes requests for it",
                              field="listing_id")
    return listing


def _counter(tx: db.Transaction, listing_id: str, attribute, delta: int) -> None:
    tx.update(ListingStats(*ListingStats.key(listing_id)), actions=[attribute.add(delta)],
              condition=ListingStats.pk.exists())


def favorite_add(*, actor: Actor, listing_id: str, entitlements: Entitlements) -> bool:
    """Save a listing; returns False when it was already saved (nothing changes)."""
    listing = visible_listing(listing_id=listing_id, entitlements=entitlements)
    favorite = Favorite(user_id=actor.user_id, listing_id=listing_id)
    event = DomainEvent(EventType.FAVORITE_ADDED, {"listing_id": listing_id, "user_id": actor.user_id,
                                                   "broker_id": listing.broker_id,
                                                   "neighborhood": listing.neighborhood})
    try:
        with db.transaction(conflict_message=None) as tx:
            tx.create(favorite)
            _counter(tx, listing_id, ListingStats.favorites, 1)
            tx.save(to_outbox(event))
    except db.ConditionFailed as failed:
        if failed.item is not favorite:
            raise
        return False  # already saved
    return True


def favorite_remove(*, actor: Actor, listing_id: str) -> bool:
    """Unsave; returns False when it was not saved. Works even if the listing is no longer visible."""
    favorite = Favorite(*Favorite.key(actor.user_id, listing_id))
    try:
        with db.transaction(conflict_message=None) as tx:
            tx.delete(favorite, condition=Favorite.pk.exists())
            _counter(tx, listing_id, ListingStats.favorites, -1)
    except db.ConditionFailed as failed:
        if failed.item is not favorite:
            raise
        return False  # not saved
    return True


def _fits(field: str, text: str) -> bool:
    low, high = INQUIRY_LENGTHS[field]
    return low <= len(text) <= high


def _length_rule(field: str) -> str:
    low, high = INQUIRY_LENGTHS[field]
    return f"must be {low} to {high} characters" if low else f"must be at most {high} characters"


def clean_inquiry(*, name: str, phone: str, email: str, message: str, preferred_contact_time: str) -> dict:
    errors = {}
    name, phone, email = (name or "").strip(), (phone or "").strip(), (email or "").strip()
    message, when = (message or "").strip(), (preferred_contact_time or "").strip()
    if not _fits("name", name):
        errors["name"] = _length_rule("name")
    if not phone and not email:
        errors["phone"] = "give a phone number or an email address"
    if phone and not (_fits("phone", phone) and _PHONE.match(phone)):
        errors["phone"] = "is not a phone number (e.g. +977 98XXXXXXXX)"
    if email and not (_fits("email", email) and _EMAIL.match(email)):
        errors["email"] = "is not an email address"
    if not _fits("message", message):
        errors["message"] = _length_rule("message")
    if not _fits("preferred_contact_time", when):
        errors["preferred_contact_time"] = _length_rule("preferred_contact_time")
    if errors:
        raise invalid(errors)
    return {"name": name, "phone": phone, "email": email, "message": message, "preferred_contact_time": when}


def _fingerprint(listing_id: str, fields: dict) -> str:
    """What a retry must repeat: the listing and the cleaned message."""
    return hashlib.sha256(json.dumps([listing_id, fields], sort_keys=True).encode()).hexdigest()


def inquiry_create(*, actor: Actor, listing_id: str, entitlements: Entitlements, idempotency_key: str | None,
                   name: str, phone: str = "", email: str = "", message: str,
                   preferred_contact_time: str = "") -> tuple[Inquiry, bool]:
    """A buyer writes to the listing's broker. Returns (inquiry, created). The same idempotency key from
    the same buyer with the same request returns the first inquiry and creates nothing; with a different
    request it is refused (``IdempotencyKeyReused``). Without a key every call sends a new inquiry, so a
    retry after a lost answer may reach the broker twice."""
    if idempotency_key is not None and not re.fullmatch(IDEMPOTENCY_KEY, idempotency_key):
        raise ValidationError(IDEMPOTENCY_KEY_RULE, field="idempotency_key")
    fields = clean_inquiry(name=name, phone=phone, email=email, message=message,
                           preferred_contact_time=preferred_contact_time)
    guard = None
    if idempotency_key is not None:
        guard = Guard(*Guard.idempotency_key("inquiry", f"{actor.user_id}#{idempotency_key}"),
                      fingerprint=_fingerprint(listing_id, fields))
        existing = _guarded_inquiry(guard, listing_id)
        if existing:
            return existing, False
    listing = listing_on_market(listing_id=listing_id, entitlements=entitlements)
    inquiry = Inquiry(inquiry_id=new_id(), listing_id=listing_id, listing_title=listing.title,
                      broker_id=listing.broker_id, buyer_id=actor.user_id, **fields)
    event = DomainEvent(EventType.INQUIRY_RECEIVED, {
        "inquiry_id": inquiry.inquiry_id, "listing_id": listing_id, "title": listing.title,
        "broker_id": listing.broker_id, "buyer_id": actor.user_id, "name": fields["name"],
        "neighborhood": listing.neighborhood})
    try:
        with db.transaction(conflict_message=None) as tx:
            if guard is not None:
                guard.ref = inquiry.inquiry_id
                guard.expires = datetime.now(UTC) + IDEMPOTENCY_WINDOW
                tx.create(guard)
            tx.save(inquiry)
            _counter(tx, listing_id, ListingStats.inquiries, 1)
            tx.save(to_outbox(event))
    except db.ConditionFailed as failed:
        raced = _guarded_inquiry(guard, listing_id) if failed.item is guard else None
        if raced is None:
            raise
        return raced, False
    return inquiry, True


def _guarded_inquiry(guard: Guard, listing_id: str) -> Inquiry | None:
    try:
        stored = Guard.get(guard.pk, guard.sk, consistent_read=True)
    except Guard.DoesNotExist:
        return None
    if stored.expires and stored.expires < datetime.now(UTC):
        return None
    if stored.fingerprint is not None and stored.fingerprint != guard.fingerprint:  # None: stored before fingerprints
        raise IdempotencyKeyReused("this idempotency key was used for a different inquiry; use a new key for a "
                                   "new message", field="idempotency_key")
    try:
        return Inquiry.get(*Inquiry.key(listing_id, stored.ref), consistent_read=True)
    except Inquiry.DoesNotExist:
        raise IdempotencyKeyReused("this idempotency key was used for another listing",
                                   field="idempotency_key") from None


def listing_record_view(*, listing_id: str, neighborhood: str = "", day: str | None = None) -> None:
    """Count a detail view: one atomic UpdateItem on the day's counter, which it creates on the first
    view of the day (with its type and index keys, so reports find it)."""
    stat = DailyViewStat(listing_id=listing_id, day=day or datetime.now(UTC).date().isoformat(),
                         neighborhood=neighborhood)
    stat.derive_keys()
    stat.update(actions=[
        DailyViewStat.views.add(1), DailyViewStat.type.set(DailyViewStat),
        DailyViewStat.listing_id.set(listing_id), DailyViewStat.day.set(stat.day),
        DailyViewStat.neighborhood.set(neighborhood), DailyViewStat.gsi5pk.set(stat.gsi5pk),
        DailyViewStat.gsi5sk.set(stat.gsi5sk)])
