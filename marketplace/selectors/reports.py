"""Reports for admins and brokers: views per day, demand and prices by neighbourhood, broker
performance and moderation turnaround. Each reads indexes (no scans); costs are per day, per
neighbourhood or per broker, never per listing row."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from marketplace.lifecycle import LISTED, Status
from marketplace.market import median_price_per_ropani
from marketplace.models import AuditEntry, BrokerProfile, DailyViewStat, Listing, ListingStats, iso
from marketplace.neighbourhoods import NEIGHBOURHOODS

DECISIONS = ("approve", "approve_coming_soon", "reject", "request_changes")


def days_between(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def views_by_day(*, since: date, until: date) -> dict[str, dict[str, int]]:
    """{day: {listing_id: views}} over a range (one Query per day on the views index)."""
    out = {}
    for day in days_between(since, until):
        out[day.isoformat()] = {s.listing_id: int(s.views) for s in
                                DailyViewStat.collection_index.query(f"VIEWS#{day.isoformat()}")}
    return out


def listing_views_by_day(*, listing_ids: list[str], since: date, until: date) -> dict[str, dict[str, int]]:
    """{listing_id: {day: views}} for some listings (one Query each on their own partitions)."""
    out = {}
    for listing_id in listing_ids:
        pk, _ = Listing.key(listing_id)
        out[listing_id] = {s.day: int(s.views) for s in DailyViewStat.query(
            pk, DailyViewStat.sk.between(f"VIEWS#{since.isoformat()}", f"VIEWS#{until.isoformat()}"))}
    return out


def stats_for(*, listing_ids: list[str]) -> dict[str, ListingStats]:
    """Favorites and inquiries totals of many listings (BatchGet, 100 keys a call)."""
    keys = [ListingStats.key(i) for i in dict.fromkeys(listing_ids)]
    found = {s.listing_id: s for s in ListingStats.batch_get(keys)} if keys else {}
    return {i: found.get(i) or ListingStats(listing_id=i) for i in listing_ids}


@dataclass
class Demand:
    neighborhood: str
    name: str
    listed: int
    views: int
    favorites: int
    inquiries: int
    median_price_per_ropani: int | None


def demand_by_neighbourhood(*, since: date, until: date) -> list[Demand]:
    """Per neighbourhood: listed properties, views over the range, favorites and inquiries (totals of
    the listed properties), and the median price per ropani."""
    views: dict[str, int] = defaultdict(int)
    for day in days_between(since, until):
        for stat in DailyViewStat.collection_index.query(f"VIEWS#{day.isoformat()}"):
            views[stat.neighborhood] += int(stat.views)
    listed = {p.slug: [i for i in Listing.market_index.query(f"MKT#{p.slug}") if i.status in LISTED]
              for p in NEIGHBOURHOODS}
    stats = stats_for(listing_ids=[i.listing_id for items in listed.values() for i in items])
    medians = median_price_per_ropani(i for items in listed.values() for i in items)
    rows = []
    for place in NEIGHBOURHOODS:
        items = listed[place.slug]
        rows.append(Demand(
            neighborhood=place.slug, name=place.name, listed=len(items), views=views.get(place.slug, 0),
            favorites=sum(int(stats[i.listing_id].favorites) for i in items),
            inquiries=sum(int(stats[i.listing_id].inquiries) for i in items),
            median_price_per_ropani=int(medians[place.slug]) if place.slug in medians else None))
    return rows


@dataclass
class BrokerPerformance:
    broker_id: str
    name: str
    company: str
    verified: bool
    listings: int
    listed: int
    approved: int
    rejected: int
    median_hours_to_approve: float | None

    @property
    def approval_rate(self) -> float | None:
        decided = self.approved + self.rejected
        return round(100 * self.approved / decided, 1) if decided else None


def broker_performance() -> list[BrokerPerformance]:
    """Per broker (one Query on the broker's desk each): listings, approval rate, time to approve."""
    rows = []
    for broker in BrokerProfile.collection_index.query("BROKERS"):
        listings = list(Listing.broker_index.query(f"BROKER#{broker.broker_id}", Listing.gsi3sk.startswith("LISTING#")))
        approved = [i for i in listings if i.published_at is not None]
        hours = [(i.published_at - i.submitted_at).total_seconds() / 3600 for i in approved
                 if i.submitted_at and i.published_at >= i.submitted_at]
        rows.append(BrokerPerformance(
            broker_id=broker.broker_id, name=broker.name, company=broker.company, verified=broker.verified,
            listings=len(listings), listed=sum(1 for i in listings if i.status in LISTED), approved=len(approved),
            rejected=sum(1 for i in listings if i.status == Status.REJECTED.value),
            median_hours_to_approve=round(statistics.median(hours), 1) if hours else None))
    return rows


@dataclass
class Turnaround:
    listing_id: str
    decision: str
    decided_by: str
    submitted_at: datetime
    decided_at: datetime

    @property
    def hours(self) -> float:
        return round((self.decided_at - self.submitted_at).total_seconds() / 3600, 2)


def moderation_turnaround(*, since: datetime, limit: int = 2000) -> list[Turnaround]:
    """Each moderation decision since a moment, with the time since the listing's last submission
    (from the global audit log, oldest first)."""
    submitted: dict[str, datetime] = {}
    out = []
    entries = AuditEntry.collection_index.query("AUDIT", AuditEntry.gsi5sk >= iso(since), limit=limit,
                                                filter_condition=AuditEntry.entity_type == "listing")
    for entry in entries:
        if entry.action == "submit":
            submitted[entry.entity_id] = entry.at
        elif entry.action in DECISIONS and entry.entity_id in submitted:
            out.append(Turnaround(listing_id=entry.entity_id, decision=entry.action, decided_by=entry.actor_email,
                                  submitted_at=submitted.pop(entry.entity_id), decided_at=entry.at))
    return out
