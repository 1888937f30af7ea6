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

import bisect
import hashlib
import json
import math
import re
import sqlite3
import unicodedata
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
from marketplace.search_index import bitsets
from marketplace.search_index.database import BITS, FACETS, MASKS, Index, scratch, tokens, unit_vector
from marketplace.search_index.documents import (
    PLACE_WORDS,
    REAL_COLUMNS,
    IndexCard,
    card_of_row,
    shared_card,
    shared_index_card,
)
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
# Each order's index (``database``): a page of many matches walks it (``_page_body``).
ORDER_INDEXES = {"newest": "cards_newest", "price_asc": "cards_price_asc", "price_desc": "cards_price_desc",
                 "price_per_ropani_asc": "cards_per_ropani", "land_desc": "cards_land_desc"}
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
    items: list[IndexCard | Listing]  # presented when the index stores presented cards; Listings otherwise
    cursor: str | None
    total: int | None  # None from the fallback, which cannot count
    facets: dict[str, dict[str, int]] | None = None


def _words(q: str) -> list[str]:
    """The words of ``q``; a neighbourhood's name in Devanagari is searched as its romanised name (the same query)."""
    return [PLACE_WORDS.get(unicodedata.normalize("NFC", word), word) for word in _TOKEN.findall(q)[:MAX_WORDS]]


def match_expression(q: str) -> str:
    """FTS5 query for the words of ``q``: every word must match, each as a prefix ("pool" finds "pools")."""
    tokens = _words(q)
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


def _near_box(filters: ListingFilters) -> tuple[float, float, float, float] | None:
    """The box (south, west, north, east) around the circle of ``near`` and ``radius_km``."""
    if filters.near is None:
        return None
    (latitude, longitude), radius = filters.near, filters.radius_km or 2.0
    dlat, dlng = radius / 110.574, radius / (111.320 * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - dlat, longitude - dlng, latitude + dlat, longitude + dlng


# A box estimated to hold more than this share of the cards is checked row by row, not walked in the
# ``(lat, lng)`` index: at 10,000 listings a 5 km circle's box holds most of the valley, and the index's
# range plus a lookup of each row cost 2-2.8 ms against 0.8-1.7 ms for a scan of the narrow table (or a
# walk of another filter's or the order's index). SQLite has no histogram to know it: ``+c.lat`` and
# ``+c.lng`` keep it from using that index.
PLACE_INDEX_SHARE = 0.25


def _box_rows(stats: Statistics, box: tuple[float, float, float, float]) -> float:
    """The cards estimated in the box: its latitudes' share times its longitudes' (the index walks the
    latitudes' entries, ~0.03 us each, and looks up only the rows within the longitudes too; a neighbourhood's
    0.02-degree box holds a third of the cards' latitudes but a fifth of that: 1.18 ms scanned, 0.83 ms by the index)."""
    rows = max(stats.rows, 1)
    return _between(stats.ordered["lat"], box[0], box[2]) * _between(stats.ordered["lng"], box[1], box[3]) / rows


def _map_clauses(request: IndexSearch, params: dict, stats: Statistics) -> list[str]:
    clauses = []
    lat, lng = "c.lat", "c.lng"
    box = request.bbox or _near_box(request.filters)
    places = request.filters.neighborhoods
    in_places = sum(stats.equal["neighborhood"][n] for n in set(places)) if places else stats.rows
    # (nor when the neighbourhoods asked for hold fewer cards than the box's latitudes: their index finds
    # them with fewer lookups of the table)
    if box is not None and (_box_rows(stats, box) > PLACE_INDEX_SHARE * stats.rows
                            or _between(stats.ordered["lat"], box[0], box[2]) > in_places):
        lat, lng = "+c.lat", "+c.lng"  # nor a skip-scan of the index on its second column
    if request.bbox is not None:
        params.update(zip(("s", "w", "n", "e"), request.bbox, strict=True))
        clauses.append(f"{lat} BETWEEN :s AND :n AND {lng} BETWEEN :w AND :e")
    near = request.filters.near
    if near is not None:
        radius = request.filters.radius_km or 2.0
        x, y, z = unit_vector(*near)
        params.update(x=x, y=y, z=z, chord2=(2 * math.sin(radius / EARTH_RADIUS_KM / 2)) ** 2,
                      **dict(zip(("lat0", "lng0", "lat1", "lng1"), _near_box(request.filters), strict=True)))
        # The surrounding box narrows (by the (lat, lng) index when it is small); the exact distance decides.
        clauses.append(f"{lat} BETWEEN :lat0 AND :lat1 AND {lng} BETWEEN :lng0 AND :lng1 AND {_WITHIN}")
    return clauses


def _price_seek(request: IndexSearch, params: dict) -> list[str]:
    """A price bound restated on the price order's index expressions (what the bound already implies), so
    a page in that order seeks to the bound instead of walking past every cheaper card (~0.8 us each)."""
    f, order = request.filters, request.order
    if order not in ("price_asc", "price_desc") or (f.min_price is None and f.max_price is None):
        return []
    sign = "" if order == "price_asc" else "-"
    clauses = []  # (not "(c.price IS NULL) = 0" too: with it SQLite sorts the matches instead of walking the index)
    for name, value, operator in (("seek_min", f.min_price, ">="), ("seek_max", f.max_price, "<=")):
        if value is not None:
            params[name] = value if not sign else -value
            clauses.append(f"{sign}coalesce(c.price, 0) {operator if not sign else {'>=': '<=', '<=': '>='}[operator]} :{name}")
    return clauses


@dataclass
class _Where:
    """A search's conditions on ``cards c`` (visibility, attributes, map, and the words by ``words``: ``match``
    the full-text index, ``terms`` the card's ``terms`` row), their parameters, and whether any condition
    beyond visibility narrows the cards."""

    clauses: list[str]
    params: dict
    narrowed: bool
    words: str | None = None  # None (no words), "match" or "terms"
    phrases: tuple[str, ...] = ()
    word_masks: list[dict[str, int]] | None = None  # the phrases' bits in the masks, when the masks hold them all
    bits: list[str] | None = None  # with "match": the words as conditions on the common terms' masks
    dense: bool = False  # whether pages too read the masks (the words and filters leave many cards)
    seek: list[str] = field(default_factory=list)  # for pages only: a price bound on the order's index
    ranked: bool = False  # with "terms": the page is ordered by relevance (its tiers read the terms)
    share: float = 1.0  # the planner's estimate of the share of the cards the filters leave
    tiered: bool | None = None  # whether the page reads the relevance tiers one by one (``_reads_tiers``)


def _clauses(connection, request: IndexSearch, entitlements: Entitlements, at: datetime) -> _Where:
    params: dict = {}
    stats = statistics(connection)
    visible = _visibility(entitlements, params, at)
    narrowing = [*_attribute_clauses(request.filters, params), *_map_clauses(request, params, stats)]
    where = _Where([*visible, *narrowing], params, bool(narrowing), share=_share(stats, request))
    if request.q:
        params["q"] = match_expression(request.q)
        params.update(strong=f"{{title place}} : ({params['q']})", featured=f"{{features}} : ({params['q']})")
        phrases = _phrases(connection, request.q)
        where.word_masks = _word_masks(stats, phrases) if phrases else None
        if phrases and narrowing and _filters_side(stats, request, phrases):
            _filters_first(request, where, phrases)
        else:
            where.words, where.phrases = "match", phrases or ()
            matches = _word_rows(stats, phrases) if phrases else 0
            if phrases and matches * MATCH_US > stats.rows * SCAN_US:
                where.bits = _bit_clauses(where.word_masks, params)
                # A page walks its order's index until it is full: with few matching cards it would walk
                # the whole index (~0.8 us a row), where listing the matches costs less.
                where.dense = matches * _share(stats, request) >= WIDE * stats.rows
    # Seeking pays when the page walks the order's index and finds its cards soon after the bound: many
    # cards left (with few, SQLite would walk the whole range where another index finds them at once;
    # words from the terms or the full-text matches are sorted as a whole).
    if where.dense or (not request.q and _share(stats, request) >= WIDE):
        where.seek = _price_seek(request, params)
    return where


def _filters_first(request: IndexSearch, where: _Where, phrases: tuple[str, ...]) -> None:
    """Words checked in the cards the filters leave: by the masks when every term of the words has a bit (a
    test of an integer, ~0.05 us a card, where the terms' strings cost ~1 us: `himalaya view` with a type
    and a price, sorted by price, ~5 ms the strings' way), else in each card's terms. Relevance reads the
    terms in any case (its tiers are where the words are); with the masks, only for the cards that pass."""
    bits = _bit_clauses(where.word_masks, where.params)
    where.words, where.phrases, where.bits = "terms", phrases, bits
    where.ranked = request.order == "relevance"
    where.params.update({f"p{i}": phrase for i, phrase in enumerate(phrases)})
    where.clauses.extend(bits or [_terms_match("t.strong", "t.featured", "t.other", phrases=phrases)])


def _bit_clauses(word_masks: list[dict[str, int]] | None, params: dict) -> list[str] | None:
    """The words as conditions on the masks (``_word_masks``), when the masks hold them; None otherwise."""
    if word_masks is None:
        return None
    clauses = []
    for i, masks in enumerate(word_masks):
        params.update({f"k{i}{mask}": value for mask, value in masks.items()})
        clauses.append("(" + " OR ".join(f"c.{mask} & :k{i}{mask}" for mask, value in masks.items() if value) + ")"
                       if any(masks.values()) else "0")
    return clauses


def _word_masks(stats: Statistics, phrases: tuple[str, ...]) -> list[dict[str, int]] | None:
    """Each phrase's bits in each mask column (``database.MASKS``), when every phrase is one token whose every term
    has a bit; None otherwise."""
    found = []
    for phrase in phrases:
        if " " in phrase.strip():
            return None  # consecutive tokens: only the full-text index knows positions
        covered = stats.terms[slice(*_terms_starting(stats, phrase.strip()))]
        if not all(term in stats.bits for term in covered):
            return None
        masks = dict.fromkeys(MASKS, 0)
        for term in covered:
            masks[MASKS[stats.bits[term] // BITS]] |= 1 << (stats.bits[term] % BITS)
        found.append(masks)
    return found


def _phrases(connection, q: str) -> tuple[str, ...] | None:
    """The words of ``q`` as ``terms`` holds them: each FTS5 phrase " t1 t2" (every token but the last
    exact, the last a prefix); None when a word has no token FTS5 would match (the full-text path decides)."""
    found = tokens(connection, _words(q))
    if not found or not all(found):
        return None
    return tuple(" " + " ".join(phrase) for phrase in found)


def _terms_match(*columns: str, phrases: tuple[str, ...]) -> str:
    """Every phrase in one of ``columns`` of ``terms t`` (what ``words MATCH`` over those columns finds)."""
    return "(" + " AND ".join("(" + " OR ".join(f"instr({column}, :p{i}) > 0" for column in columns) + ")"
                              for i in range(len(phrases))) + ")"


def _from_where(where: _Where, clauses: list[str] | None = None, *, words: bool | None = None,
                counting: bool = False) -> str:
    """``FROM ... WHERE ...`` over ``cards c`` for ``where`` (or ``clauses`` with its words): ``match``, only
    the cards matching ``:q``; ``terms``, each card with its ``terms`` row (the words are in the clauses)."""
    source = "cards c"
    plan = where.words if words is not False else None
    chosen = [*where.clauses, *([] if counting else where.seek)] if clauses is None else clauses
    if plan == "match" and where.bits is not None and (counting or where.dense):  # the masks, in the scan of the cards
        chosen = [*where.bits, *chosen]
    elif plan == "match":  # the full-text match runs once, first ("OFFSET 0" keeps SQLite from folding it into the join)
        source = "(SELECT rowid AS hit FROM words WHERE words MATCH :q LIMIT -1 OFFSET 0) h JOIN cards c ON c.id = h.hit"
    elif plan == "terms" and (not where.bits or (where.ranked and not counting)):  # the filters pick the cards
        # (CROSS JOIN keeps that order), each card's terms by its id (with the words in the masks, only the
        # relevance tiers read them)
        source = "cards c CROSS JOIN terms t ON t.id = c.id"
    return f"FROM {source} WHERE {' AND '.join(chosen) or '1'}"


def _order_keys(where: _Where, order: str, *, apart: bool = False) -> list[str]:
    if order == "relevance" and where.words == "terms":  # the same tiers, from the card's terms
        strong = _terms_match("t.strong", phrases=where.phrases)
        featured = _terms_match("t.featured", phrases=where.phrases)
        return [f"-(2 * {strong} + {featured})", "-c.published", "c.listing_id"]
    keys = [*ORDERS[order], "c.listing_id"]
    # "+" keeps SQLite from walking the order's index: the matches come from the filters' index (or a scan)
    # and are sorted apart.
    return [f"+{key}" for key in keys] if apart else keys


# Walking an order's index costs ~0.3 us a row walked (a lookup of the row for the filters); finding the matches
# by the filters' index (or a scan of the narrow table) and sorting them ~1 us a match.
WALK_US, SORTED_US = 0.3, 1.0


def _sorted_apart(stats: Statistics, request: IndexSearch, where: _Where, matches: int | None, count: int) -> bool:
    """Whether the page sorts its few matches rather than walk its order's index until ``count`` pass. With a
    bound ``LIMIT`` SQLite walks the order's index whenever one fits, however few cards pass the filters: seven
    in two small neighbourhoods under a price, sorted by price, walked all 10,000 (~2.9 ms, 0.01 ms sorted)."""
    if request.order == "relevance" or where.dense or not where.narrowed:
        return False
    rows = max(stats.rows, 1)
    if matches is None:  # not counted yet: the planner's estimate (filters taken as independent)
        matches = rows * where.share
    return matches * SORTED_US < min(rows, count * rows / max(matches, 1)) * WALK_US


# The query planner: a search with words and narrowing filters starts from the side expected to leave
# fewer cards. Measured CPU at 10,000 listings (2 cores, idle): scanning ``cards`` ~0.025 us a row; checking
# a card's words in its terms ~1 us; listing a match of the full-text index and joining it ~0.4 us.
SCAN_US, CHECK_US, MATCH_US = 0.025, 1.0, 0.4


@dataclass(frozen=True)
class Statistics:
    """What the planner knows of an index: its rows, how many hold each value of the equality filters,
    the sorted values of the range filters and map, and how many rows hold each word (FTS5's vocabulary)."""

    rows: int
    equal: dict[str, Counter]
    ordered: dict[str, list]
    terms: list[str]
    cumulative: list[int]  # rows holding each term, summed in the terms' order (0 first)
    docs: dict[str, int]
    bits: dict[str, int]  # the common terms' bits in the masks (``database.MASKS``)
    # Rows holding each term in the title or the names, and in the features (at most), summed like ``cumulative``
    in_columns: dict[str, list[int]] = field(default_factory=dict)


_EQUAL = ("neighborhood", "property_type", "purpose", "facing", "premium")
_RANGED = ("price", "bedrooms", "land_sqft", "road_ft", "lat", "lng")


def statistics(connection) -> Statistics:
    """The planner's statistics, kept on the index's connection until it changes (a version is read-only:
    computed once, ~20 ms at 10,000 listings, at ``prepare``)."""
    kept = getattr(connection, "statistics", None)
    if kept is not None and kept[0] == connection.changes:
        return kept[1]
    rows = connection.execute(f"SELECT {', '.join(_EQUAL + _RANGED)} FROM cards").fetchall()
    equal = {name: Counter(row[i] for row in rows) for i, name in enumerate(_EQUAL)}
    ordered = {name: sorted(row[i] for row in rows if row[i] is not None)
               for i, name in enumerate(_RANGED, start=len(_EQUAL))}
    vocabulary = connection.execute("SELECT term, doc FROM temp.vocabulary ORDER BY term").fetchall()
    cumulative = [0]
    for _, docs in vocabulary:
        cumulative.append(cumulative[-1] + docs)
    found = Statistics(rows=len(rows), equal=equal, ordered=ordered, terms=[term for term, _ in vocabulary],
                       cumulative=cumulative, docs=dict(vocabulary),
                       bits=dict(connection.execute("SELECT term, bit FROM common")),
                       in_columns=_in_columns(connection, [term for term, _ in vocabulary]))
    if isinstance(connection, Index):
        connection.statistics = (connection.changes, found)
    return found


def _in_columns(connection, terms: list[str]) -> dict[str, list[int]]:
    """Per group of columns the relevance tiers read, the rows holding each term there, summed in ``terms``' order."""
    groups = {"strong": ("title", "place"), "featured": ("features",)}
    found = {name: Counter() for name in groups}
    for term, column, docs in connection.execute("SELECT term, col, doc FROM temp.vocabulary_columns"):
        for name, columns in groups.items():
            if column in columns:
                found[name][term] += docs
    summed = {}
    for name, counted in found.items():
        summed[name] = [0]
        for term in terms:
            summed[name].append(summed[name][-1] + counted[term])
    return summed


def _between(values: list, low, high) -> int:
    start = 0 if low is None else bisect.bisect_left(values, low)
    end = len(values) if high is None else bisect.bisect_right(values, high)
    return max(0, end - start)


def _share(stats: Statistics, request: IndexSearch) -> float:
    """The share of the cards the filters leave, each filter taken as independent of the others."""
    f, rows = request.filters, max(stats.rows, 1)
    share = sum(stats.equal["neighborhood"][n] for n in set(f.neighborhoods)) / rows if f.neighborhoods else 1.0
    for name, value in (("property_type", f.property_type), ("purpose", f.purpose), ("facing", f.facing),
                        ("premium", None if f.premium is None else int(f.premium))):
        if value is not None:
            share *= stats.equal[name][value] / rows
    for name, low, high in (("price", f.min_price, f.max_price), ("bedrooms", f.min_bedrooms, None),
                            ("land_sqft", f.min_land_sqft, None), ("road_ft", f.min_road_ft, None)):
        if low is not None or high is not None:
            share *= _between(stats.ordered[name], low, high) / rows
    return share * _map_share(stats, request)


def _map_share(stats: Statistics, request: IndexSearch) -> float:
    near = _near_box(request.filters)
    share, rows = 1.0, max(stats.rows, 1)
    for south, west, north, east in filter(None, (request.bbox, near)):
        share *= (_between(stats.ordered["lat"], south, north) / rows) * (_between(stats.ordered["lng"], west, east) / rows)
    return share * (math.pi / 4 if near is not None else 1.0)


def _terms_starting(stats: Statistics, prefix: str) -> tuple[int, int]:
    """Where the terms ``prefix`` begins lie in ``stats.terms`` (sorted): from, to (exclusive)."""
    return bisect.bisect_left(stats.terms, prefix), bisect.bisect_left(stats.terms, prefix + "\U0010ffff")


def _word_rows(stats: Statistics, phrases: tuple[str, ...]) -> int:
    """At most how many cards hold every phrase: the fewest of any one token's (the last of a phrase as a
    prefix: every term it begins)."""
    fewest = stats.rows
    for phrase in phrases:
        *exact, last = phrase.split()
        start, end = _terms_starting(stats, last)
        fewest = min(fewest, stats.cumulative[end] - stats.cumulative[start], *(stats.docs.get(t, 0) for t in exact))
    return fewest


def _filters_side(stats: Statistics, request: IndexSearch, phrases: tuple[str, ...]) -> bool:
    """Whether checking the words of each card the filters leave costs less than listing the words' matches."""
    cards = stats.rows * _share(stats, request)
    # Relevance checks the tiers too (the words in two more strings; on the words' side, two more lists);
    # facets count apart (the filters' side checks every card's words again; the words' side reads masks).
    relevance, facets = (2 if request.order == "relevance" else 1), (2 if request.facets else 1)
    return (stats.rows * SCAN_US + cards * CHECK_US * relevance * facets
            < _word_rows(stats, phrases) * MATCH_US * relevance)


def _ordered(connection, body: str, values: dict, keys: list[str], after: list | None, count: int, *,
             window: bool = False) -> list:
    """(id, *sort values[, count]) of ``count`` rows of ``body`` after ``after`` in the order of ``keys``."""
    keyset = ""
    if after:
        names = [f":after{i}" for i in range(len(after))]
        values = {**values, **{name[1:]: value for name, value in zip(names, after, strict=True)}}
        keyset = f" AND ({', '.join(keys[-len(after):])}) > ({', '.join(names)})"
    # Ordered by the result's columns: the expressions written again would be evaluated again (the relevance
    # tiers' full-text look-ups twice).
    return connection.execute(f"SELECT c.id, {', '.join(keys)}{', count(*) OVER ()' if window else ''} {body}{keyset} "
                              f"ORDER BY {', '.join(str(n) for n in range(2, len(keys) + 2))} LIMIT :count",
                              {**values, "count": count}).fetchall()


# A tier whose words are where most cards have them (``ghar`` in the features of every house) is checked in each
# card's terms as the newest index is walked, stopping when the page is full: listing every full-text match
# of the words in those columns first (7,000 for ``ghar``: ~3.5 ms) costs more. Per tier, its columns.
_TIER_TERMS = {-3: ("strong", "featured"), -2: ("strong",), -1: ("featured",)}


def _tier_in_terms(stats: Statistics, where: _Where, tier: int, count: int) -> str | None:
    """The tier's condition on the card's terms when walking for it costs less than listing its matches (each
    card walked ~1 us with its terms, each match listed ~0.5 us); None otherwise."""
    if tier not in _TIER_TERMS or not where.phrases:
        return None
    rows = max(stats.rows, 1)
    held = min(stats.in_columns[name][end] - stats.in_columns[name][start]
               for name in _TIER_TERMS[tier]
               for start, end in [_terms_starting(stats, phrase.split()[-1]) for phrase in where.phrases])
    walked = count * rows / max(held * where.share, 1)  # cards walked until the page is full
    if walked * CHECK_US >= held * MATCH_US:
        return None
    strong, featured = (_terms_match(f"t.{name}", phrases=where.phrases) for name in ("strong", "featured"))
    return {-3: f"{strong} AND {featured}", -2: f"{strong} AND NOT {featured}", -1: f"{featured} AND NOT {strong}"}[tier]


def _tiered(connection, where: _Where, after: list | None, count: int) -> list:
    """Relevance rows, tier after tier (``TIERS``), from the position ``after`` on."""
    rows: list = []
    stats = statistics(connection)
    where.params.update({f"p{i}": phrase for i, phrase in enumerate(where.phrases)})
    for tier, condition, plain in TIERS:
        if after and tier < after[0]:
            continue
        in_terms = _tier_in_terms(stats, where, tier, count - len(rows))
        if in_terms is None:
            body = _from_where(where, [condition, *where.clauses], words=plain)
        else:
            body = (f"FROM cards c INDEXED BY cards_newest CROSS JOIN terms t ON t.id = c.id "
                    f"WHERE {' AND '.join([in_terms, *where.clauses])}")
        within = after[1:] if after and tier == after[0] else None
        rows += [(row[0], tier, *row[1:]) for row in _ordered(connection, body, where.params,
                                                               ["-c.published", "c.listing_id"], within, count - len(rows))]
        if len(rows) >= count:
            break
    return rows


WIDE = 0.1  # filters that leave this share of the index or more are wide: tiers one by one pay


def _reads_tiers(request: IndexSearch, where: _Where) -> bool:
    """Whether the page reads the relevance tiers one by one (which counts nothing); decided once a search."""
    if where.tiered is None:
        # By the planner's estimate (counting them up to a tenth took ~0.5-1.2 ms when the matches are sparse).
        where.tiered = (request.order == "relevance" and where.words == "match"
                        and (not where.narrowed or where.share >= WIDE))
    return where.tiered


def _page_body(request: IndexSearch, where: _Where, matches: int | None, apart: bool) -> str:
    """The page's ``FROM ... WHERE``. Filters without words whose counted matches are many walk the order's
    index, from a price bound on: SQLite's own choice was at times a filter's index and a sort of every match
    (houses over 2 crore with 3+ bedrooms, newest first: 4,236 sorted, 2.05 ms; walked, 0.04 ms)."""
    if apart or where.words is not None or matches is None or request.order not in ORDER_INDEXES:
        return _from_where(where)
    if not where.seek:
        where.seek = _price_seek(request, where.params)
    return _from_where(where).replace("FROM cards c", f"FROM cards c INDEXED BY {ORDER_INDEXES[request.order]}", 1)


def _page_rows(connection, request: IndexSearch, where: _Where, after: list | None, count: int, *,
               counting: bool = False, matches: int | None = None) -> tuple[list, int | None]:
    """``count`` rows after the position ``after``: (listing_id, (card, presented, guard), *sort values); with ``counting``
    also the number of rows matching from ``after`` on (a window over the rows SQLite sorts anyway)."""
    total = None
    if _reads_tiers(request, where):
        ordered = _tiered(connection, where, after, count)
    else:
        apart = _sorted_apart(statistics(connection), request, where, matches, count)
        ordered = _ordered(connection, _page_body(request, where, matches, apart), where.params,
                           _order_keys(where, request.order, apart=apart), after, count, window=counting)
        if counting:
            total = ordered[0][-1] if ordered else 0
            ordered = [row[:-1] for row in ordered]
    # The cards of this page only: sorting carries ids and sort values, not every matching card.
    cards = {row[0]: row[1:] for row in connection.execute(
        f"SELECT id, card, presented, guard FROM bodies WHERE id IN ({', '.join('?' * len(ordered))})",
        [r[0] for r in ordered])}
    return [(row[-1], cards[row[0]], *row[1:]) for row in ordered], total


def _counted(connection, where: _Where, names: tuple[str, ...]) -> tuple[int, dict | None]:
    """The exact total, and each facet's counts, from one pass over the matches."""
    clauses, params = where.clauses, where.params
    if not names:
        return connection.execute(f"SELECT count(*) {_from_where(where, counting=True)}", params).fetchone()[0], None
    # SQLite counts each combination of the facets' values (a few hundred at most come back). Grouped by
    # all four in the covering index's order whichever were asked for: the pass walks ``cards_facets``
    # with no sort; the facets not asked for are summed away below. With words, too: each card of the
    # index is looked up in the matches (a join from the matches sorted them all: 4.5 ms for a common
    # word, 3.7 ms this way; at most ~1.2 ms for a rare one).
    # Words from the filters' side: the few cards the filters leave, grouped (a sort of a few hundred rows).
    columns = ", ".join(f"c.{name}" for name in FACETS)
    if where.words == "terms" and not where.bits:
        source = "FROM cards c CROSS JOIN terms t ON t.id = c.id"
    else:
        # Few matches (a small circle's box): SQLite's own choice, the map's or a filter's index, then a sort of
        # those few (a 2 km circle over 4 crore: 1.36 ms walking the covering index, 0.72 ms from the box).
        few = where.words is None and where.share < WIDE
        source = "FROM cards c" if few else "FROM cards c INDEXED BY cards_facets"
        if where.words == "match":  # the masks are in the covering index too
            clauses = [*(where.bits or ["c.id IN (SELECT rowid FROM words WHERE words MATCH :q)"]), *clauses]
    groups = connection.execute(f"SELECT {columns}, count(*) {source} WHERE {' AND '.join(clauses) or '1'} "
                                f"GROUP BY {columns}", params).fetchall()
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


# Totals and facets of searches by filters alone are counted by bitsets (``bitsets``); tests turn it off to
# check SQLite's count against them.
COUNT_BY_BITSETS = True


def prepare(connection: sqlite3.Connection) -> sqlite3.Connection:
    """Ready a loaded index for searching: its scratch tables, the planner's statistics and the counting
    bitsets (computed once here, off the request path, rather than by the first search)."""
    scratch(connection)
    statistics(connection)
    bitsets.build(connection)
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
    where = _clauses(connection, request, entitlements, moment)
    # A search by words sorts every match that passes the filters anyway (no index gives their order): a
    # first page counts them in the same pass instead of matching the words a second time (not when the
    # tiers are read one by one, nor when the page reads the masks: both stop early, and the count is a
    # scan of the covering index). Tiers read one by one count nothing either: counted first, a search the
    # filters leave nothing of reads no tier (``sanepa`` in Maharajgunj walked every tier for no card, ~5-7 ms).
    # Filters alone that the planner expects to leave few cards are sorted apart (``_sorted_apart``): that pass
    # counts them too (a second scan of the table cost as much again: ~1 ms at 10,000 listings).
    # (Unless the bitsets count them, filters and the common terms' words alike: ~0.01-0.1 ms.)
    by_bitsets = (COUNT_BY_BITSETS and bitsets.answers(request.filters, mapped=bool(request.bbox or request.filters.near))
                  and (not request.q or where.word_masks is not None))
    # (Words sort every match anyway: counted in that pass still, which also keeps SQLite from walking an order's
    # index for a page of words, where their matches may lie at its far end.)
    if request.q:
        counting = not (where.bits and where.dense) and not _reads_tiers(request, where)
    else:
        counting = not by_bitsets and _sorted_apart(statistics(connection), request, where, None, limit + 1)
    counting = counting and not request.facets and after is None
    items: list[IndexCard | Listing] = []
    more, total, facets = True, None, None
    if not counting:  # counted apart: first, so that a search nothing matches reads no page (each relevance
        if by_bitsets:  # tier would walk the whole index)
            total, facets = bitsets.count(connection, filters=request.filters, entitlements=entitlements, at=moment,
                                          word_masks=where.word_masks, facets=request.facets)
        else:
            total, facets = _counted(connection, where, request.facets)
        more = total > 0
    while more and len(items) < limit:
        wanted = limit - len(items)
        rows, counted = _page_rows(connection, request, where, after, wanted + 1,
                                   counting=counting and total is None, matches=total)
        total = counted if total is None else total
        more = len(rows) > wanted
        for listing_id, (card, presented, guard), *position in rows[:wanted]:
            after = position
            listing = shared_index_card(guard, presented) if presented else shared_card(card)
            if can_see(listing, entitlements, at=moment):  # the query applied visibility; this is the guard
                items.append(listing)
    if total is None:  # the page was read tier by tier, which does not count
        total, facets = _counted(connection, where, request.facets)
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
