"""Totals and facet counts by bitsets, for searches by filters (and by the common terms' words).

SQLite counts by reading every row the filters may match (~0.1-0.2 us a row: ~1 ms for a total and 1.5-2.5
ms for facets over wide filters at 10,000 listings, the largest share of the slowest searches). Here each
card is a bit (its place in the cards' price order), each value of a filter or facet column a Python integer
with the bits of the cards holding it, built once per index version (``prepare``): a search's cards are the
AND of its filters' integers, its total their ``bit_count()``, each facet value's count the ``bit_count()`` of
one more AND (~1-2 us each at 10,000 listings). A price range is a run of consecutive bits (the cards are
numbered in price order); a coming-soon card becomes visible when its moment passes, so the visible ones are
kept per number of moments passed.

Words are counted here when every term they match is a common term with a bit in the masks (each such term's
cards are read once per version, when first needed). Searches by other words, map bounds, distance, land or
road width are counted by SQLite (``query._counted``); ``tests/marketplace/test_search_index_query.py``
compares both ways on every filter, visibility, word and facet.
"""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from marketplace.entitlements import Entitlements
from marketplace.lifecycle import Status
from marketplace.search_index.database import FACETS, Index
from marketplace.selectors.search import ListingFilters

# The columns read: the facets and the equality filters (a bitset per value), then what visibility and the
# price range need.
_VALUED = tuple(dict.fromkeys((*FACETS, "neighborhood", "property_type", "purpose", "facing", "premium", "bedrooms",
                               "exclusive")))
_SELECT = (f"SELECT {', '.join(_VALUED)}, status, public_at, price, id FROM cards "
           "ORDER BY price IS NULL, price, id")


@dataclass
class Bitsets:
    rows: int
    values: dict[str, dict[object, int]]  # column -> value -> the bits of the cards holding it
    prices: list[int]  # the cards' prices in bit order (cards without a price come after them)
    not_coming_soon: int
    soon: list[tuple[float, int]]  # coming-soon cards with their moment: (moment, bit), by moment
    positions: dict[int, int]  # a card's row id -> its bit
    terms: dict[tuple[str, int], int] = field(default_factory=dict)  # (mask column, bit) -> cards holding that term
    _visible_soon: dict[int, int] = field(default_factory=dict)  # moments passed -> those cards' bits

    def visible_soon(self, at: datetime) -> int:
        """The coming-soon cards whose moment has passed at ``at``."""
        passed = bisect.bisect_right(self.soon, (at.timestamp(), float("inf")))
        found = self._visible_soon.get(passed)
        if found is None:
            found = _from_positions([bit for _, bit in self.soon[:passed]], self.rows)
            self._visible_soon.clear()  # the moment only moves forward: one entry is enough
            self._visible_soon[passed] = found
        return found


def build(connection: sqlite3.Connection) -> Bitsets:
    """The bitsets of an index, kept on its connection until it changes (~35 ms at 10,000 listings, at load)."""
    kept = getattr(connection, "bitsets", None)
    changes = connection.changes if isinstance(connection, Index) else None
    if kept is not None and kept[0] == changes:
        return kept[1]
    columns = list(zip(*connection.execute(_SELECT).fetchall(), strict=True)) or [()] * (len(_VALUED) + 4)
    rows, (status, public_at, price, ids) = len(columns[0]), columns[len(_VALUED):]
    coming_soon = Status.COMING_SOON.value
    found = Bitsets(rows=rows, values={name: _by_value(values, rows) for name, values in zip(_VALUED, columns, strict=False)},
                    prices=[p for p in price if p is not None],
                    not_coming_soon=_from_positions([bit for bit, s in enumerate(status) if s != coming_soon], rows),
                    soon=sorted((at, bit) for bit, (s, at) in enumerate(zip(status, public_at, strict=True))
                                if s == coming_soon and at is not None),
                    positions={row_id: bit for bit, row_id in enumerate(ids)})
    if isinstance(connection, Index):
        connection.bitsets = (changes, found)
    return found


def _by_value(values: tuple, rows: int) -> dict[object, int]:
    """Each value's bits, in C: the values as one byte each, then per value a byte of 0 or 1 per card read as a
    binary number (the cards' columns hold a few dozen values; ~40 us a value at 10,000 listings)."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 255:  # (not a column of few values: bit by bit)
        return {value: _from_positions([bit for bit, v in enumerate(values) if v == value], rows) for value in distinct}
    codes = bytes(map({value: code for code, value in enumerate(distinct)}.__getitem__, values))
    found = {}
    for code, value in enumerate(distinct):
        table = bytearray(b"0" * 256)
        table[code] = ord("1")
        found[value] = int(codes.translate(table)[::-1], 2) if rows else 0
    return found


def _from_positions(positions: list[int], rows: int) -> int:
    """An integer with these bits set (through bytes: setting 10,000 bits one by one on a growing integer is
    quadratic)."""
    held = bytearray((rows + 7) // 8)
    for position in positions:
        held[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(held, "little")


def answers(filters: ListingFilters, *, mapped: bool) -> bool:
    """Whether a search's filters can be counted here (no map, no land or road width; words only when
    every term they match has a bit in the masks: ``query._word_masks``)."""
    return not mapped and filters.min_land_sqft is None and filters.min_road_ft is None


def count(connection: sqlite3.Connection, *, filters: ListingFilters, entitlements: Entitlements, at: datetime,
          word_masks: list[dict[str, int]] | None, facets: tuple[str, ...]) -> tuple[int, dict | None]:
    """A search's total and facets: its filters' cards, and with words those holding every phrase (a phrase: any
    of the common terms it begins, by their bits in the masks)."""
    sets = build(connection)
    found = matching(sets, filters, entitlements, at)
    for masks in word_masks or ():
        found &= _phrase(connection, sets, masks)
    return counted(sets, found, facets)


def _phrase(connection: sqlite3.Connection, sets: Bitsets, masks: dict[str, int]) -> int:
    held = 0
    for column, value in masks.items():
        while value:
            bit = value & -value
            held |= _term(connection, sets, column, bit)
            value ^= bit
    return held


def _term(connection: sqlite3.Connection, sets: Bitsets, column: str, bit: int) -> int:
    """The cards holding the common term of ``bit`` in the mask ``column``: read once per version, when a search
    first needs it (one scan of the table, ~1 ms at 10,000 listings: what a count with the word cost each time)."""
    key = (column, bit)
    found = sets.terms.get(key)
    if found is None:
        rows = connection.execute(f"SELECT id FROM cards WHERE {column} & ?", (bit,)).fetchall()  # column: one of MASKS
        found = sets.terms[key] = _from_positions([sets.positions[row_id] for (row_id,) in rows], sets.rows)
    return found


def matching(sets: Bitsets, filters: ListingFilters, entitlements: Entitlements, at: datetime) -> int:
    """The cards the caller may see that pass the filters (as ``query._visibility`` and
    ``query._attribute_clauses`` select them)."""
    found = (1 << sets.rows) - 1
    if not entitlements.exclusive_access:
        found &= sets.values["exclusive"].get(0, 0)
    if not entitlements.early_access:
        found &= sets.not_coming_soon | sets.visible_soon(at)
    if filters.neighborhoods:
        found &= _any(sets, "neighborhood", set(filters.neighborhoods))
    for name, value in (("property_type", filters.property_type), ("purpose", filters.purpose),
                        ("facing", filters.facing), ("premium", None if filters.premium is None else int(filters.premium))):
        if value is not None:
            found &= sets.values[name].get(value, 0)
    if filters.min_bedrooms is not None:
        found &= _any(sets, "bedrooms", {v for v in sets.values["bedrooms"] if v is not None and v >= filters.min_bedrooms})
    if filters.min_price is not None or filters.max_price is not None:  # (a bound also drops price on request)
        start = 0 if filters.min_price is None else bisect.bisect_left(sets.prices, filters.min_price)
        end = len(sets.prices) if filters.max_price is None else bisect.bisect_right(sets.prices, filters.max_price)
        found &= ((1 << end) - 1) ^ ((1 << start) - 1) if end > start else 0
    return found


def _any(sets: Bitsets, name: str, values: set) -> int:
    found = 0
    for value in values:
        found |= sets.values[name].get(value, 0)
    return found


def counted(sets: Bitsets, found: int, names: tuple[str, ...]) -> tuple[int, dict | None]:
    """The total of ``found`` and each facet's counts (as ``query._counted`` gives them: values held by no
    card left out, "none" for a card without the value, sorted by the value's text)."""
    if not names:
        return found.bit_count(), None
    facets = {}
    for name in names:
        counts = {}
        for value, bits in sets.values[name].items():
            held = (found & bits).bit_count()
            if held:
                counts["none" if value is None else str(value)] = held
        facets[name] = dict(sorted(counts.items()))
    return found.bit_count(), facets

