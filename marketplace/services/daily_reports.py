"""The back office's daily report figures (``DailyReport``): kept up to date as things happen, and
rebuilt from the table when needed.

- Views: the public API counts each detail view on the listing's day counter (``DailyViewStat``, one
  small UpdateItem). The clock (``marketplace.scheduler``, every few minutes) rolls today's and
  yesterday's counters up into the day's views item: the figures are minutes behind, and a view costs
  the API no second write on an item that grows with every listing viewed that day. The same roll-up
  writes each broker's and each seller's share of the day (``OwnerDailyViews``, attributed to the
  listings' owners as they are at the roll-up), which broker analytics and the seller's home read in one
  Query whatever the number of listings. Each roll-up replaces the day whole, so a repeated tick
  changes nothing.
- Favorites, inquiries and moderation decisions are added by the consumer of the "daily-reports" rule's
  queue, on the day the event occurred. Delivery is at least once, so each event
  is counted in one conditional update that also records its id on the day's item: a redelivered event
  fails the condition and changes nothing. The day's item is created (empty) the first time it is needed.

``rebuild`` recomputes every day from the table (views per listing and day, favorites, inquiries, the
listing audit log): the backfill for data written before these figures existed, ``python -m ops
reports rebuild`` and demo seeding. Rebuilt days carry no event ids, so rebuild the event scopes with
the daily-reports queue drained: an event still queued for a rebuilt day would be counted twice.
``owner_views_backfill`` writes the owners' shares of every day from the views items alone (``python -m
ops reports owners-backfill``), for days rolled up before those shares existed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from pynamodb.exceptions import PutError, UpdateError

from marketplace.events import EventType as DomainEventType
from marketplace.lifecycle import DECISIONS, Action
from marketplace.models import (
    AuditEntry,
    DailyReport,
    DailyViewStat,
    Decision,
    Favorite,
    Inquiry,
    Item,
    Listing,
    OwnerDailyViews,
    ReportScope,
    ViewsOwner,
)
from marketplace.outbox import detail_of

CONDITION_FAILED = "ConditionalCheckFailedException"
SCAN_PAGE = 200  # items per Scan call: each call stays short (a whole 1 MB page can outlast a call's timeout)

# Events that add one to a counter scope, and those that are moderation decisions.
COUNTED = {DomainEventType.FAVORITE_ADDED: ReportScope.FAVORITES,
           DomainEventType.INQUIRY_RECEIVED: ReportScope.INQUIRIES}
DECIDED = frozenset({DomainEventType.LISTING_APPROVED, DomainEventType.LISTING_REJECTED,
                     DomainEventType.LISTING_CHANGES_REQUESTED})


def _day_item(scope: ReportScope, day: str) -> DailyReport:
    item = DailyReport(scope=scope.value, day=day)
    item.derive_keys()
    return item


def _create_day(scope: ReportScope, day: str) -> None:
    """The day's empty item, unless it exists (its maps and list must exist before updates add to them)."""
    try:
        _day_item(scope, day).save(condition=DailyReport.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code != CONDITION_FAILED:
            raise


def _counter_actions(listing_id: str, neighborhood: str) -> list:
    actions = [DailyReport.listings[listing_id].add(1)]
    if neighborhood:
        actions.append(DailyReport.neighbourhoods[neighborhood].add(1))
    return actions


def _views_item(day: str, stats: Iterable[DailyViewStat]) -> DailyReport:
    """The day's views item from its listings' counters."""
    item = _day_item(ReportScope.VIEWS, day)
    listings: Counter = Counter()
    neighbourhoods: Counter = Counter()
    for stat in stats:
        listings[stat.listing_id] += int(stat.views)
        if stat.neighborhood:
            neighbourhoods[stat.neighborhood] += int(stat.views)
    item.listing_views, item.neighbourhoods, item.total = dict(listings), dict(neighbourhoods), sum(listings.values())
    return item


# -- views per broker and per seller (OwnerDailyViews), written with the day's views item ----------------

OWNER_ATTRIBUTES = ["type", "listing_id", "broker_id", "seller_id"]


def _refs(listing: Listing) -> list[str]:
    """The owners whose figures a listing's views count towards: its broker, and its seller if it has one."""
    refs = [OwnerDailyViews.owner_ref(ViewsOwner.BROKER, listing.broker_id)]
    if listing.seller_id:
        refs.append(OwnerDailyViews.owner_ref(ViewsOwner.SELLER, listing.seller_id))
    return refs


def _owners_of(listing_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each listing's owners as they are now (one BatchGet per 100 listings, projected to the owner ids); a
    deleted listing has none."""
    keys = [Listing.key(i) for i in dict.fromkeys(listing_ids)]
    found = Listing.batch_get(keys, attributes_to_get=OWNER_ATTRIBUTES) if keys else []
    return {listing.listing_id: _refs(listing) for listing in found}


def _owner_items(day: str, listings: dict[str, int], owners: dict[str, list[str]]) -> list[OwnerDailyViews]:
    """A day's views per owner from its views per listing."""
    per_owner: dict[str, Counter] = defaultdict(Counter)
    for listing_id, views in listings.items():
        for ref in owners.get(listing_id, ()):
            per_owner[ref][listing_id] += views
    made = []
    for ref, counts in sorted(per_owner.items()):
        item = OwnerDailyViews.from_ref(ref, day)
        item.listing_views, item.total = dict(counts), sum(counts.values())
        made.append(item)
    return made


def _with_owners(views: DailyReport, owners: dict[str, list[str]]) -> list[OwnerDailyViews]:
    """The owners' items of a views day, named on the day's item (``owners``) for the next roll-up."""
    made = _owner_items(views.day, views.counts("listings"), owners)
    views.owners = {OwnerDailyViews.owner_ref(i.owner, i.owner_id) for i in made} or None
    return made


def _write_day(views: DailyReport, owners: dict[str, list[str]], *, before: set[str]) -> int:
    """Replace a views day and its owners' items (one BatchWrite per 25 items): an owner named ``before``
    and no longer viewed that day (a listing moved to another broker) loses the day. Returns the owner
    items written."""
    made = _with_owners(views, owners)
    with DailyReport.batch_write() as batch:
        batch.save(views)
        for item in made:
            batch.save(item)
        for ref in sorted(before - (views.owners or set())):
            batch.delete(OwnerDailyViews.from_ref(ref, views.day))
    return len(made)


def _owners_written(day: str) -> set[str]:
    """The owners the day's last roll-up wrote (one GetItem, projected)."""
    try:
        found = DailyReport.get(*DailyReport.key(ReportScope.VIEWS, day), attributes_to_get=["owners"])
    except DailyReport.DoesNotExist:
        return set()
    return set(found.owners or ())


def roll_up_views(*, days: Iterable[str]) -> None:
    """Recompute the views items of ``days`` from the listings' day counters, with each broker's and
    seller's share (per day: one Query, one GetItem, a BatchGet per 100 listings viewed, a BatchWrite per 25
    items): what the clock does for today and yesterday. A recomputation: running it again (a retried
    tick) leaves the same figures."""
    for day in days:
        views = _views_item(day, DailyViewStat.of_day(day))
        _write_day(views, _owners_of(views.counts("listings")), before=_owners_written(day))


def owner_views_backfill(*, write: bool = True) -> int:
    """Every day's per-broker and per-seller views from the day's views per listing (the ``DailyReport``
    views items: one Query, a BatchGet per 100 listings, a BatchWrite per 25 items), each attributed to
    the listing's owners as they are now; returns how many owner items it wrote (or would).
    ``python -m ops reports owners-backfill``; safe to run again (each day is replaced whole)."""
    days = list(DailyReport.every_day(ReportScope.VIEWS))
    owners = _owners_of(listing_id for day in days for listing_id in day.counts("listings"))
    if not write:
        return sum(len(_owner_items(day.day, day.counts("listings"), owners)) for day in days)
    return sum(_write_day(day, owners, before=set(day.owners or ())) for day in days)


def _apply_once(scope: ReportScope, day: str, actions: list, *, event_id: str) -> bool:
    """Apply ``actions`` and record ``event_id`` on the day's item, unless the event was counted already."""
    _create_day(scope, day)
    try:
        _day_item(scope, day).update(actions=[*actions, DailyReport.event_ids.add({event_id})],
                                     condition=~DailyReport.event_ids.contains(event_id))
    except UpdateError as error:
        if error.cause_response_code != CONDITION_FAILED:
            raise
        return False
    return True


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def record_event(*, detail_type: str, detail: dict) -> bool:
    """Add one domain event (its EventBridge detail) to the day it occurred; whether it changed anything."""
    kind = DomainEventType(detail_type)
    data, day = detail["data"], detail["occurred_at"][:10]
    if kind in COUNTED:
        actions = _counter_actions(data["listing_id"], data.get("neighborhood", ""))
        return _apply_once(COUNTED[kind], day, actions, event_id=detail["event_id"])
    if kind in DECIDED and data.get("action") in DECISIONS:
        decision = Decision(listing_id=data["listing_id"], title=data.get("title", ""),
                            broker_id=data.get("broker_id", ""), decision=data["action"], by=data.get("by", ""),
                            submitted_at=_moment(data.get("submitted_at")),
                            decided_at=_moment(detail["occurred_at"]))
        lines = DailyReport.decision_lines
        return _apply_once(ReportScope.DECISIONS, day, [lines.set((lines | []).append([decision.line()]))],
                           event_id=detail["event_id"])
    return False


def handle_message(body: str) -> None:
    """One message of the daily-reports queue (an EventBridge event)."""
    detail_type, detail = detail_of(body)
    record_event(detail_type=detail_type, detail=detail)


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the daily-reports queue: a partial batch response, so only the messages that
    failed come back."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)


# -- rebuilding from the table ---------------------------------------------------------------------------

@dataclass
class _Days:
    """Every day's figures of every scope, as ``rebuild`` collects them."""

    counts: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int))))
    decisions: dict = field(default_factory=lambda: defaultdict(list))
    views: dict = field(default_factory=lambda: defaultdict(list))

    def count(self, scope: ReportScope, day: str, *, listing_id: str, neighborhood: str, n: int = 1) -> None:
        maps = self.counts[(scope, day)]
        maps["listings"][listing_id] += n
        if neighborhood:
            maps["neighbourhoods"][neighborhood] += n

    def items(self) -> Iterable[DailyReport]:
        for (scope, day), maps in self.counts.items():
            item = _day_item(scope, day)
            item.listings, item.neighbourhoods = dict(maps["listings"]), dict(maps["neighbourhoods"])
            yield item
        for day, stats in self.views.items():
            yield _views_item(day, stats)
        for day, decisions in self.decisions.items():
            item = _day_item(ReportScope.DECISIONS, day)
            item.decision_lines = [d.line() for d in sorted(decisions, key=lambda d: d.decided_at)]
            yield item


def _count_engagement(days: _Days, items: list, listings: dict[str, Listing]) -> None:
    for thing in items:
        if isinstance(thing, Favorite | Inquiry):
            scope = ReportScope.FAVORITES if isinstance(thing, Favorite) else ReportScope.INQUIRIES
            hood = getattr(listings.get(thing.listing_id), "neighborhood", "")
            days.count(scope, thing.created_at.date().isoformat(), listing_id=thing.listing_id, neighborhood=hood)
        elif isinstance(thing, DailyViewStat):
            days.views[thing.day].append(thing)


def _collect_decisions(days: _Days, entries: list[AuditEntry], listings: dict[str, Listing]) -> None:
    """Pair each decision with the listing's last submission before it (the audit log, oldest first)."""
    submitted: dict[str, datetime] = {}
    for entry in sorted(entries, key=lambda e: e.at):
        if entry.action == Action.SUBMIT:
            submitted[entry.entity_id] = entry.at
        elif entry.action in DECISIONS:
            listing = listings.get(entry.entity_id)
            days.decisions[entry.at.date().isoformat()].append(Decision(
                listing_id=entry.entity_id, title=listing.title if listing else "",
                broker_id=listing.broker_id if listing else "", decision=entry.action, by=entry.actor_email,
                submitted_at=submitted.pop(entry.entity_id, None), decided_at=entry.at))


def rebuild(*, scopes: Iterable[ReportScope] = tuple(ReportScope), write: bool = True) -> int:
    """Recompute the ``DailyReport`` items of ``scopes`` (all by default) from the table (one Scan),
    replacing what was there (unless not ``write``), the views scope with its brokers' and sellers'
    ``OwnerDailyViews``; returns how many ``DailyReport`` day items it wrote (or would)."""
    everything = list(Item.scan(page_size=SCAN_PAGE))
    listings = {i.listing_id: i for i in everything if isinstance(i, Listing)}
    days = _Days()
    _count_engagement(days, everything, listings)
    _collect_decisions(days, [e for e in everything if isinstance(e, AuditEntry) and e.entity_type == "listing"],
                       listings)
    wanted = {scope.value for scope in scopes}
    fresh = [item for item in days.items() if item.scope in wanted]
    if not write:
        return len(fresh)
    owners = {listing_id: _refs(listing) for listing_id, listing in listings.items()}
    shares = [share for item in fresh if item.scope == ReportScope.VIEWS for share in _with_owners(item, owners)]
    kept = {(i.pk, i.sk) for i in [*fresh, *shares]}
    with DailyReport.batch_write() as batch:
        for old in everything:
            if _replaced(old, wanted) and (old.pk, old.sk) not in kept:
                batch.delete(old)
        for item in [*fresh, *shares]:
            batch.save(item)
    return len(fresh)


def _replaced(item: Item, scopes: set[str]) -> bool:
    """Whether rebuilding ``scopes`` replaces this item (owners' views go with the views scope)."""
    if isinstance(item, DailyReport):
        return item.scope in scopes
    return isinstance(item, OwnerDailyViews) and ReportScope.VIEWS.value in scopes
