"""Searching the index: every filter of the DynamoDB path plus words, map bounds and exact distance;
six orders; keyset pages that are full unless the results end; the exact total; facet counts.

Visibility is part of the query, from the caller's entitlements (exclusive listings for investors,
coming-soon listings before their date for early access), so totals and facets count only what the
caller may see; every card is still checked with ``can_see`` before it is returned.

Orders are ascending tuples ``(k1, k2, listing_id)``; cards without the sorted value (price on request,
rent in price per ropani, no land) come last. A cursor is that tuple for the last card, signed and
bound to the request (not to the index version), so it stays valid when a new version is swapped in.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from marketplace.entitlements import ANONYMOUS, Entitlements, can_see
from marketplace.errors import ValidationError
from marketplace.lifecycle import Status
from marketplace.market import median_price_per_ropani
from marketplace.models import Listing
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.pagination import decode_position, encode_position
from marketplace.search_index.database import FACETS, unit_vector
from marketplace.search_index.documents import REAL_COLUMNS, card_of_row, shared_card
from marketplace.selectors.search import (
    MAX_PAGE,
    ListingFilters,
    check_price_range,
    check_radius,
)

SORTS = ("newest", "price_asc", "price_desc", "price_per_ropani_asc", "land_desc", "relevance")
MAX_WORDS = 12
EARTH_RADIUS_KM = 6371.0088
_STRONG = "c.id IN (SELECT rowid FROM words WHERE words MATCH :strong)"
_FEATURED = "c.id IN (SELECT rowid FROM words WHERE words MATCH :featured)"
# Each order's sort expressions, ascending; the listing id breaks ties. Cards without the sorted value
# sort last through the leading "IS NULL". ``database`` indexes the same expressions, so a page of an
# unselective search walks an index and stops after ``limit`` rows.
ORDERS: dict[str, tuple[str, ...]] = {
    "newest": ("-c.published",),
    "price_asc": ("(c.price IS NULL)", "coalesce(c.price, 0)"),
    "price_desc": ("(c.price IS NULL)", "-coalesce(c.price, 0)"),
    "price_per_ropani_asc": ("(c.per_ropani IS NULL)", "coalesce(c.per_ropani, 0)"),
    "land_desc": ("(c.land_sqft IS NULL)", "-coalesce(c.land_sqft, 0)"),
    # The tier (below), then newest first within it. (bm25 over every match cost ~1.4 us a match, 10 ms
    # for a common word at 10,000 listings; the tiers are two more look-ups in the full-text index.)
    "relevance": (f"-(2 * ({_STRONG}) + ({_FEATURED}))", "-c.published"),
}
# Relevance tiers, best first: every word in the title or the neighbourhood's names (``strong``) and in
# the features (``featured``); in the title or names only; in the features only; anywhere else (the
# description, or the words spread over several columns). The tier is computed for the cards that pass
# the filters only. Without filters beyond visibility a common word matches thousands of cards: each tier
# is then read on its own, newest first, and stops when the page is full (the newest few of its best tier
# instead of ranking every match: 4.4 ms for ``garden`` at 10,000 listings, 1.4 ms + the count this way).
# The first three need no match of the plain words: a listing with every word in one column has them.
TIERS: tuple[tuple[int, str, bool], ...] = (  # (tier, condition, whether the plain words must match too)
    (-3, f"{_STRONG} AND {_FEATURED}", False), (-2, f"{_STRONG} AND NOT {_FEATURED}", False),
    (-1, f"{_FEATURED} AND NOT {_STRONG}", False), (0, f"NOT {_STRONG} AND NOT {_FEATURED}", True))
# Within the great-circle distance :radius of (:lat, :lng): the chord between the two points on the unit
# sphere, compared with the chord of that distance (exact, and arithmetic only: no function per row).
_WITHIN = "(c.x - :x) * (c.x - :x) + (c.y - :y) * (c.y - :y) + (c.z - :z) * (c.z - :z) <= :chord2"
_TOKEN = re.compile(r"[^\s\"'()*:^+\-.,;!?/\\{}\[\]<>|&=#@%$~`]+")


@dataclass(frozen=True)
class IndexSearch:
    """One search: the DynamoDB path's filters (``filters.sort`` is not read) and what only the index answers."""

    filters: ListingFilters = field(default_factory=ListingFilters)
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east
    sort: str | None = None  # None: relevance with words, newest without
    facets: tuple[str, ...] = ()

    @property
    def order(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    def scope(self) -> str:
        """What a cursor is bound to: every part of the request except the page."""
        digest = hashlib.sha256(json.dumps(asdict(self), default=str, sort_keys=True).encode()).hexdigest()[:20]
        return f"index:{self.order}:{digest}"


@dataclass
class IndexPage:
    items: list[Listing]
    cursor: str | None
    total: int | None  # None from the fallback, which cannot count
    facets: dict[str, dict[str, int]] | None = None


def match_expression(q: str) -> str:
    """FTS5 query for the words of ``q``: every word must match, each as a prefix ("pool" finds "pools")."""
    tokens = _TOKEN.findall(q)[:MAX_WORDS]
    if not tokens:
        raise ValidationError("needs at least one word", field="q")
    return " ".join(f'"{token}"*' for token in tokens)


def check_request(request: IndexSearch) -> None:
    """Refuse what no search can answer (shared with saved searches, which are checked when saved)."""
    f = request.filters
    if request.sort is not None and request.sort not in SORTS:
        raise ValidationError(f"must be one of: {', '.join(SORTS)}", field="sort")
    if request.sort == "relevance" and not request.q:
        raise ValidationError("relevance needs words to match: give q", field="sort")
    check_price_range(f)
    check_radius(f)
    unknown = [name for name in request.facets if name not in FACETS]
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a facet; choose from {', '.join(FACETS)}", field="facets")


def _visibility(entitlements: Entitlements, params: dict, at: datetime) -> list[str]:
    clauses = []
    if not entitlements.exclusive_access:
        clauses.append("c.exclusive = 0")
    if not entitlements.early_access:
        params["now"] = at.timestamp()
        clauses.append("(c.status != 'coming_soon' OR (c.public_at IS NOT NULL AND c.public_at <= :now))")
    return clauses


def _attribute_clauses(f: ListingFilters, params: dict) -> list[str]:
    clauses = []
    if f.neighborhoods:
        names = [f":n{i}" for i in range(len(f.neighborhoods))]
        params.update({name[1:]: value for name, value in zip(names, f.neighborhoods, strict=True)})
        clauses.append(f"c.neighborhood IN ({', '.join(names)})")
    for column, operator, value in (
            ("price", ">=", f.min_price), ("price", "<=", f.max_price), ("property_type", "=", f.property_type),
            ("purpose", "=", f.purpose), ("facing", "=", f.facing), ("bedrooms", ">=", f.min_bedrooms),
            ("land_sqft", ">=", f.min_land_sqft), ("road_ft", ">=", f.min_road_ft),
            ("premium", "=", None if f.premium is None else int(f.premium))):
        if value is not None:  # a price bound also drops price-on-request listings (NULL price)
            name = f"{column}_{len(params)}"
            params[name] = float(value) if column in REAL_COLUMNS else value
            clauses.append(f"c.{column} {operator} :{name}")
    return clauses


def _map_clauses(request: IndexSearch, params: dict) -> list[str]:
    clauses = []
    if request.bbox is not None:
        params.update(zip(("s", "w", "n", "e"), request.bbox, strict=True))
        clauses.append("c.lat BETWEEN :s AND :n AND c.lng BETWEEN :w AND :e")
    near = request.filters.near
    if near is not None:
        radius = request.filters.radius_km or 2.0
        dlat = radius / 110.574
        dlng = radius / (111.320 * max(math.cos(math.radians(near[0])), 0.01))
        x, y, z = unit_vector(*near)
        params.update(x=x, y=y, z=z, chord2=(2 * math.sin(radius / EARTH_RADIUS_KM / 2)) ** 2,
                      lat0=near[0] - dlat, lat1=near[0] + dlat, lng0=near[1] - dlng, lng1=near[1] + dlng)
        # The surrounding box narrows (by the (lat, lng) index when it is small); the exact distance decides.
        clauses.append(f"c.lat BETWEEN :lat0 AND :lat1 AND c.lng BETWEEN :lng0 AND :lng1 AND {_WITHIN}")
    return clauses


def _clauses(request: IndexSearch, entitlements: Entitlements, at: datetime) -> tuple[list[str], dict, bool]:
    """The search's conditions on ``cards c`` (visibility, attributes, map), their parameters, and whether
    any condition goes beyond visibility."""
    params: dict = {}
    visible = _visibility(entitlements, params, at)
    narrowing = [*_attribute_clauses(request.filters, params), *_map_clauses(request, params)]
    if request.q:
        params["q"] = match_expression(request.q)
        params.update(strong=f"{{title place}} : ({params['q']})", featured=f"{{features}} : ({params['q']})")
    return [*visible, *narrowing], params, bool(narrowing)


def _from_where(clauses: list[str], *, words: bool) -> str:
    """``FROM ... WHERE ...`` over ``cards c``; with ``words``, only the cards matching ``:q``."""
    source = "cards c"
    if words:  # the full-text match runs once, first ("OFFSET 0" keeps SQLite from folding it into the join)
        source = "(SELECT rowid AS hit FROM words WHERE words MATCH :q LIMIT -1 OFFSET 0) h JOIN cards c ON c.id = h.hit"
    return f"FROM {source} WHERE {' AND '.join(clauses) or '1'}"


def _ordered(connection, body: str, values: dict, keys: list[str], after: list | None, count: int, *,
             window: bool = False) -> list:
    """(id, *sort values[, count]) of ``count`` rows of ``body`` after ``after`` in the order of ``keys``."""
    keyset = ""
    if after:
        names = [f":after{i}" for i in range(len(after))]
        values = {**values, **{name[1:]: value for name, value in zip(names, after, strict=True)}}
        keyset = f" AND ({', '.join(keys[-len(after):])}) > ({', '.join(names)})"
    return connection.execute(f"SELECT c.id, {', '.join(keys)}{', count(*) OVER ()' if window else ''} {body}{keyset} "
                              f"ORDER BY {', '.join(keys)} LIMIT :count", {**values, "count": count}).fetchall()


def _tiered(connection, clauses: list[str], params: dict, after: list | None, count: int) -> list:
    """Relevance rows, tier after tier (``TIERS``), from the position ``after`` on."""
    rows: list = []
    for tier, condition, plain in TIERS:
        if after and tier < after[0]:
            continue
        body = _from_where([condition, *clauses], words=plain)
        within = after[1:] if after and tier == after[0] else None
        rows += [(row[0], tier, *row[1:]) for row in _ordered(connection, body, params, ["-c.published", "c.listing_id"],
                                                               within, count - len(rows))]
        if len(rows) >= count:
            break
    return rows


WIDE = 0.1  # filters that leave this share of the index or more are wide: tiers one by one pay


def _wide(connection, clauses: list[str], params: dict) -> bool:
    """Whether the filters leave at least ``WIDE`` of the listings (stops counting there: ~0.5 ms at most)."""
    enough = max(1, int(WIDE * connection.execute("SELECT count(*) FROM cards").fetchone()[0]))
    return connection.execute(f"SELECT count(*) >= :enough FROM (SELECT 1 FROM cards c WHERE {' AND '.join(clauses)} "
                              "LIMIT :enough)", {**params, "enough": enough}).fetchone()[0] == 1


def _page_rows(connection, request: IndexSearch, where: tuple[list[str], dict, bool], after: list | None, count: int, *,
               counting: bool = False) -> tuple[list, int | None]:
    """``count`` rows after the position ``after``: (listing_id, card, *sort values); with ``counting``
    also the number of rows matching from ``after`` on (a window over the rows SQLite sorts anyway)."""
    clauses, params, narrowed = where
    total = None
    if request.order == "relevance" and (not narrowed or _wide(connection, clauses, params)):
        ordered = _tiered(connection, clauses, params, after, count)
    else:
        ordered = _ordered(connection, _from_where(clauses, words=bool(request.q)), params,
                           [*ORDERS[request.order], "c.listing_id"], after, count, window=counting)
        if counting:
            total = ordered[0][-1] if ordered else 0
            ordered = [row[:-1] for row in ordered]
    # The cards of this page only: sorting carries ids and sort values, not every matching card.
    cards = dict(connection.execute(
        f"SELECT id, card FROM bodies WHERE id IN ({', '.join('?' * len(ordered))})", [r[0] for r in ordered]))
    return [(row[-1], cards[row[0]], *row[1:]) for row in ordered], total


def _counted(connection, where: tuple[list[str], dict, bool], names: tuple[str, ...], *,
             words: bool) -> tuple[int, dict | None]:
    """The exact total, and each facet's counts, from one pass over the matches."""
    clauses, params, _ = where
    if not names:
        return connection.execute(f"SELECT count(*) {_from_where(clauses, words=words)}", params).fetchone()[0], None
    # SQLite counts each combination of the facets' values (a few hundred at most come back). Grouped by
    # all four in the covering index's order whichever were asked for: the pass walks ``cards_facets``
    # with no sort; the facets not asked for are summed away below. With words, too: each card of the
    # index is looked up in the matches (a join from the matches sorted them all: 4.5 ms for a common
    # word, 3.7 ms this way; at most ~1.2 ms for a rare one).
    if words:
        clauses = ["c.id IN (SELECT rowid FROM words WHERE words MATCH :q)", *clauses]
    columns = ", ".join(f"c.{name}" for name in FACETS)
    groups = connection.execute(f"SELECT {columns}, count(*) FROM cards c INDEXED BY cards_facets "
                                f"WHERE {' AND '.join(clauses) or '1'} GROUP BY {columns}", params).fetchall()
    facets = {}
    for name in names:
        position = FACETS.index(name)
        counted: Counter = Counter()
        for row in groups:
            counted["none" if row[position] is None else str(row[position])] += row[-1]
        facets[name] = dict(sorted(counted.items()))
    return sum(row[-1] for row in groups), facets


def _valid_position(position: list | None, order: str) -> list | None:
    if position is None:
        return None
    if (len(position) != len(ORDERS[order]) + 1 or not all(isinstance(v, int | float) for v in position[:-1])
            or not isinstance(position[-1], str)):
        raise ValidationError("is not a valid cursor", field="cursor")
    return position


def prepare(connection: sqlite3.Connection) -> sqlite3.Connection:
    """Ready a loaded index for searching (nothing to add since distances need no SQL math functions)."""
    return connection


def search(connection: sqlite3.Connection, *, request: IndexSearch, entitlements: Entitlements = ANONYMOUS,
           limit: int = 20, cursor: str | None = None, at: datetime | None = None) -> IndexPage:
    """One page of ``limit`` cards (fewer only at the end), the total and the facets asked for."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"must be between 1 and {MAX_PAGE}", field="limit")
    check_request(request)
    moment = at or datetime.now(UTC)
    scope = request.scope()
    after = _valid_position(decode_position(cursor, scope=scope), request.order)
    where = _clauses(request, entitlements, moment)
    # A search by words sorts every match that passes the filters anyway (no index gives their order): a
    # first page counts them in the same pass instead of matching the words a second time (not when the
    # tiers are read one by one: they stop early).
    counting = bool(request.q) and not request.facets and after is None and (request.order != "relevance" or where[2])
    items: list[Listing] = []
    more, total, facets = True, None, None
    while more and len(items) < limit:
        wanted = limit - len(items)
        rows, counted = _page_rows(connection, request, where, after, wanted + 1,
                                   counting=counting and total is None)
        total = counted if total is None else total
        more = len(rows) > wanted
        for listing_id, card, *position in rows[:wanted]:
            after = position
            listing = shared_card(card)
            if can_see(listing, entitlements, at=moment):  # the query applied visibility; this is the guard
                items.append(listing)
    if total is None:
        total, facets = _counted(connection, where, request.facets, words=bool(request.q))
    return IndexPage(items=items, cursor=encode_position(after, scope=scope) if more else None, total=total,
                     facets=facets)


@dataclass(frozen=True)
class PlaceFigures:
    slug: str
    active_count: int
    median_price_per_ropani: int | None


def neighbourhood_figures(connection: sqlite3.Connection, *, at: datetime | None = None) -> list[PlaceFigures]:
    """Every neighbourhood's active listings anyone may see, and the median price per ropani of the
    comparables among them (``marketplace.market``, as the DynamoDB path computes it)."""
    params: dict = {}
    visible = " AND ".join(_visibility(ANONYMOUS, params, at or datetime.now(UTC)))
    cards = [card_of_row(card) for (card,) in connection.execute(
        f"SELECT b.card FROM cards c JOIN bodies b ON b.id = c.id WHERE c.status = '{Status.ACTIVE.value}' AND {visible}", params)]
    counts = Counter(card.neighborhood for card in cards)
    medians = median_price_per_ropani(cards)
    return [PlaceFigures(slug=p.slug, active_count=counts.get(p.slug, 0),
                         median_price_per_ropani=int(medians[p.slug]) if p.slug in medians else None)
            for p in NEIGHBOURHOODS]
