"""Buyer-facing listing search: one DynamoDB Query per page, over an index that holds only what a
card shows (``marketplace.table.CARD_ATTRIBUTES``).

The filters choose the access pattern (``marketplace.models.Listing``):
- price order (``price_asc``/``price_desc``, or no order asked for with one neighbourhood and a price
  bound): ``Listing.in_market``, the neighbourhood's market index sorted by price, the price range as
  the key condition;
- premium only, newest first: ``Listing.latest_premium``;
- anything else, newest first: ``Listing.feed``.
The other filters and the visibility rule (exclusive listings, early access) go into the Query's
FilterExpression, and every card is checked again with ``can_see``. ``Limit`` bounds how many index
items one page reads, so a page may hold fewer cards than asked (even none) and still have a
``next_cursor``: read cost stays bounded whatever the filters. Cursors are signed and bound to the
index, partition and order they came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pygeohash

from marketplace.config import settings
from marketplace.entitlements import ANONYMOUS, Entitlements, can_see
from marketplace.errors import ValidationError
from marketplace.lifecycle import Status
from marketplace.market import median_price_per_ropani
from marketplace.models import Listing
from marketplace.neighbourhoods import BY_SLUG, NEIGHBOURHOODS
from marketplace.pagination import Page, decode_cursor, encode_cursor, scope_of

SORTS = ("newest", "price_asc", "price_desc")
MAX_PAGE = 50
MAX_RADIUS_KM = 25.0
_NEAR_CELLS = 12  # at most this many geohash prefixes in one FilterExpression


@dataclass(frozen=True)
class ListingFilters:
    neighborhoods: tuple[str, ...] = ()
    min_price: int | None = None
    max_price: int | None = None
    property_type: str | None = None
    purpose: str | None = None
    min_bedrooms: int | None = None
    min_land_sqft: Decimal | None = None
    min_road_ft: Decimal | None = None
    facing: str | None = None
    premium: bool | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    sort: str | None = None  # None: the order the filters serve best (see the module docstring)


@dataclass(frozen=True)
class SearchPlan:
    pattern: Callable  # Listing.in_market | Listing.latest_premium | Listing.feed
    forward: bool
    neighborhood: str | None = None  # the market's neighbourhood (in_market only)
    price_range: tuple[int | None, int | None] = (None, None)  # its key condition (in_market only)
    neighborhood_filter: tuple[str, ...] = field(default=())

    @property
    def scope(self) -> str:
        """Cursors continue the same pattern, partition and order (not the same filters: those may change)."""
        partition = (self.neighborhood,) if self.pattern == Listing.in_market else ()
        return "search:" + scope_of(self.pattern, *partition, "asc" if self.forward else "desc")

    def query(self, **query):
        if self.pattern == Listing.in_market:
            return Listing.in_market(self.neighborhood, self.price_range, **query)
        return self.pattern(**query)


def _check(filters: ListingFilters) -> None:
    unknown = [n for n in filters.neighborhoods if n not in BY_SLUG]
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a neighbourhood we list in", field="neighborhood")
    check_price_range(filters)
    if filters.sort is not None and filters.sort not in SORTS:
        raise ValidationError(f"must be one of: {', '.join(SORTS)}", field="sort")
    if filters.sort in ("price_asc", "price_desc") and len(set(filters.neighborhoods)) != 1:
        raise ValidationError("sorting by price needs exactly one neighborhood", field="sort")
    check_radius(filters)


def check_price_range(filters: ListingFilters) -> None:
    """Refuse a price window that is empty (shared by the DynamoDB path and the search index)."""
    if filters.min_price is not None and filters.max_price is not None and filters.min_price > filters.max_price:
        raise ValidationError("is below min_price", field="max_price")


def check_radius(filters: ListingFilters) -> None:
    """Refuse a radius without a centre, or outside its bounds (shared with the search index)."""
    if filters.radius_km is not None and filters.near is None:
        raise ValidationError("needs near=lat,lng", field="radius_km")
    if filters.radius_km is not None and not 0 < filters.radius_km <= MAX_RADIUS_KM:
        raise ValidationError(f"must be more than 0 and at most {MAX_RADIUS_KM:g}", field="radius_km")


def search_plan(filters: ListingFilters) -> SearchPlan:
    """Which access pattern and partition serve these filters (validated first)."""
    _check(filters)
    neighborhoods = tuple(dict.fromkeys(filters.neighborhoods))
    priced = filters.min_price is not None or filters.max_price is not None
    by_price = filters.sort in ("price_asc", "price_desc") or (
        filters.sort is None and len(neighborhoods) == 1 and priced)
    if by_price:
        return SearchPlan(Listing.in_market, forward=filters.sort != "price_desc", neighborhood=neighborhoods[0],
                          price_range=(filters.min_price, filters.max_price))
    if filters.premium:
        return SearchPlan(Listing.latest_premium, forward=False, neighborhood_filter=neighborhoods)
    return SearchPlan(Listing.feed, forward=False, neighborhood_filter=neighborhoods)


def _and(condition, more):
    return more if condition is None else condition & more


def visibility_condition(entitlements: Entitlements, *, at: datetime):
    """The visibility rule of ``can_see`` as a FilterExpression (the indexes hold listed statuses, and sold
    or let listings until the clock takes them out: one whose days are over is left out before that)."""
    condition = (Listing.status != Status.CLOSED.value) | (
        Listing.closed_at > at - timedelta(days=settings().sold_shown_days))
    if not entitlements.exclusive_access:
        condition = _and(condition, Listing.exclusive.does_not_exist() | (Listing.exclusive == False))
    if not entitlements.early_access:
        condition = _and(condition, (Listing.status != Status.COMING_SOON.value) | (Listing.public_at <= at))
    return condition


def _near_cells(latitude: float, longitude: float, radius_km: float) -> list[str]:
    dlat = radius_km / 111.32
    dlng = radius_km / (111.32 * max(math.cos(math.radians(latitude)), 0.01))
    box = pygeohash.BoundingBox(max(latitude - dlat, -90), max(longitude - dlng, -180),
                                min(latitude + dlat, 90), min(longitude + dlng, 180))
    for precision in (6, 5, 4, 3, 2):
        cells = pygeohash.geohashes_in_box(box, precision=precision)
        if len(cells) <= _NEAR_CELLS:
            return cells
    return []  # pragma: no cover - a 25 km radius fits in a few precision-3 cells


def _within(listing: Listing, near: tuple[float, float], radius_km: float) -> bool:
    if not listing.geohash:
        return False
    centre = pygeohash.encode(near[0], near[1], precision=9)
    return pygeohash.geohash_haversine_distance(centre, listing.geohash) <= radius_km * 1000


def filter_condition(filters: ListingFilters, plan: SearchPlan, entitlements: Entitlements, *, at: datetime):
    condition = visibility_condition(entitlements, at=at)
    if plan.neighborhood_filter:
        condition = _and(condition, Listing.neighborhood.is_in(*plan.neighborhood_filter))
    if filters.min_price is not None:  # also drops price-on-request listings, which have no price
        condition = _and(condition, Listing.price >= filters.min_price)
    if filters.max_price is not None:
        condition = _and(condition, Listing.price <= filters.max_price)
    for attribute, value in ((Listing.property_type, filters.property_type), (Listing.purpose, filters.purpose),
                             (Listing.facing, filters.facing)):
        if value is not None:
            condition = _and(condition, attribute == value)
    for attribute, value in ((Listing.bedrooms, filters.min_bedrooms), (Listing.land_area_sqft, filters.min_land_sqft),
                             (Listing.road_width_ft, filters.min_road_ft)):
        if value is not None:
            condition = _and(condition, attribute >= value)
    if filters.premium is not None and plan.pattern != Listing.latest_premium:
        condition = _and(condition, Listing.premium == filters.premium)
    if filters.near is not None:
        cells = _near_cells(*filters.near, filters.radius_km or 2.0)
        near = None
        for cell in cells:
            near = Listing.geohash.startswith(cell) if near is None else near | Listing.geohash.startswith(cell)
        condition = _and(condition, near)
    return condition


def listing_search(*, filters: ListingFilters, entitlements: Entitlements = ANONYMOUS, limit: int = 20,
                   cursor: str | None = None, at: datetime | None = None) -> Page[Listing]:
    """One page of cards (``Listing`` items holding the card attributes), newest or by price.
    Exactly one Query, reading at most ``limit`` index items."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"must be between 1 and {MAX_PAGE}", field="limit")
    moment = at or datetime.now(UTC)
    plan = search_plan(filters)
    start = decode_cursor(cursor, scope=plan.scope)
    result = plan.query(filter_condition=filter_condition(filters, plan, entitlements, at=moment),
                        scan_index_forward=plan.forward, page_size=limit, last_evaluated_key=start)
    raw = next(result.page_iter)  # one page = one Query; ResultIterator would keep reading to fill it
    cards = [Listing.from_raw_data(item) for item in raw.get("Items", [])]
    cards = [c for c in cards if can_see(c, entitlements, at=moment)]
    if filters.near is not None:
        cards = [c for c in cards if _within(c, filters.near, filters.radius_km or 2.0)]
    return Page(items=cards, cursor=encode_cursor(raw.get("LastEvaluatedKey"), scope=plan.scope))


@dataclass(frozen=True)
class NeighbourhoodSummary:
    slug: str
    name: str
    premium: bool
    active_count: int
    median_price_per_ropani: int | None


def neighbourhood_summaries(*, at: datetime | None = None) -> list[NeighbourhoodSummary]:
    """Every neighbourhood with its active public listings and their median sale price per ropani.
    Reads the feed index through (cards only); callers cache the answer for minutes."""
    moment = at or datetime.now(UTC)
    counts = {n.slug: 0 for n in NEIGHBOURHOODS}
    cards = [card for card in Listing.feed(filter_condition=Listing.status == Status.ACTIVE.value)
             if card.neighborhood in counts and can_see(card, ANONYMOUS, at=moment)]
    for card in cards:
        counts[card.neighborhood] += 1
    medians = median_price_per_ropani(cards)
    return [NeighbourhoodSummary(
        slug=n.slug, name=n.name, premium=n.premium, active_count=counts[n.slug],
        median_price_per_ropani=int(medians[n.slug]) if n.slug in medians else None)
        for n in NEIGHBOURHOODS]
