"""Digests: at 07:00 Kathmandu time, one message per buyer for each period (daily every morning, weekly on
Sunday mornings, the first day of Nepal's working week), with at most ``MAX_LISTINGS`` listings, never one
already sent for the same search.

A run reads its frequency's ``PendingAlert`` partition in buyer order (one Query, paged), reads 50
buyers' profiles, preferences and suppressions at a time (``CHUNK``), and for each buyer: reads the listings (BatchGet, card attributes, once per run), drops what is no longer visible to them, claims
each (search, listing) pair (``AlertSent``: a listing an instant alert or an earlier digest already sent
for that search is skipped), sends one message, and deletes the buyer's pending items (BatchWrite). A
run that dies part-way leaves the unsent buyers' items for the next run; a buyer whose message was sent
has had every listing claimed, so a rerun never sends them the same listing again.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time
from itertools import batched, groupby, repeat

from marketplace.alerts.backlog import moderation_summary
from marketplace.alerts.matching import claim, listing_url, release
from marketplace.alerts.searches import Frequency
from marketplace.alerts.unsubscribe import link_for
from marketplace.delivery import recipients
from marketplace.delivery.email import send_email, suppressed_among
from marketplace.delivery.messages import MessageKind, listing_line, render
from marketplace.delivery.push import send_push
from marketplace.entitlements import ANONYMOUS, can_see, entitlements_of
from marketplace.formatting import KATHMANDU
from marketplace.models import Listing, PendingAlert, Subscription
from marketplace.observability import logger
from marketplace.table import CARD_ATTRIBUTES

MAX_LISTINGS = 14
CHUNK = 50  # buyers whose profiles, preferences and suppressions are read in one BatchGet each
SENDERS = 8  # buyers' messages sent at once (threads: the time is spent waiting on DynamoDB, SES and SNS)
SEND_AT = time(7, 0)  # local time of every digest
WEEKLY_ON = 6  # Sunday (Monday is 0)
# EventBridge schedules run in UTC: 07:00 in Kathmandu (UTC+5:45, no daylight saving) is 01:15 UTC.
SCHEDULES = {Frequency.DAILY: "cron(15 1 * * ? *)", Frequency.WEEKLY: "cron(15 1 ? * SUN *)"}


def due(moment: datetime) -> list[Frequency]:
    """The digests due at ``moment`` (for a clock that ticks each minute: the minute of 07:00 Kathmandu)."""
    local = moment.astimezone(KATHMANDU)
    if (local.hour, local.minute) != (SEND_AT.hour, SEND_AT.minute):
        return []
    return [Frequency.DAILY, *([Frequency.WEEKLY] if local.weekday() == WEEKLY_ON else [])]


def _buyers(frequency: str) -> Iterator[tuple[str, list[PendingAlert]]]:
    items = PendingAlert.waiting(frequency, page_size=500)
    for user_id, group in groupby(items, key=lambda item: item.user_id):
        yield user_id, list(group)


def _listings(ids: list[str]) -> dict[str, Listing]:
    keys = [Listing.key(i) for i in dict.fromkeys(ids)]
    return {item.listing_id: item for item in Listing.batch_get(keys, attributes_to_get=CARD_ATTRIBUTES)} if keys else {}


def _visible(user_id: str, listings: dict[str, Listing], at: datetime) -> set[str]:
    """The listings the buyer may see now; their subscription is read only when some listing needs it."""
    to_anyone = {i for i, listing in listings.items() if can_see(listing, ANONYMOUS, at=at)}
    if len(to_anyone) == len(listings):
        return to_anyone
    entitlements = entitlements_of(Subscription.get_or_none(user_id))
    return {i for i, listing in listings.items() if can_see(listing, entitlements, at=at)}


def _chosen(user_id: str, pending: list[PendingAlert], listings: dict[str, Listing], at: datetime) -> list[PendingAlert]:
    """Up to ``MAX_LISTINGS`` still-visible listings, newest match first, each claimed for its search,
    one listing once even when several searches matched it."""
    visible = _visible(user_id, listings, at)
    chosen, seen = [], set()
    for item in sorted(pending, key=lambda p: p.created_at, reverse=True):
        if item.listing_id not in visible or item.listing_id in seen or len(chosen) >= MAX_LISTINGS:
            continue
        if claim(item.search_id, item.listing_id, user_id=user_id):
            chosen.append(item)
            seen.add(item.listing_id)
    return chosen


def _send(person: recipients.Recipient, chosen: list[PendingAlert], listings: dict[str, Listing],
          suppressed: frozenset[str]) -> None:
    lines = [listing_line(listings[p.listing_id], url=listing_url(p.listing_id), language=person.language)
             for p in chosen]
    names = sorted({p.search_name for p in chosen if p.search_name})
    only_search = {p.search_id for p in chosen}
    unsubscribe = link_for(user_id=person.user_id, search_id=chosen[0].search_id) if len(only_search) == 1 else None
    email = render(MessageKind.DIGEST, language=person.language, name=person.name, items=lines,
                   data={"count": len(lines), "searches": ", ".join(names)}, unsubscribe_url=unsubscribe)
    if person.push_on:
        send_push(recipient=person.user_id, kind=MessageKind.DIGEST.value, title=email.subject, body=email.summary,
                  data={"listing_ids": [p.listing_id for p in chosen]})
    if person.email_on and person.email and person.email.lower() not in suppressed:
        send_email(to=person.email, email=email, check_suppression=False)


def _buyer_digest(person: recipients.Recipient, pending: list[PendingAlert], listings: dict[str, Listing], *,
                  suppressed: frozenset[str], at: datetime) -> int:
    chosen = _chosen(person.user_id, pending, listings, at)
    if chosen:
        try:
            _send(person, chosen, listings, suppressed)
        except Exception:
            for item in chosen:
                release(item.search_id, item.listing_id)
            raise
    return len(chosen)


def _chunk(frequency: str, listings: dict[str, Listing]) -> Iterator[tuple[list, dict, frozenset[str]]]:
    """Buyers ``CHUNK`` at a time, with what their messages need read together: the listings not read yet
    (one BatchGet), the buyers' profiles and preferences (one BatchGet), their suppressed addresses."""
    for chunk in batched(_buyers(frequency), CHUNK):
        listings.update(_listings([p.listing_id for _, items in chunk for p in items if p.listing_id not in listings]))
        people = recipients.people(user_id for user_id, _ in chunk)
        yield list(chunk), people, frozenset(suppressed_among(p.email for p in people.values()))


def _attempt(person: recipients.Recipient, pending: list[PendingAlert], listings: dict[str, Listing],
             suppressed: frozenset[str], at: datetime) -> int | None:
    """One buyer's digest; None when it failed (their items stay for the next run)."""
    try:
        return _buyer_digest(person, pending, listings, suppressed=suppressed, at=at)
    except Exception:  # noqa: BLE001 - one buyer's failure must not stop everyone's digest; retried next run
        logger.exception("digest failed for a buyer", extra={"user_id": person.user_id})
        return None


def digest_run(*, frequency: str, at: datetime | None = None) -> dict:
    """Send the ``frequency`` digest to every buyer with matches waiting: buyers and listings sent. A
    buyer's pending items are deleted once their message is sent (or when nothing was left to send).
    ``SENDERS`` buyers of a chunk are sent at once: each waits on SES and SNS, not on the CPU."""
    moment = at or datetime.now(UTC)
    buyers = sent_listings = failed = 0
    listings: dict[str, Listing] = {}  # read once per run: many buyers share listings
    with ThreadPoolExecutor(max_workers=SENDERS) as senders:
        for chunk, people, suppressed in _chunk(frequency, listings):
            outcomes = list(senders.map(_attempt, [people[user_id] for user_id, _ in chunk],
                                        [pending for _, pending in chunk], repeat(listings), repeat(suppressed),
                                        repeat(moment)))
            with PendingAlert.batch_write() as done:
                for (_, pending), sent in zip(chunk, outcomes, strict=True):
                    if sent is None:
                        failed += 1
                        continue
                    for item in pending:
                        done.delete(item)
                    buyers += bool(sent)
                    sent_listings += sent
    result = {"frequency": frequency, "buyers": buyers, "listings": sent_listings, "failed": failed}
    logger.info("digest sent", extra=result)
    return result


def handler(event: dict, context=None) -> dict:
    """The schedules' entry point: ``{"frequency": "daily"}`` or ``{"frequency": "weekly"}``; the daily run
    also sends the admins' moderation summary."""
    frequency = Frequency(event.get("frequency", Frequency.DAILY))
    result = digest_run(frequency=frequency.value)
    if frequency == Frequency.DAILY:
        result["moderation"] = moderation_summary()
    return result
