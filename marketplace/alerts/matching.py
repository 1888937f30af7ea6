"""Alerts on events, never by scanning: when a listing enters the market (approved, its public date,
back on market) or its price or status changes, find who should hear of it and tell them.

Saved searches: the match index (``SearchMatchEntry``) gives, in four Queries, the searches that agree
with the listing on neighbourhood and property type and whose price bounds hold; each candidate is then
run exactly, as the listings search would run it, against an in-memory search index holding only this
listing (``marketplace.search_index``), with the buyer's entitlements when the listing is exclusive or
not yet public (``can_see``). Matches of instant searches are sent now; daily and weekly ones wait for
their digest (``PendingAlert``). A listing is sent once per search (``AlertSent``, claimed before sending).

Favorites: every buyer who saved the listing hears of a price change or a status change once
(``AlertSent`` per buyer, listing and event).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from pynamodb.exceptions import PutError

from marketplace.alerts.searches import Frequency, search_of
from marketplace.alerts.unsubscribe import link_for
from marketplace.config import settings
from marketplace.consumers import consume_once
from marketplace.delivery import recipients
from marketplace.delivery.email import send_email, suppressed_among
from marketplace.delivery.messages import CHANGES, MessageKind, listing_line, price_words, render
from marketplace.delivery.push import send_push
from marketplace.entitlements import ANONYMOUS, Entitlements, can_see, entitlements_of
from marketplace.event_types import EventType as Event
from marketplace.events import Queue
from marketplace.lifecycle import LISTED, Status
from marketplace.models import AlertSent, Favorite, Listing, PendingAlert, SearchMatchEntry, Subscription
from marketplace.observability import logger
from marketplace.outbox import detail_of
from marketplace.search_index import database
from marketplace.search_index.query import search as index_search

CONSUMER = Queue.ALERTS
ALERT_MEMORY = timedelta(days=180)  # how long "already sent for this search" is remembered
RENT = "rent"  # the purpose whose closing is a letting, not a sale


class Change:
    """What happened to a listing, as alerts speak of it."""

    NEW = "new"  # entered the market (approved, relisted)
    PUBLIC = "public"  # a coming-soon listing reached its public date
    BACK_ON_MARKET = "back_on_market"
    PRICE_DOWN = "price_down"
    PRICE_UP = "price_up"
    UNDER_CONTRACT = "under_contract"
    SOLD = "sold"
    RENTED = "rented"
    WITHDRAWN = "withdrawn"


# Which changes announce a listing to saved searches, and which are told to those who favorited it.
TO_SEARCHES = frozenset({Change.NEW, Change.PUBLIC, Change.BACK_ON_MARKET, Change.PRICE_DOWN})
TO_FAVORITES = frozenset({Change.PRICE_DOWN, Change.PRICE_UP, Change.UNDER_CONTRACT, Change.SOLD, Change.RENTED,
                          Change.BACK_ON_MARKET, Change.WITHDRAWN})


def _status_change(data: dict) -> str | None:
    source, target = data.get("from_status"), data.get("status")
    if target == Status.ACTIVE:
        if source == Status.UNDER_CONTRACT:
            return Change.BACK_ON_MARKET
        return Change.PUBLIC if source == Status.COMING_SOON else Change.NEW
    if target == Status.COMING_SOON:
        return Change.NEW
    if target == Status.UNDER_CONTRACT:
        return Change.UNDER_CONTRACT
    if target == Status.CLOSED:
        return Change.SOLD  # or rented: the listing's purpose says (``handle_message``)
    if target in (Status.WITHDRAWN, Status.EXPIRED) and source in LISTED:
        return Change.WITHDRAWN
    return None


def change_of(detail_type: str, data: dict) -> str | None:
    """The change an event reports, or None when alerts have nothing to say."""
    if detail_type == Event.LISTING_STATUS_CHANGED:
        return _status_change(data)
    if detail_type == Event.LISTING_UPDATED and "price" in (data.get("fields") or ()):
        old, new = data.get("previous_price"), data.get("price")
        if old is not None and new is not None and old != new and data.get("status") in LISTED:
            return Change.PRICE_DOWN if new < old else Change.PRICE_UP
    return None


@dataclass(frozen=True)
class Match:
    user_id: str
    search_id: str
    frequency: str


def candidates(listing: Listing) -> list[SearchMatchEntry]:
    """The match index's entries that agree with the listing on neighbourhood, type and price: four Queries."""
    price = None if listing.price_on_request or listing.price is None else int(listing.price)
    found = []
    for partition in SearchMatchEntry.partitions_for(listing.neighborhood, listing.property_type):
        for entry in SearchMatchEntry.in_partition(partition):
            bounded = entry.min_price is not None or entry.max_price is not None
            if bounded and (price is None or not (entry.min_price or 0) <= price <= (entry.max_price or price)):
                continue  # a price bound leaves price-on-request listings out, as the search does
            found.append(entry)
    return found


def _one_listing_index(listing: Listing) -> sqlite3.Connection:
    connection = database.empty()
    database.put_listing(connection, listing, listing_id=listing.listing_id)
    return connection


def _entitlements(user_ids: Iterable[str]) -> dict[str, Entitlements]:
    keys = [Subscription.key(user_id) for user_id in set(user_ids)]
    found = {s.user_id: entitlements_of(s) for s in Subscription.batch_get(keys)} if keys else {}
    return found


def matching_searches(listing: Listing, *, at: datetime | None = None) -> list[Match]:
    """The saved searches ``listing`` matches now, each checked as the listings search checks it."""
    entries = [e for e in candidates(listing) if e.frequency != Frequency.OFF]
    if not entries:
        return []
    moment = at or datetime.now(UTC)
    # Only an exclusive or not-yet-public listing depends on who is asking: read entitlements then only.
    restricted = not can_see(listing, ANONYMOUS, at=moment)
    entitled = _entitlements(e.user_id for e in entries) if restricted else {}
    connection = _one_listing_index(listing)
    matches = []
    for entry in entries:
        entitlements = entitled.get(entry.user_id, ANONYMOUS)
        if restricted and not can_see(listing, entitlements, at=moment):
            continue
        page = index_search(connection, request=search_of(entry.criteria), entitlements=entitlements, limit=1, at=moment)
        if page.items:
            matches.append(Match(user_id=entry.user_id, search_id=entry.search_id, frequency=entry.frequency))
    return matches


def claim(scope: str, item: str, *, user_id: str) -> bool:
    """Mark ``item`` sent for ``scope``; False when it was already (the conditional put failed)."""
    sent = AlertSent(user_id=user_id)
    sent.pk, sent.sk = AlertSent.key(scope, item)
    sent.expires = datetime.now(UTC) + ALERT_MEMORY
    try:
        sent.save(condition=AlertSent.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def release(scope: str, item: str) -> None:
    """Forget a claim whose message could not be sent, so a retry sends it."""
    AlertSent(*AlertSent.key(scope, item)).delete()


def listing_url(listing_id: str) -> str:
    return f"{settings().site_url}/listings/{listing_id}"


def _deliver(person: recipients.Recipient, *, kind: MessageKind, data: dict, items, push_data: dict,
             unsubscribe_url: str | None = None, suppressed: frozenset[str] = frozenset()) -> None:
    email = render(kind, language=person.language, data=data, name=person.name, items=items,
                   unsubscribe_url=unsubscribe_url)
    if person.push_on:
        send_push(recipient=person.user_id, kind=kind.value, title=email.subject, body=email.summary, data=push_data,
                  apps=person.apps)
    if person.email_on and person.email and person.email.lower() not in suppressed:
        send_email(to=person.email, email=email, check_suppression=False)


def _send_instant(listing: Listing, matches: list[Match], names: dict[str, str]) -> int:
    people = recipients.people(m.user_id for m in matches)
    suppressed = frozenset(suppressed_among(p.email for p in people.values()))
    sent = 0
    for match in matches:
        if not claim(match.search_id, listing.listing_id, user_id=match.user_id):
            continue  # already sent for this search
        person = people[match.user_id]
        try:
            line = listing_line(listing, url=listing_url(listing.listing_id), language=person.language)
            _deliver(person, kind=MessageKind.SEARCH_ALERT, data={"search_name": names.get(match.search_id, ""),
                     "title": listing.title}, items=[line], suppressed=suppressed,
                     push_data={"listing_id": listing.listing_id, "search_id": match.search_id},
                     unsubscribe_url=link_for(user_id=match.user_id, search_id=match.search_id))
        except Exception:
            release(match.search_id, listing.listing_id)
            raise
        sent += 1
    return sent


def _queue_for_digest(listing: Listing, matches: list[Match], names: dict[str, str]) -> int:
    for match in matches:
        pending = PendingAlert(user_id=match.user_id, search_id=match.search_id, listing_id=listing.listing_id,
                               search_name=names.get(match.search_id, ""))
        pending.pk, pending.sk = PendingAlert.key(match.frequency, match.user_id, match.search_id, listing.listing_id)
        pending.save()  # idempotent: the same match twice is one item
    return len(matches)


def _search_names(matches: list[Match]) -> dict[str, str]:
    from marketplace.models import SavedSearch

    keys = [SavedSearch.key(m.user_id, m.search_id) for m in matches]
    return {s.search_id: s.name for s in SavedSearch.batch_get(keys, attributes_to_get=["type", "search_id", "name"])} if keys else {}


def alert_searches(listing: Listing) -> dict[str, int]:
    """Send or queue the alerts of saved searches ``listing`` matches: how many of each."""
    matches = matching_searches(listing)
    names = _search_names(matches)
    instant = [m for m in matches if m.frequency == Frequency.INSTANT]
    later = [m for m in matches if m.frequency != Frequency.INSTANT]
    return {"matched": len(matches), "sent": _send_instant(listing, instant, names) if instant else 0,
            "queued": _queue_for_digest(listing, later, names) if later else 0}


def _change_words(change: str, data: dict, language: str) -> str:
    return CHANGES[language][change].format(old_price=price_words(data.get("previous_price"), language=language),
                                            new_price=price_words(data.get("price"), language=language))


def alert_favorites(listing: Listing, change: str, data: dict, *, event_id: str) -> int:
    """Tell each buyer who saved the listing of this change, once: how many were told."""
    fans = [item.gsi6sk for item in Favorite.fans_of(listing.listing_id)]  # gsi6 holds keys: the user id
    if not fans:
        return 0
    people = recipients.people(fans)
    suppressed = frozenset(suppressed_among(p.email for p in people.values()))
    told = 0
    for user_id in fans:
        scope = AlertSent.favorites_scope(user_id)
        if not claim(scope, f"{listing.listing_id}#{event_id}", user_id=user_id):
            continue
        person = people[user_id]
        try:
            line = listing_line(listing, url=listing_url(listing.listing_id), language=person.language)
            _deliver(person, kind=MessageKind.FAVORITE_CHANGED, suppressed=suppressed, items=[line],
                     data={"title": listing.title, "change": _change_words(change, data, person.language)},
                     push_data={"listing_id": listing.listing_id, "change": change})
        except Exception:
            release(scope, f"{listing.listing_id}#{event_id}")
            raise
        told += 1
    return told


def handle_message(body: str) -> dict:
    detail_type, detail = detail_of(body)
    data = detail["data"]
    change = change_of(detail_type, data)
    outcome: dict = {"change": change}
    if change is None:
        return outcome

    def alert() -> None:
        listing = Listing.get_or_none(data["listing_id"], consistent=True)
        if listing is None:
            return
        if change in TO_SEARCHES and listing.is_listed:
            outcome.update(alert_searches(listing))
        if change in TO_FAVORITES:
            told = Change.RENTED if change == Change.SOLD and listing.purpose == RENT else change
            outcome["favorites"] = alert_favorites(listing, told, data, event_id=detail["event_id"])
        logger.info("alerts", extra={"listing_id": listing.listing_id, **outcome})

    consume_once(consumer=CONSUMER, event_id=detail["event_id"], handler=alert)
    return outcome


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the alerts queue (partial batch responses)."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
