"""Digests: at 07:00 Kathmandu time, one message per buyer for each period (daily every morning, weekly on
Sunday mornings, the first day of Nepal's working week), with at most ``MAX_LISTINGS`` listings, never one
already sent for the same search.

Two steps, so the run's length does not grow with the number of buyers:

- **The schedule** (``handler``) reads its frequency's ``PendingAlert`` partition in buyer order (one
  Query, paged) and puts the buyers due on the digest queue, ``CHUNK`` buyers a message (SendMessageBatch,
  ten messages a call), each message naming the period (``period_of``). The daily run also sends the
  admins' moderation summary.
- **The worker** (``batch_handler``, SQS-triggered; locally a queue worker) takes one message: reads
  those buyers' pending items (one Query over their key range), the listings (BatchGet, card
  attributes), the buyers' profiles, preferences and suppressions (one BatchGet each), and for each
  buyer: claims the period (``AlertSent`` ``ALERTSENT#DIGEST#<user>`` / ``<frequency>#<period>``: a
  redelivered message never sends a buyer a second digest for the same period), drops what is no longer
  visible to them, claims each (search, listing) pair (a listing an instant alert or an earlier digest
  already sent for that search is skipped), sends one message, and deletes their pending items
  (BatchWrite). A buyer whose sending failed has their claims released and keeps their items; the
  message then fails (a partial batch response names it) and comes back: the buyers already sent are
  skipped by their period's claim, the others are tried again, up to five times, then the dead-letter queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from itertools import batched, groupby, repeat

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from marketplace.alerts.backlog import moderation_summary
from marketplace.alerts.matching import claim, listing_url, release
from marketplace.alerts.searches import Frequency
from marketplace.alerts.unsubscribe import link_for
from marketplace.aws import client
from marketplace.config import settings
from marketplace.delivery import recipients
from marketplace.delivery.email import send_email, suppressed_among
from marketplace.delivery.messages import MessageKind, listing_line, render
from marketplace.delivery.push import send_push
from marketplace.entitlements import ANONYMOUS, can_see, entitlements_of
from marketplace.formatting import KATHMANDU
from marketplace.models import AlertSent, Listing, PendingAlert, Subscription
from marketplace.observability import logger
from marketplace.table import CARD_ATTRIBUTES

MAX_LISTINGS = 14
CHUNK = 50  # buyers a queue message carries: their profiles, preferences and suppressions are one BatchGet each
SENDERS = 8  # buyers' messages sent at once (threads: the time is spent waiting on DynamoDB, SES and SNS)
SEND_AT = time(7, 0)  # local time of every digest
WEEKLY_ON = 6  # Sunday (Monday is 0)
# EventBridge schedules run in UTC: 07:00 in Kathmandu (UTC+5:45, no daylight saving) is 01:15 UTC.
SCHEDULES = {Frequency.DAILY: "cron(15 1 * * ? *)", Frequency.WEEKLY: "cron(15 1 ? * SUN *)"}
QUEUE = "digests"  # the queue of buyers due (its DLQ is "digests-dlq")
WORKER_TIMEOUT = timedelta(seconds=120)  # one message: 50 buyers, each a few calls and one e-mail
QUEUE_VISIBILITY = 6 * WORKER_TIMEOUT  # AWS's advice for SQS event sources: six times the function's timeout
SEND_BATCH = 10  # SendMessageBatch's limit


def due(moment: datetime) -> list[Frequency]:
    """The digests due at ``moment`` (for a clock that ticks each minute: the minute of 07:00 Kathmandu)."""
    local = moment.astimezone(KATHMANDU)
    if (local.hour, local.minute) != (SEND_AT.hour, SEND_AT.minute):
        return []
    return [Frequency.DAILY, *([Frequency.WEEKLY] if local.weekday() == WEEKLY_ON else [])]


def period_of(frequency: str, moment: datetime) -> str:
    """The period a digest sent at ``moment`` belongs to: the Kathmandu date (daily), the date of the
    week's Sunday (weekly). One digest per buyer per period."""
    local: date = moment.astimezone(KATHMANDU).date()
    if frequency == Frequency.WEEKLY:
        local -= timedelta(days=(local.weekday() - WEEKLY_ON) % 7)
    return local.isoformat()


# -- the schedule: buyers due, onto the queue --------------------------------------------------------------

def _buyers_due(frequency: str) -> Iterator[str]:
    """The buyers with matches waiting, in order, each once (the partition's keys start with the buyer)."""
    for user_id, _ in groupby(PendingAlert.waiting(frequency, page_size=500), key=lambda item: item.user_id):
        yield user_id


def digest_enqueue(*, frequency: str, at: datetime | None = None) -> dict:
    """Put every buyer with matches waiting on the digest queue, ``CHUNK`` a message: buyers and messages."""
    period = period_of(frequency, at or datetime.now(UTC))
    sqs, url = client("sqs"), settings().digest_queue_url
    buyers = messages = 0
    for sends in batched(batched(_buyers_due(frequency), CHUNK), SEND_BATCH):
        entries = [{"Id": str(n), "MessageBody": json.dumps({"frequency": frequency, "period": period,
                                                             "users": list(users)})}
                   for n, users in enumerate(sends)]
        failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
        if failed:  # the schedule's retry enqueues everyone again; the period's claims keep it to one digest each
            raise RuntimeError(f"digest batches not queued: {failed}")
        buyers += sum(len(users) for users in sends)
        messages += len(entries)
    result = {"frequency": frequency, "period": period, "buyers": buyers, "messages": messages}
    logger.info("digest queued", extra=result)
    return result


def handler(event: dict, context=None) -> dict:
    """The schedules' entry point: ``{"frequency": "daily"}`` or ``{"frequency": "weekly"}``; the daily run
    also sends the admins' moderation summary."""
    frequency = Frequency(event.get("frequency", Frequency.DAILY))
    result = digest_enqueue(frequency=frequency.value)
    if frequency == Frequency.DAILY:
        result["moderation"] = moderation_summary()
    return result


# -- the worker: one message, up to CHUNK buyers --------------------------------------------------------------

def _pending(frequency: str, users: list[str]) -> list[tuple[str, list[PendingAlert]]]:
    """The buyers' pending items: one Query over the key range from the first buyer to the last."""
    wanted = set(users)
    starts = [f"{user_id}#" for user_id in users]  # each buyer's items: sort keys starting with these
    items = PendingAlert.query(PendingAlert.partition(frequency),
                               PendingAlert.sk.between(min(starts), f"{max(starts)}\uffff"), page_size=500)
    return [(user_id, list(group)) for user_id, group in groupby(items, key=lambda item: item.user_id)
            if user_id in wanted]


def _listings(ids: Iterable[str]) -> dict[str, Listing]:
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
    visible = _visible(user_id, {p.listing_id: listings[p.listing_id] for p in pending if p.listing_id in listings}, at)
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
                  data={"listing_ids": [p.listing_id for p in chosen]}, apps=person.apps)
    if person.email_on and person.email and person.email.lower() not in suppressed:
        send_email(to=person.email, email=email, check_suppression=False)


def _buyer_digest(person: recipients.Recipient, pending: list[PendingAlert], listings: dict[str, Listing], *,
                  frequency_period: str, suppressed: frozenset[str], at: datetime) -> int | None:
    """Listings sent to one buyer; None when their digest for the period (``<frequency>#<period>``) was
    already sent (their items are left for the next period)."""
    if not claim(AlertSent.digest_scope(person.user_id), frequency_period, user_id=person.user_id):
        return None
    chosen: list[PendingAlert] = []
    try:
        chosen = _chosen(person.user_id, pending, listings, at)
        if chosen:
            _send(person, chosen, listings, suppressed)
    except Exception:
        for item in chosen:
            release(item.search_id, item.listing_id)
        release(AlertSent.digest_scope(person.user_id), frequency_period)
        raise
    if not chosen:  # nothing left to send: no digest this period, a later match may still have one
        release(AlertSent.digest_scope(person.user_id), frequency_period)
    return len(chosen)


class _Failed:
    """One buyer's digest failed: their items stay; the message comes back."""


def _attempt(person: recipients.Recipient, pending: list[PendingAlert], listings: dict[str, Listing],
             frequency_period: str, suppressed: frozenset[str], at: datetime) -> int | None | type[_Failed]:
    try:
        return _buyer_digest(person, pending, listings, frequency_period=frequency_period, suppressed=suppressed,
                             at=at)
    except Exception:  # noqa: BLE001 - one buyer's failure must not stop the others' digests
        logger.exception("digest failed for a buyer", extra={"user_id": person.user_id})
        return _Failed


def digest_batch(*, frequency: str, period: str, users: list[str], at: datetime | None = None) -> dict:
    """Send the ``period`` digest to each of ``users`` with matches waiting (one queue message): buyers and
    listings sent, buyers already sent this period, buyers failed. ``SENDERS`` buyers are sent at once:
    each waits on SES and SNS, not on the CPU."""
    moment = at or datetime.now(UTC)
    waiting = _pending(frequency, users) if users else []
    listings = _listings(p.listing_id for _, items in waiting for p in items)
    people = recipients.people(user_id for user_id, _ in waiting)
    suppressed = frozenset(suppressed_among(p.email for p in people.values()))
    with ThreadPoolExecutor(max_workers=SENDERS) as senders:
        outcomes = list(senders.map(_attempt, [people[user_id] for user_id, _ in waiting],
                                    [items for _, items in waiting], repeat(listings), repeat(f"{frequency}#{period}"),
                                    repeat(suppressed), repeat(moment)))
    result = {"frequency": frequency, "period": period, "buyers": 0, "listings": 0, "already": 0, "failed": 0}
    with PendingAlert.batch_write() as done:
        for (_, pending), sent in zip(waiting, outcomes, strict=True):
            if sent is _Failed or sent is None:
                result["failed" if sent is _Failed else "already"] += 1
                continue
            for item in pending:
                done.delete(item)
            result["buyers"] += bool(sent)
            result["listings"] += sent
    logger.info("digest batch sent", extra=result)
    return result


def handle_message(body: str) -> dict:
    """One message of the digest queue; raises when a buyer's digest failed, so the message comes back
    (the buyers it already reached are skipped by their period's claim)."""
    message = json.loads(body)
    result = digest_batch(frequency=Frequency(message["frequency"]).value, period=message["period"],
                          users=[str(user) for user in message["users"]])
    if result["failed"]:
        raise RuntimeError(f"{result['failed']} buyers' digests failed; the message is retried")
    return result


_BATCH = BatchProcessor(event_type=EventType.SQS)


def batch_handler(event: dict, context=None) -> dict:
    """Lambda entry point for the digest queue: a partial batch response, so only the messages that
    failed come back."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
