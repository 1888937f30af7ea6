"""Listing writes: create, edit and every lifecycle action, through the one transition table.

Each write is one transaction: the listing (conditioned on the version that was read: optimistic
locking), its audit entry and its events. An illegal action or a non-owner raises before anything is
written; a concurrent change raises ``Conflict``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace import db, history
from marketplace.actors import SYSTEM, Actor
from marketplace.audit import audit_entry
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.formatting import status as status_words
from marketplace.ids import new_id
from marketplace.licensing import listing_requires_licence, refusal
from marketplace.lifecycle import (
    EDITABLE_BY_BROKER,
    LISTED,
    Action,
    Move,
    Status,
    apply,
    check,
    check_editable,
    check_reason,
    require_licence,
)
from marketplace.listing_fields import (
    EDITABLE_FIELDS,
    PRICE_FIELDS,
    clean_listing_fields,
    describe,
    geohash_of,
)
from marketplace.media_kinds import PHOTO_KINDS, MediaState
from marketplace.models import BrokerProfile, Listing, ListingHistory, ListingStats, Seller, iso
from marketplace.observability import logger
from marketplace.search_keys import search_key
from marketplace.selectors.agencies import licence_of_broker
from marketplace.selectors.listings import listings_by_status
from marketplace.selectors.media import media_for_listing
from marketplace.services.duplicates import fingerprint_of, fingerprint_refreshed
from marketplace.services.media import media_approved_with_listing, media_versions_discard

AUDITED_FIELDS = (*EDITABLE_FIELDS, "status", "premium", "public_at", "rejection_reason", "change_note")


def _snapshot(listing: Listing) -> dict:
    return {f: getattr(listing, f) for f in AUDITED_FIELDS}


def _load(listing_id: str) -> Listing:
    return Listing.get_or_not_found(listing_id, consistent=True)


def _load_at(listing_id: str, expected_version: int) -> Listing:
    """The listing as the actor read it (``db.check_version``: the version is required, a stale one is
    refused before anything is written, and the write is conditioned on it)."""
    listing = _load(listing_id)
    db.check_version(listing, expected_version, noun="listing")
    return listing


def _check_seller(cleaned: dict) -> None:
    """A listing names a seller recorded in the sellers' directory, never any string."""
    seller_id = cleaned.get("seller_id")
    if seller_id is None:
        return
    try:
        Seller.get(*Seller.key(seller_id))
    except Seller.DoesNotExist:
        raise ValidationError("is not a seller: choose one from the list", field="seller_id") from None


def _check_editable(listing: Listing, *, actor: Actor, fields: dict) -> Action:
    """Which edit this is, or why it is refused (with what the editor can do instead)."""
    status = Status(listing.status)
    check_editable(status)
    if actor.is_admin:
        return Action.ADMIN_EDIT
    if status in EDITABLE_BY_BROKER:
        return Action.EDIT
    locked = sorted(set(fields) - set(PRICE_FIELDS))
    if locked and actor.user_id == listing.broker_id and status in LISTED:
        raise ValidationError(describe(locked[0], f"cannot change while the listing is {status_words(status).lower()}: "
                                       "withdraw it first, or change only the price"), field=locked[0])
    return Action.EDIT_PRICE


def _event_data(listing: Listing, **extra) -> dict:
    return {"listing_id": listing.listing_id, "title": listing.title, "broker_id": listing.broker_id,
            "status": listing.status, "neighborhood": listing.neighborhood, "premium": listing.premium,
            "submitted_at": iso(listing.submitted_at) if listing.submitted_at else None,
            "price": _asking(listing.price, listing.price_on_request), **extra}


def _asking(price, on_request) -> int | None:
    """The asking price buyers see (None while on request): what alerts of a price change compare."""
    return None if on_request or price is None else int(price)


def _commit(listing: Listing, *, actor: Actor, action: str, before: dict, events: list[DomainEvent],
            reason: str | None = None, extra_items=(), extra_saves=(), after: dict | None = None,
            conflict_field: str = "expected_version") -> Listing:
    """One transaction: the listing (a new ``version``, conditioned on the write version it was loaded at), its audit entry, its
    events; ``extra_items`` are created (never overwritten), ``extra_saves`` saved (at their versions).
    A failed condition is a ``Conflict`` naming ``conflict_field`` (the version read; a new listing's id)."""
    listing.updated_at = datetime.now(UTC)
    if before:  # a new listing starts at its first version
        listing.bump_version()
    extra_items = [*extra_items, *_history_items(listing, before=before)]
    with db.transaction(conflict_message=db.stale_message("listing"), conflict_field=conflict_field) as tx:
        tx.save(listing)
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing.listing_id, action=action,
                            before=before, after={**_snapshot(listing), **(after or {})}, reason=reason))
        for event in events:
            tx.save(to_outbox(event))
        for item in extra_items:
            tx.create(item)
        for item in extra_saves:
            tx.save(item)
    return listing


def _history_items(listing: Listing, *, before: dict) -> list[ListingHistory]:
    """The market history this write makes (``marketplace.history``), dated when the status changed (the
    scheduler's clock for its sweeps) or now."""
    after = _snapshot(listing)
    at = listing.status_changed_at if before and before["status"] != listing.status else listing.updated_at
    return [ListingHistory(listing_id=listing.listing_id, history_id=new_id(), broker_id=listing.broker_id,
                           change_type=change.change_type.value, at=at, status=change.status,
                           previous_status=change.previous_status, price=change.price,
                           previous_price=change.previous_price)
            for change in history.changes(before=before, after=after)]


def _apply_fields(listing: Listing, fields: dict) -> None:
    attributes = Listing.get_attributes()
    for name, value in fields.items():
        if value is None and not attributes[name].null:
            continue  # an empty optional input keeps the default ("sale", no description yet)
        setattr(listing, name, value)
    if "latitude" in fields or "longitude" in fields:
        listing.geohash = geohash_of(listing.latitude, listing.longitude)
    if listing.price_on_request:
        listing.price = None


def listing_create(*, actor: Actor, fields: dict, listing_id: str | None = None) -> Listing:
    """A broker starts a listing as a draft (it may be incomplete until submitted). A caller that must
    not create twice (a seeding rerun) passes its own ``listing_id``: a second create with it is a
    ``Conflict`` and writes nothing."""
    if not actor.is_broker:
        raise PermissionDenied("only brokers create listings")
    cleaned = clean_listing_fields(fields)
    _check_seller(cleaned)
    # The broker's name, company and verification are read from their profile when the listing is shown.
    listing = Listing(listing_id=listing_id or new_id(), broker_id=actor.user_id, status=Status.DRAFT.value,
                      broker_key=broker_search_key(broker_id=actor.user_id))
    _apply_fields(listing, cleaned)
    created = DomainEvent(EventType.LISTING_CREATED, _event_data(listing))
    return _commit(listing, actor=actor, action="create", before={}, events=[created],
                   extra_items=[ListingStats(listing_id=listing.listing_id)], conflict_field="listing_id")


def broker_search_key(*, broker_id: str) -> str | None:
    """The broker's name as the admin's listings search compares it (``Listing.broker_key``): one GetItem
    of the profile, None while the broker has none (``broker_rename`` and the backfill write it later)."""
    profile = BrokerProfile.get_or_none(broker_id)
    return search_key(profile.name) if profile else None


@db.rewritten_after_system_writes
def listing_update(*, actor: Actor, listing_id: str, fields: dict, expected_version: int) -> Listing:
    """Edit fields. Owners edit freely before listing (the listing returns to draft) and only the price
    while listed; admins edit any field of any listing that is not closed, without changing status.
    ``expected_version`` is the version the editor read: required, so no edit overwrites another."""
    listing = _load_at(listing_id, expected_version)
    action = _check_editable(listing, actor=actor, fields=fields)
    rule = check(action, status=listing.status, actor=actor, owner_id=listing.broker_id)
    cleaned = clean_listing_fields(fields, partial=True)
    _check_seller(cleaned)
    before = _snapshot(listing)
    needed_licence = listing_requires_licence(listing)
    _apply_fields(listing, cleaned)
    if listing.is_listed and not needed_licence:
        # A listed price raised above the licensed-deal threshold is held as an approval above it is.
        require_licence(listing, Move(moment=datetime.now(UTC),
                                      licence=lambda: licence_of_broker(broker_id=listing.broker_id)))
    if rule.target is not None and rule.target != listing.status:
        listing.status = rule.target.value
        listing.status_changed_at = datetime.now(UTC)
        listing.rejection_reason = None
    events = [DomainEvent(EventType.LISTING_UPDATED, _event_data(
        listing, fields=sorted(cleaned), previous_price=_asking(before.get("price"), before.get("price_on_request"))))]
    # Price, land and place are what duplicate detection compares: the fingerprint follows the edit.
    fingerprint = fingerprint_refreshed(listing, media_for_listing(listing_id=listing.listing_id, consistent=True))
    return _commit(listing, actor=actor, action=rule.action.value, before=before, events=events,
                   extra_saves=[fingerprint] if fingerprint else ())


@db.rewritten_after_system_writes
def listing_transition(*, actor: Actor, listing_id: str, action: Action | str, expected_version: int,
                       reason: str | None = None, public_at: datetime | None = None,
                       premium: bool | None = None, at: datetime | None = None) -> Listing:
    """Take one lifecycle action (submit, approve, reject, withdraw, ...) on a listing, at the version the
    actor read (``expected_version``: a stale one is a ``Conflict`` naming it, and nothing is written).
    ``at`` is the scheduler's clock (defaults to now). Approving puts the processed media the admin
    reviewed with the listing live with it (``media_approved_with_listing``)."""
    listing = _load_at(listing_id, expected_version)
    rule = check(action, status=listing.status, actor=actor, owner_id=listing.broker_id, reason=reason)
    before, source = _snapshot(listing), listing.status
    move = Move(moment=at or datetime.now(UTC), reason=reason, public_at=public_at, premium=premium,
                photos=lambda: _photos_uploaded(listing.listing_id),
                licence=lambda: licence_of_broker(broker_id=listing.broker_id, at=at))
    event_types = apply(rule, listing, move)
    approved, superseded = media_approved_with_listing(listing) if rule.approves_media else ([], {})
    told = _event_data(listing, from_status=source, reason=reason, action=rule.action.value, by=actor.email)
    events = [DomainEvent(event_types[0], told)] + [
        DomainEvent(event_type, _event_data(listing, from_status=source, reason=reason))
        for event_type in event_types[1:]]
    after = {"approved_media": [m.media_id for m in approved]} if approved else {}
    # What duplicate detection compares, as the listing now is (marketplace.services.duplicates).
    fingerprint = fingerprint_of(listing, media_for_listing(listing_id=listing.listing_id, consistent=True))
    committed = _commit(listing, actor=actor, action=rule.action.value, before=before, reason=reason,
                        events=events, extra_saves=[*approved, fingerprint], after=after)
    media_versions_discard(listing_id=listing.listing_id, versions=superseded)
    return committed


def _photos_uploaded(listing_id: str) -> int:
    """Photos a broker has uploaded (being processed or ready; not failed) when submitting: processing is
    asynchronous, and the moderation checklist counts the processed ones before approval."""
    return sum(1 for m in media_for_listing(listing_id=listing_id, consistent=True)
               if m.kind in PHOTO_KINDS and m.state != MediaState.FAILED)


def listings_bulk_transition(*, actor: Actor, versions: dict[str, int | None], action: Action | str,
                             reason: str | None = None) -> dict[str, str]:
    """The same action on many listings (bulk approve/reject), each at the version the admin saw
    (``versions``: listing id -> version). A missing reason is refused before any listing is touched;
    then each listing commits on its own, and the result says, per id, "ok" or why it was refused."""
    check_reason(action, reason)
    results: dict[str, str] = {}
    for listing_id, version in versions.items():
        try:
            listing_transition(actor=actor, listing_id=listing_id, action=action, reason=reason,
                               expected_version=version)
            results[listing_id] = "ok"
        except (NotFound, PermissionDenied, IllegalTransition, ValidationError, Conflict) as error:
            results[listing_id] = error.message
    return results


def listing_publish_due(*, actor: Actor, at: datetime | None = None) -> list[str]:
    """The scheduler's sweep: coming-soon listings whose public date has come become active, each at the
    version the sweep read (the index is eventually consistent: one changed meanwhile is left for the
    next sweep to read again, and the others go on). One the licensed-deal rule holds on that date (its
    agency's licence lapsed since the approval) is withdrawn with the rule's refusal as its note
    (``Action.HOLD_UNLICENSED``) rather than published. Returns the ids published."""
    moment = at or datetime.now(UTC)
    due = [listing for listing in listings_by_status(status=Status.COMING_SOON, limit=1000).items
           if listing.public_at and listing.public_at <= moment]
    published, held = [], []
    for listing in due:
        try:
            listing_transition(actor=actor, listing_id=listing.listing_id, action=Action.PUBLISH_DUE, at=moment,
                               expected_version=listing.version)
            published.append(listing.listing_id)
        except IllegalTransition as refused:
            if refused.field != "agency":  # changed since the sweep read it: the next sweep reads it again
                logger.info("coming-soon listing not published", extra={"listing_id": listing.listing_id,
                                                                        "why": refused.message})
                continue
            # The licensed-deal rule holds it: withdrawn with the refusal as its note, never public.
            held += listings_sweep_transition(actor=actor, listings=[listing], action=Action.HOLD_UNLICENSED,
                                              at=moment, reason=refused.message)
        except Conflict:
            logger.info("listing changed since the sweep read it; the next sweep reads it again",
                        extra={"listing_id": listing.listing_id, "action": Action.PUBLISH_DUE.value})
    if held:
        logger.warning("coming-soon listings held back: their agency's licence is not valid on their public date",
                       extra={"listing_ids": held})
    return published


def listings_hold_unlicensed(*, broker_ids, due_only: bool = False, at: datetime | None = None) -> list[str]:
    """When a licence stops being valid by an admin's change (revoked, a renewal awaiting verification, a broker
    out of their agency), not by the clock: these brokers' coming-soon listings the licensed-deal rule now
    holds are withdrawn at once through the clock's own step (``Action.HOLD_UNLICENSED``, the refusal as its
    note, the broker told by ``ListingHeld``), rather than at the next tick after their public date (until
    which reads show one past its date as public). ``due_only``: only those whose public date has come (the
    others are asked again on their date: a renewal is usually verified before then). Idempotent: a held
    listing is no longer coming soon. Returns the ids held."""
    moment = at or datetime.now(UTC)
    held = []
    for broker_id in dict.fromkeys(filter(None, broker_ids)):
        covered = [listing for listing in Listing.of_broker(broker_id, Status.COMING_SOON)
                   if listing_requires_licence(listing)
                   and not (due_only and listing.public_at and listing.public_at > moment)]
        if not covered:
            continue
        licence = licence_of_broker(broker_id=broker_id, at=moment)
        if licence.valid:
            continue
        held += listings_sweep_transition(actor=SYSTEM, listings=covered, action=Action.HOLD_UNLICENSED, at=moment,
                                          reason=lambda listing, licence=licence: refusal(
                                              licence, neighborhood=listing.neighborhood))
    if held:
        logger.warning("coming-soon listings held back: their agency's licence is no longer valid",
                       extra={"listing_ids": held})
    return held


def listings_sweep_transition(*, actor: Actor, listings, action: Action, at: datetime,
                              reason=None) -> list[str]:
    """A sweep's action on the listings it read, each at the version read: one changed meanwhile is left
    for the next sweep to read again (the indexes are eventually consistent), and the others go on.
    ``reason`` is a text, or a function of the listing. Returns the ids done."""
    done = []
    for listing in listings:
        try:
            listing_transition(actor=actor, listing_id=listing.listing_id, action=action, at=at,
                               expected_version=listing.version, reason=reason(listing) if callable(reason) else reason)
        except (Conflict, IllegalTransition) as error:
            logger.info("listing changed since the sweep read it; the next sweep reads it again",
                        extra={"listing_id": listing.listing_id, "action": action.value, "why": error.message})
            continue
        done.append(listing.listing_id)
    return done
