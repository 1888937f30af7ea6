"""The admins' list of every order: by when it was placed (Kathmandu dates), filtered by provider, state
and buyer, counted exactly with the same filters (``PaymentOrder.placed_between``: gsi3 ``PAYMENTS#ALL``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from marketplace.formatting import KATHMANDU
from marketplace.models import PaymentOrder
from marketplace.pagination import Page, decode_cursor, encode_cursor, scope_of


@dataclass(frozen=True)
class OrderFilters:
    provider: str = ""  # marketplace.payments.Provider; empty: any
    state: str = ""  # marketplace.payments.OrderState; empty: any
    buyer: str = ""  # the start of the buyer's e-mail address
    placed_from: date | None = None  # Kathmandu dates, both included
    placed_to: date | None = None
    oldest_first: bool = False


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=KATHMANDU) if day else None


def _window(filters: OrderFilters) -> tuple[datetime | None, datetime | None]:
    end = filters.placed_to + timedelta(days=1) if filters.placed_to else None
    return _start_of(filters.placed_from), _start_of(end)


def _filter_condition(filters: OrderFilters):
    conditions = []
    if filters.provider:
        conditions.append(PaymentOrder.provider == filters.provider)
    if filters.state:
        conditions.append(PaymentOrder.state == filters.state)
    if filters.buyer:
        conditions.append(PaymentOrder.email.startswith(filters.buyer.strip().lower()))
    condition = None
    for part in conditions:
        condition = part if condition is None else condition & part
    return condition


def orders_search(*, filters: OrderFilters, limit: int = 50, cursor: str | None = None) -> Page[PaymentOrder]:
    """A page of orders, newest first (oldest first if asked). DynamoDB filters after reading, so a page may
    read several index pages to fill up."""
    start, end = _window(filters)
    scope = scope_of(PaymentOrder.placed_between, start, end, filters)
    result = PaymentOrder.placed_between(start, end, filter_condition=_filter_condition(filters),
                                         scan_index_forward=filters.oldest_first, limit=limit, page_size=limit,
                                         last_evaluated_key=decode_cursor(cursor, scope=scope))
    items = list(result)
    return Page(items=items, cursor=encode_cursor(result.last_evaluated_key, scope=scope))


def orders_count(*, filters: OrderFilters) -> int:
    """How many orders match, exactly: a COUNT Query over the same key range with the same filters."""
    start, end = _window(filters)
    return PaymentOrder.count_placed_between(start, end, filter_condition=_filter_condition(filters))
