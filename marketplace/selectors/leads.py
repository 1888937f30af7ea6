"""Inquiries as leads: a broker's, newest first, and the platform's recent ones (admin dashboard)."""

from __future__ import annotations

from datetime import datetime

from ulid import ULID

from marketplace.models import Inquiry
from marketplace.pagination import Page, decode_cursor, page_of, scope_of


def inquiries_for_broker(*, broker_id: str, limit: int = 50, cursor: str | None = None,
                         only_new: bool = False) -> Page[Inquiry]:
    """The broker's leads across all their listings (gsi3 ``INQUIRY#<ulid>``), newest first."""
    scope = scope_of(Inquiry.of_broker, broker_id, only_new)
    result = Inquiry.of_broker(
        broker_id, scan_index_forward=False, limit=limit,
        filter_condition=(Inquiry.status == "new") if only_new else None,
        last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def inquiries_since(*, since: datetime, only_new: bool = True) -> int:
    """How many inquiries arrived since a moment (ULID ids sort by time: a range on the id)."""
    lower = str(ULID.from_datetime(since)).lower()[:10]  # the 48-bit time part
    return Inquiry.count_since(
        lower, filter_condition=(Inquiry.status == "new") if only_new else None)
