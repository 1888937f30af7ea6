"""A listing's market history: every price and status change buyers could see, in RESO's
``HistoryTransactional`` vocabulary (its ``ChangeType`` lookup: NewListing, PriceChange, BackOnMarket, ...).

Pure: ``changes`` compares a listing before and after one write and says which history items it makes;
the listing services write them in the same transaction as the change (``ListingHistory`` items).
Only the market's history is kept: a status change into or out of a listed status, and a price change
while the listing is listed. Drafts, reviews and their price edits are the audit trail's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from marketplace.lifecycle import LISTED, RESO_STANDARD_STATUS, Status


class ChangeType(StrEnum):
    """RESO Data Dictionary ``ChangeType`` (HistoryTransactional), as its standard names."""

    NEW_LISTING = "NewListing"
    PRICE_CHANGE = "PriceChange"
    BACK_ON_MARKET = "BackOnMarket"
    COMING_SOON = "ComingSoon"
    ACTIVE = "Active"
    ACTIVE_UNDER_CONTRACT = "ActiveUnderContract"
    CLOSED = "Closed"
    WITHDRAWN = "Withdrawn"
    EXPIRED = "Expired"
    STATUS_CHANGE = "StatusChange"  # a status change RESO names no type for


# What a status change is called, by where it goes (and, for active, where it came from).
_INTO = {Status.COMING_SOON: ChangeType.COMING_SOON, Status.UNDER_CONTRACT: ChangeType.ACTIVE_UNDER_CONTRACT,
         Status.CLOSED: ChangeType.CLOSED, Status.WITHDRAWN: ChangeType.WITHDRAWN, Status.EXPIRED: ChangeType.EXPIRED}

LABELS = {
    ChangeType.NEW_LISTING: "Listed", ChangeType.PRICE_CHANGE: "Price changed",
    ChangeType.BACK_ON_MARKET: "Back on market", ChangeType.COMING_SOON: "Coming soon",
    ChangeType.ACTIVE: "Open to everyone", ChangeType.ACTIVE_UNDER_CONTRACT: "Under contract",
    ChangeType.CLOSED: "Sold or let", ChangeType.WITHDRAWN: "Withdrawn", ChangeType.EXPIRED: "Expired",
    ChangeType.STATUS_CHANGE: "Status changed",
}


@dataclass(frozen=True)
class Change:
    """One history item to write: what changed, to what, from what."""

    change_type: ChangeType
    status: str
    previous_status: str | None
    price: int | None
    previous_price: int | None

    @property
    def reso_status(self) -> str:
        return RESO_STANDARD_STATUS[Status(self.status)]


def _asked(price, on_request) -> int | None:
    """The asking price buyers saw (None while on request)."""
    return None if on_request or price is None else int(price)


def _status_change(source: Status, target: Status) -> ChangeType:
    if target in (Status.ACTIVE, Status.COMING_SOON) and source not in LISTED:
        return ChangeType.NEW_LISTING  # approved, or approved again after a relist
    if target == Status.ACTIVE:
        return ChangeType.BACK_ON_MARKET if source == Status.UNDER_CONTRACT else ChangeType.ACTIVE
    return _INTO.get(target, ChangeType.STATUS_CHANGE)


def changes(*, before: dict, after: dict) -> list[Change]:
    """The history items one write makes. ``before`` and ``after`` hold the listing's ``status``,
    ``price`` and ``price_on_request`` (``before`` is empty for a new listing)."""
    if not before:
        return []
    source, target = Status(before["status"]), Status(after["status"])
    old_price = _asked(before.get("price"), before.get("price_on_request"))
    new_price = _asked(after.get("price"), after.get("price_on_request"))
    found = []
    if source != target and (source in LISTED or target in LISTED):
        kind = _status_change(source, target)
        found.append(Change(kind, target.value, source.value, new_price,
                            old_price if old_price != new_price else None))
    elif target in LISTED and old_price != new_price:
        found.append(Change(ChangeType.PRICE_CHANGE, target.value, source.value, new_price, old_price))
    return found


def percent_change(previous: int | None, price: int | None) -> float | None:
    """The change from ``previous`` to ``price`` in percent, one decimal (negative: reduced)."""
    if price is None or not previous:
        return None
    return round((int(price) - int(previous)) * 100 / int(previous), 1)


@dataclass(frozen=True)
class PriceMove:
    """How the asking price moved since the listing was listed: "reduced 8% after 41 days"."""

    percent: Decimal  # negative: reduced
    days: int  # from listing to the latest price change

    @property
    def words(self) -> str:
        verb = "reduced" if self.percent < 0 else "raised"
        percent = format(abs(self.percent), "f").removesuffix(".0")
        days = f"{self.days} day" + ("" if self.days == 1 else "s")
        return f"{verb} {percent}% after {days}"


def price_move(items: list) -> PriceMove | None:
    """From one listing's history items (any order; each with ``change_type``, ``at``, ``price``): the
    move from the price it was last listed at to its latest price change, or None without one."""
    ordered = sorted(items, key=lambda item: item.at)
    listed = [item for item in ordered if item.change_type == ChangeType.NEW_LISTING]
    if not listed:
        return None
    start = listed[-1]
    moves = [item for item in ordered if item.change_type == ChangeType.PRICE_CHANGE and item.at >= start.at]
    if not moves or not start.price or moves[-1].price is None:
        return None
    latest = moves[-1]
    percent = (Decimal(int(latest.price) - int(start.price)) * 100 / int(start.price)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP)
    return PriceMove(percent=percent, days=_days_between(start.at, latest.at))


def _days_between(start: datetime, end: datetime) -> int:
    return max(0, (end - start).days)
