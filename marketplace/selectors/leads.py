"""Inquiries as leads: a broker's, newest first, and the platform's recent ones (admin dashboard)."""

from __future__ import annotations

from datetime import datetime

from ulid import ULID

from marketplace.leads import LeadState
from marketplace.models import Inquiry
from marketplace.pagination import Page, decode_cursor, page_of, scope_of


def _lead_condition(state: str | None):
    """Leads in one pipeline state (None: any); contacted includes the former "handled"."""
    if not state:
        return None
    stored = [state, "handled"] if LeadState(state) == LeadState.CONTACTED else [state]
    return Inquiry.status.is_in(*stored)


def inquiries_for_broker(*, broker_id: str, limit: int = 50, cursor: str | None = None,
                         state: str | None = None, oldest_first: bool = False) -> Page[Inquiry]:
    """The broker's leads across all their listings (gsi3 ``INQUIRY#<ulid>``), newest first unless
    ``oldest_first``, in one pipeline ``state`` if given."""
    scope = scope_of(Inquiry.of_broker, broker_id, state or "", oldest_first)
    result = Inquiry.of_broker(
        broker_id, scan_index_forward=oldest_first, limit=limit, page_size=limit,
        filter_condition=_lead_condition(state), last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def inquiries_count(*, broker_id: str, state: str | None = None) -> int:
    """How many leads ``inquiries_for_broker`` lists, exactly: one COUNT Query over the same keys and filter."""
    return Inquiry.count_of_broker(broker_id, filter_condition=_lead_condition(state))


def inquiries_since(*, since: datetime, only_new: bool = True) -> int:
    """How many inquiries arrived since a moment (ULID ids sort by time: a range on the id)."""
    lower = str(ULID.from_datetime(since)).lower()[:10]  # the 48-bit time part
    return Inquiry.count_since(
        lower, filter_condition=(Inquiry.status == "new") if only_new else None)
