"""Reports for admins (a registry: each report's slug, title, columns and rows for a window) and the
per-listing figures brokers and sellers see.

The admin reports read the daily figures (``DailyReport``) of a window: one Query per scope whatever
the window's length, plus one on the feed index (what is listed now, for the demand report), the broker directory, and one BatchGet for the titles a page shows. A report computes
only what it needs (``Window`` reads each source once, on first use), so a CSV of one report reads only
that report's sources.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from marketplace.lifecycle import APPROVALS, Action
from marketplace.market import median_price_per_ropani
from marketplace.models import (
    BrokerProfile,
    DailyReport,
    DailyViewStat,
    Decision,
    Listing,
    ListingStats,
    OwnerDailyViews,
    ReportScope,
    ViewsOwner,
)
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.selectors.listings import listings_batch, listings_for_broker
from marketplace.selectors.moderation import listed_now
from marketplace.selectors.people import brokers_list

MAX_DAYS = 366  # a year, leap day included
TOP_LISTINGS = 20  # the listings broker analytics shows one by one
BROKER_PAGE = 1000


def days_between(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


# -- what brokers and sellers see of their own listings ----------------------------------------------

def listing_views_by_day(*, listing_ids: list[str], since: date, until: date) -> dict[str, dict[str, int]]:
    """{listing_id: {day: views}} for some listings (one Query each on their own partitions): for a
    listing's own page; pages of many listings read ``owner_views``."""
    return {listing_id: {s.day: int(s.views) for s in DailyViewStat.of_listing(listing_id, since, until)}
            for listing_id in listing_ids}


@dataclass(frozen=True)
class OwnerViews:
    """A broker's or a seller's views over a window: per day (every day, 0 when none) and per listing."""

    per_day: dict[str, int]
    per_listing: Counter

    @property
    def total(self) -> int:
        return sum(self.per_day.values())


def owner_views(*, owner: ViewsOwner, owner_id: str, since: date, until: date) -> OwnerViews:
    """The views of an owner's listings from ``since`` to ``until`` (one Query of the owner's days, a page
    per MB, whatever the number of listings)."""
    per_day = {d.isoformat(): 0 for d in days_between(since, until)}
    per_listing: Counter = Counter()
    for day in OwnerDailyViews.window(owner, owner_id, since=since.isoformat(), until=until.isoformat()):
        per_day[day.day] = int(day.total)
        per_listing.update(day.counts())
    return OwnerViews(per_day=per_day, per_listing=per_listing)


def most_viewed_of_broker(*, broker_id: str, views: OwnerViews, limit: int = TOP_LISTINGS) -> list[Listing]:
    """The broker's ``limit`` most viewed listings of a window, most viewed first (one BatchGet; a listing
    since moved to another broker is left out), then, if fewer were viewed, their latest others (one
    Query of ``limit`` keys' worth)."""
    top = [listing_id for listing_id, _ in views.per_listing.most_common(limit)]
    shown = [i for i in listings_batch(keys=[Listing.key(i) for i in top]) if i.broker_id == broker_id]
    if len(shown) < limit:
        known = {i.listing_id for i in shown}
        others = listings_for_broker(broker_id=broker_id, limit=limit).items
        shown += [i for i in others if i.listing_id not in known][:limit - len(shown)]
    return shown


def stats_for(*, listing_ids: list[str]) -> dict[str, ListingStats]:
    """Favorites and inquiries totals of many listings (BatchGet, 100 keys a call)."""
    keys = [ListingStats.key(i) for i in dict.fromkeys(listing_ids)]
    found = {s.listing_id: s for s in ListingStats.batch_get(keys)} if keys else {}
    return {i: found.get(i) or ListingStats(listing_id=i) for i in listing_ids}


def daily_figures(*, scope: ReportScope, since: date, until: date, attributes: list[str]) -> list[DailyReport]:
    """A scope's days from ``since`` to ``until`` with only ``attributes`` (one Query, a page per MB)."""
    return list(DailyReport.window(scope, since=since.isoformat(), until=until.isoformat(), attributes=attributes))


# -- the window the admin reports cover ----------------------------------------------------------------

class Window:
    """The days from ``since`` to ``until`` (inclusive), and each source a report reads, read once."""

    def __init__(self, *, since: date, until: date):
        self.since, self.until = since, until

    @classmethod
    def last(cls, days: int, *, today: date) -> Window:
        return cls(since=today - timedelta(days=days - 1), until=today)

    @property
    def days(self) -> list[date]:
        return days_between(self.since, self.until)

    def _figures(self, scope: ReportScope, attributes: list[str]) -> list[DailyReport]:
        return daily_figures(scope=scope, since=self.since, until=self.until, attributes=attributes)

    @cached_property
    def views(self) -> list[DailyReport]:
        return self._figures(ReportScope.VIEWS, ["listings", "neighbourhoods", "total"])

    @cached_property
    def favorites(self) -> list[DailyReport]:
        return self._figures(ReportScope.FAVORITES, ["neighbourhoods"])

    @cached_property
    def inquiries(self) -> list[DailyReport]:
        return self._figures(ReportScope.INQUIRIES, ["neighbourhoods"])

    @cached_property
    def decisions(self) -> list[Decision]:
        return [d for day in self._figures(ReportScope.DECISIONS, ["decisions"]) for d in day.decided()]

    @cached_property
    def listed(self) -> list[Listing]:
        return listed_now()

    @cached_property
    def brokers(self) -> dict[str, BrokerProfile]:
        """The broker directory (one Query per thousand brokers)."""
        found, cursor = {}, None
        while True:
            page = brokers_list(limit=BROKER_PAGE, cursor=cursor)
            found.update((b.broker_id, b) for b in page.items)
            cursor = page.cursor
            if not cursor:
                return found


def _summed(days: list[DailyReport], attribute: str) -> Counter:
    total: Counter = Counter()
    for day in days:
        total.update(day.counts(attribute))
    return total


def _titles(listing_ids: list[str]) -> dict[str, str]:
    """Titles of listings (BatchGet, 100 keys a call)."""
    keys = [Listing.key(i) for i in dict.fromkeys(listing_ids)]
    return {item.listing_id: item.title for item in Listing.batch_get(keys, attributes_to_get=["listing_id", "title"])} \
        if keys else {}


# -- the reports ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str  # the CSV header
    label: str  # the page's header
    kind: str = "text"  # text | action | number | money | percent | hours | moment: how the page shows a value

    @property
    def numeric(self) -> bool:  # right-aligned on the page
        return self.kind not in ("text", "action")


@dataclass(frozen=True)
class Chart:
    title: str
    label: int  # the column of the bars' labels
    value: int  # the column of the bars' values


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Window, int | None], list[tuple]]  # (window, at most this many rows or all)
    chart: Chart | None = None
    shown: int | None = None  # rows on the page; the CSV has them all


def _views_per_day(window: Window, limit: int | None) -> list[tuple]:
    per_day = {day.day: int(day.total) for day in window.views}
    return [(d, per_day.get(d.isoformat(), 0)) for d in window.days][:limit]


def _views_per_listing(window: Window, limit: int | None) -> list[tuple]:
    top = _summed(window.views, "listings").most_common(limit)
    titles = _titles([listing_id for listing_id, _ in top])
    return [(titles.get(listing_id, listing_id), listing_id, n) for listing_id, n in top]


def _demand(window: Window, limit: int | None) -> list[tuple]:
    views, favorites = _summed(window.views, "neighbourhoods"), _summed(window.favorites, "neighbourhoods")
    inquiries = _summed(window.inquiries, "neighbourhoods")
    listed = Counter(item.neighborhood for item in window.listed)
    medians = median_price_per_ropani(window.listed)
    return [(place.name, listed[place.slug], views[place.slug], favorites[place.slug], inquiries[place.slug],
             int(medians[place.slug]) if place.slug in medians else None) for place in NEIGHBOURHOODS][:limit]


def _hours(decision: Decision) -> float | None:
    if decision.submitted_at is None or decision.decided_at < decision.submitted_at:
        return None
    return round((decision.decided_at - decision.submitted_at).total_seconds() / 3600, 2)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _broker_row(broker_id: str, profile: BrokerProfile | None, decisions: list[Decision]) -> tuple:
    actions = Counter(d.decision for d in decisions)
    approved = sum(actions[a] for a in APPROVALS)
    rejected = actions[Action.REJECT]
    decided = approved + rejected
    hours = [h for h in (_hours(d) for d in decisions if d.decision in APPROVALS) if h is not None]
    return (profile.name if profile else broker_id, profile.company if profile else "",
            bool(profile and profile.verified), len(decisions), approved, rejected, actions[Action.REQUEST_CHANGES],
            round(100 * approved / decided, 1) if decided else None, _median(hours))


def _broker_performance(window: Window, limit: int | None) -> list[tuple]:
    by_broker: dict[str, list[Decision]] = defaultdict(list)
    for decision in window.decisions:
        by_broker[decision.broker_id].append(decision)
    brokers = window.brokers
    order = list(brokers) + sorted(set(by_broker) - set(brokers))
    return [_broker_row(broker_id, brokers.get(broker_id), by_broker.get(broker_id, [])) for broker_id in order][:limit]


def _turnaround(window: Window, limit: int | None) -> list[tuple]:
    newest_first = sorted(window.decisions, key=lambda d: d.decided_at, reverse=True)[:limit]
    return [(d.title or d.listing_id, d.listing_id, d.decision, d.by, d.submitted_at, d.decided_at, _hours(d))
            for d in newest_first]


LISTING = (Column("listing", "Listing"), Column("listing_id", "Listing id"))

REPORTS: dict[str, Report] = {report.slug: report for report in (
    Report("views-per-day", "Views per day", (Column("day", "Day"), Column("views", "Views", "number")),
           _views_per_day, chart=Chart("Views per day", label=0, value=1), shown=0),
    Report("views-per-listing", "Views per listing", (*LISTING, Column("views", "Views", "number")),
           _views_per_listing, shown=20),
    Report("demand", "Demand by neighbourhood",
           (Column("neighbourhood", "Neighbourhood"), Column("listed", "Listed now", "number"),
            Column("views", "Views", "number"), Column("favorites", "Favorites added", "number"),
            Column("inquiries", "Inquiries", "number"),
            Column("median_price_per_ropani", "Median price per ropani (active sales)", "money")),
           _demand, chart=Chart("Views by neighbourhood", label=0, value=2)),
    Report("brokers", "Broker performance",
           (Column("broker", "Broker"), Column("company", "Company"), Column("verified", "Verified"),
            Column("decisions", "Decisions", "number"), Column("approved", "Approved", "number"),
            Column("rejected", "Rejected", "number"), Column("changes_requested", "Changes requested", "number"),
            Column("approval_rate_pct", "Approval rate", "percent"),
            Column("median_hours_to_approve", "Median hours to approve", "hours")),
           _broker_performance),
    Report("turnaround", "Moderation turnaround",
           (*LISTING, Column("decision", "Decision", "action"), Column("by", "By"),
            Column("submitted_at", "Submitted", "moment"), Column("decided_at", "Decided", "moment"),
            Column("hours", "Hours from submission", "hours")),
           _turnaround, shown=20),
)}


def median_turnaround_hours(window: Window) -> float | None:
    """Median hours from submission to decision over the window's decisions."""
    return _median([h for h in (_hours(d) for d in window.decisions) if h is not None])
