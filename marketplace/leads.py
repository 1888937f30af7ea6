"""Leads a broker works: an inquiry moves new -> contacted -> viewing -> offer -> closed, by one
transition table (``MOVES``), and how fast the broker first answered it. Pure: no AWS."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median

from marketplace.errors import IllegalTransition


class LeadState(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    VIEWING = "viewing"
    OFFER = "offer"
    CLOSED = "closed"

    @classmethod
    def of(cls, stored: str | None) -> LeadState:
        """A stored status; "handled" (the former single step) reads as contacted."""
        return cls.CONTACTED if stored == "handled" else cls(stored or cls.NEW)


S = LeadState
# Where a lead may go next from each state. Closed (won or lost) ends it; a viewing or an offer may
# fall back one step when the buyer wants another look.
MOVES: dict[LeadState, frozenset[LeadState]] = {
    S.NEW: frozenset({S.CONTACTED, S.CLOSED}),
    S.CONTACTED: frozenset({S.VIEWING, S.OFFER, S.CLOSED}),
    S.VIEWING: frozenset({S.OFFER, S.CONTACTED, S.CLOSED}),
    S.OFFER: frozenset({S.VIEWING, S.CLOSED}),
    S.CLOSED: frozenset(),
}
LABELS = {S.NEW: "New", S.CONTACTED: "Contacted", S.VIEWING: "Viewing", S.OFFER: "Offer", S.CLOSED: "Closed"}


def next_states(state: str) -> list[LeadState]:
    return [s for s in LeadState if s in MOVES[LeadState.of(state)]]


def check_move(state: str, to: str) -> LeadState:
    """The state ``to`` if a lead in ``state`` may move there; ``IllegalTransition`` naming ``state``."""
    try:
        target = LeadState(to)
    except ValueError:
        raise IllegalTransition(f"{to!r} is not a lead state", field="state") from None
    if target not in MOVES[LeadState.of(state)]:
        raise IllegalTransition(f"a lead that is {LeadState.of(state)} cannot become {target}", field="state")
    return target


def response_time(*, created_at: datetime, first_response_at: datetime | None) -> timedelta | None:
    return None if first_response_at is None else first_response_at - created_at


def median_response(times: list[timedelta]) -> timedelta | None:
    return median(times) if times else None


def duration_words(span: timedelta | None) -> str:
    """"2 h 5 min", "45 min", "3 days 4 h"; "—" for none."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


_DIGITS = re.compile(r"\D")


def phone_digits(phone: str) -> str:
    """International digits: a Nepali mobile (98XXXXXXXX) gets its country code 977."""
    digits = _DIGITS.sub("", phone or "")
    if len(digits) == 10 and digits.startswith("9"):
        digits = f"977{digits}"
    return digits


def call_link(phone: str) -> str | None:
    digits = phone_digits(phone)
    return f"tel:+{digits}" if digits else None


def whatsapp_link(phone: str) -> str | None:
    """wa.me takes the number in international form, digits only."""
    digits = phone_digits(phone)
    return f"https://wa.me/{digits}" if digits else None
