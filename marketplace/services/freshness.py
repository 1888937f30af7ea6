"""Listings that stay true: an active listing its broker has not confirmed for 30 days asks them to
(``ListingReconfirmationDue``: the notification, the back office's banner); at 45 days the clock expires it
and it leaves search (the search index drops it on ListingStatusChanged; the DynamoDB path's indexes are
sparse). The broker confirms, or reinstates an expired listing, with one click (``Action.CONFIRM``).

The sweep reads only what it must: active listings are indexed by their last confirmation (gsi5
``STATUS#active``), so it reads the ones past 45 days and the ones that crossed 30 days in the last
``ASK_WINDOW``, never the rest. Each listing is asked once per confirmation (an idempotency guard written
with the event). In AWS an EventBridge schedule invokes ``handler`` daily; locally a worker calls ``sweep``.

Sold and let listings stay in search with their badge for ``Settings.sold_shown_days`` after closing; the
same sweep then takes them out (``Action.LEAVE_SEARCH``), reading only those whose days are over (gsi1
``CLOSED_SHOWN``, by closing date). Until it runs, buyers' reads leave such a listing out by its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marketplace import db
from marketplace.actors import SYSTEM, Actor
from marketplace.config import settings
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.lifecycle import Action, Status, shown_after_closing
from marketplace.models import Guard, Listing, iso
from marketplace.observability import logger
from marketplace.services.listings import listings_sweep_transition

# A listing crossing the reconfirmation age is asked by the next run; two days of window also catch up a
# missed daily run (the guard keeps it to one ask).
ASK_WINDOW = timedelta(days=2)
ASK_SCOPE = "reconfirm"
SWEEP_LIMIT = 1000  # per run and kind: the next run takes the rest


def reconfirm_after() -> timedelta:
    return timedelta(days=settings().listing_reconfirm_days)


def expire_after() -> timedelta:
    return timedelta(days=settings().listing_expire_days)


def needs_confirmation(listing: Listing, *, at: datetime | None = None) -> bool:
    """An active listing its broker has not confirmed for the reconfirmation age (the back office's banner)."""
    moment = at or datetime.now(UTC)
    return listing.status == Status.ACTIVE and listing.confirmed_at <= moment - reconfirm_after()


def expires_on(listing: Listing) -> datetime:
    """When the clock expires the listing unless its broker confirms it first."""
    return listing.confirmed_at + expire_after()


@dataclass(frozen=True)
class Freshness:
    """What the back office shows of a listing's confirmation."""

    confirmed_at: datetime | None = None  # active and expired listings only
    leaves_search_on: datetime | None = None  # active listings, and sold or let ones still in search
    due: bool = False  # active and unconfirmed for the reconfirmation age: the broker is asked
    expired: bool = False  # expired for want of confirmation: "Still available" reinstates it
    closed_at: datetime | None = None  # sold or let: buyers see the badge of this date while it is in search
    closed_label: str = ""  # "Sold" or "Rented"


def freshness_of(listing: Listing, *, at: datetime | None = None) -> Freshness:
    if listing.status == Status.ACTIVE:
        return Freshness(confirmed_at=listing.confirmed_at, leaves_search_on=expires_on(listing),
                         due=needs_confirmation(listing, at=at))
    if listing.status == Status.EXPIRED:
        return Freshness(confirmed_at=listing.confirmed_at, expired=True)
    if listing.status == Status.CLOSED and listing.closed_at is not None:
        moment = at or datetime.now(UTC)
        shown = shown_after_closing(listing, at=moment)
        return Freshness(closed_at=listing.closed_at, closed_label="Rented" if listing.purpose == "rent" else "Sold",
                         leaves_search_on=listing.closed_at + sold_shown() if shown else None)
    return Freshness()


def sold_shown() -> timedelta:
    return timedelta(days=settings().sold_shown_days)


def listings_expire_unconfirmed(*, actor: Actor, at: datetime | None = None) -> list[str]:
    """Expire active listings unconfirmed for the expiry age, each at the version the sweep read (one changed
    meanwhile, e.g. just confirmed, is left for the next run to read again)."""
    moment = at or datetime.now(UTC)
    return listings_sweep_transition(
        actor=actor, listings=Listing.active_confirmed_before(moment - expire_after(), limit=SWEEP_LIMIT),
        action=Action.EXPIRE, at=moment,
        reason=lambda listing: f"not confirmed since {listing.confirmed_at.date().isoformat()}")


def _ask(listing: Listing) -> bool:
    """Tell the broker once per confirmation: the guard and the event in one transaction."""
    guard = Guard(*Guard.idempotency_key(ASK_SCOPE, f"{listing.listing_id}#{iso(listing.confirmed_at)}"),
                  ref=listing.listing_id)
    guard.expires = expires_on(listing) + timedelta(days=30)
    told = DomainEvent(EventType.LISTING_RECONFIRMATION_DUE, {
        "listing_id": listing.listing_id, "title": listing.title, "broker_id": listing.broker_id,
        "last_confirmed_at": iso(listing.confirmed_at), "expires_on": expires_on(listing).date().isoformat()})
    try:
        with db.transaction(conflict_message=None) as tx:
            tx.create(guard)
            tx.save(to_outbox(told))
    except db.ConditionFailed:
        return False  # asked already
    return True


def listings_ask_reconfirmation(*, at: datetime | None = None) -> list[str]:
    """Ask the brokers of active listings that crossed the reconfirmation age within ``ASK_WINDOW``."""
    moment = at or datetime.now(UTC)
    line = moment - reconfirm_after()
    return [listing.listing_id for listing in Listing.active_confirmed_between(line - ASK_WINDOW, line,
                                                                              limit=SWEEP_LIMIT)
            if _ask(listing)]


def listings_leave_search_after_closing(*, actor: Actor, at: datetime | None = None) -> list[str]:
    """Take sold and let listings out of search once their days there are over: one Query of the due ones
    (gsi1 ``CLOSED_SHOWN``, card projection), then each listing read and changed at its version."""
    moment = at or datetime.now(UTC)
    due = Listing.closed_shown_before(moment - sold_shown(), limit=SWEEP_LIMIT)
    listings = (listing for card in due if (listing := Listing.get_or_none(card.listing_id, consistent=True)))
    return listings_sweep_transition(actor=actor, listings=listings, action=Action.LEAVE_SEARCH, at=moment)


def sweep(*, at: datetime | None = None) -> dict[str, list[str]]:
    moment = at or datetime.now(UTC)
    expired = listings_expire_unconfirmed(actor=SYSTEM, at=moment)
    asked = listings_ask_reconfirmation(at=moment)
    left = listings_leave_search_after_closing(actor=SYSTEM, at=moment)
    if expired or asked or left:
        logger.info("listing freshness sweep", extra={"expired": expired, "asked": asked, "left_search": left})
    return {"expired": expired, "asked": asked, "left_search": left}


def handler(event: dict, context=None) -> dict:
    return sweep()
