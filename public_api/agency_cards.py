"""The agency on every listing card (search, feed, favorites): the broker's agency and its licence state.

A card carries its broker's id, not their agency: the agencies of a page's brokers are read (two small
BatchGetItems: the brokers' profiles, then their agencies' licences) and kept for ``KEEP_SECONDS`` in the
function's container, so a page of cards costs no DynamoDB reads while they are fresh; a verification,
a move to another agency or a revocation shows on cards within that time (the detail reads it at once).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from marketplace.selectors.people import broker_cards
from public_api.presenters import agency_of
from public_api.schemas.listings import AgencyPublic, ListingCard

KEEP_SECONDS = 60.0
KEEP_BROKERS = 5000  # a few hundred brokers in practice; beyond this the kept answers are dropped

_kept: dict[str, tuple[float, AgencyPublic | None]] = {}
_shown: dict[str, tuple[AgencyPublic | None, str]] = {}  # each kept agency's JSON, dumped once


def agencies_of(broker_ids: Iterable[str | None]) -> dict[str, AgencyPublic | None]:
    """Each broker's agency as a card shows it (None: no agency), read only for brokers not kept."""
    now = time.monotonic()
    wanted = {broker_id for broker_id in broker_ids if broker_id}
    stale = [broker_id for broker_id in wanted if broker_id not in _kept or _kept[broker_id][0] <= now]
    if stale:
        if len(_kept) + len(stale) > KEEP_BROKERS:
            _kept.clear()
            _shown.clear()
        for broker_id, card in broker_cards(broker_ids=stale, with_agencies=True).items():
            _kept[broker_id] = (now + KEEP_SECONDS, agency_of(card))
    return {broker_id: _kept[broker_id][1] for broker_id in wanted}


def agency_json(broker_ids: Iterable[str | None]) -> dict[str, str]:
    """Each broker's agency as the JSON a card's ``agency`` holds (``null``: no agency), dumped once per
    kept answer."""
    shown = {}
    for broker_id, agency in agencies_of(broker_ids).items():
        entry = _shown.get(broker_id)
        if entry is None or entry[0] is not agency:
            entry = _shown[broker_id] = (agency, "null" if agency is None else agency.model_dump_json())
        shown[broker_id] = entry[1]
    return shown


def with_agencies(cards: list[ListingCard], broker_ids: list[str | None]) -> list[ListingCard]:
    """Copies of ``cards`` with their brokers' agencies (``broker_ids`` in the same order)."""
    agencies = agencies_of(broker_ids)
    return [card.model_copy(update={"agency": agencies.get(broker_id)}) if broker_id else card
            for card, broker_id in zip(cards, broker_ids, strict=True)]


def forget() -> None:
    """Drop the kept agencies (tests: each starts as a cold function would)."""
    _kept.clear()
    _shown.clear()
