"""The index's fast paths answer exactly what a plain reference computes from the listings themselves:
totals and facet counts (whole market, filtered, by words), relevance order of common words across
every page, and the cards as PynamoDB itself would read them.

The index is built in memory from listings generated in the demo's mix (``local.demo.listing_in_memory``:
no table, what is indexed is the listing as it is); the reference filters them with ``can_see`` and plain
Python predicates, matches words as whole-token prefixes and ranks them by the documented tiers."""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from local.demo import listing_in_memory
from marketplace.entitlements import ANONYMOUS, Entitlements, can_see
from marketplace.models import Listing
from marketplace.search_index import database, query
from marketplace.search_index.documents import card_of_row, document_of, price_band
from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import ListingFilters

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
INVESTOR = Entitlements(tier="investor", active=True, expires_at=NOW + timedelta(days=30))
PREMIUM = Entitlements(tier="premium", active=True, expires_at=NOW + timedelta(days=30))
COUNT = 400


@pytest.fixture(scope="module")
def market():
    """(index, listings by id) for COUNT generated listings."""
    rng = random.Random(14)
    listings = [listing_in_memory(rng, index, moment=NOW) for index in range(COUNT)]
    connection = database.empty()
    for listing in listings:
        database.put_listing(connection, listing, listing_id=listing.listing_id)
    return database.analysed(connection), {listing.listing_id: listing for listing in listings}


# A search with words and narrowing filters is answered from either side (the planner's choice, by its
# estimates): the words' full-text matches, then the filters; or the cards the filters leave, then the words in
# each card's terms. Each side is forced in turn (by the planner's own costs), and both must give the reference.
# From the words' side, a relevance page over filters reads its tiers one by one when the filters are wide
# (``WIDE``, by the planner's estimate), in one pass otherwise: both are forced too. Totals and facets of filters
# alone are counted by bitsets as planned, and by SQLite in the last plan.
PLANS = {"planned": {}, "filters-side": {"MATCH_US": 1e9}, "words-side": {"MATCH_US": 0.0},
         "words-side-tiers-one-by-one": {"MATCH_US": 0.0, "WIDE": 0.0},
         "words-side-tiers-in-one-pass": {"MATCH_US": 0.0, "WIDE": 2.0},
         "counted-by-sqlite": {"COUNT_BY_BITSETS": False}}


@pytest.fixture(params=list(PLANS))
def plan(request, monkeypatch):
    for name, value in PLANS[request.param].items():
        monkeypatch.setattr(query, name, value)
    return request.param


# The reference: what a buyer would count by hand.

def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def _has_words(text: str, words: list[str]) -> bool:
    tokens = _tokens(text)
    return all(any(token.startswith(word) for token in tokens) for word in words)


def _tier(listing: Listing, words: list[str]) -> int | None:
    """None when the words do not all match; otherwise the documented relevance tier (lower first)."""
    texts = document_of(listing).words
    if not all(any(_has_words(text, [word]) for text in texts.values()) for word in words):
        return None
    strong = _has_words(f"{texts['title']} {texts['place']}", words)
    featured = _has_words(texts["features"], words)
    return -(2 * strong + featured)


def _on_map(listing: Listing, request: IndexSearch) -> bool:
    """Within the box and the circle, by the pin buyers see (the geohash's centre), great-circle distance."""
    point, f = document_of(listing).point, request.filters
    if request.bbox:
        south, west, north, east = request.bbox
        if not (south <= point[0] <= north and west <= point[1] <= east):
            return False
    if f.near:
        lat1, lng1, lat2, lng2 = map(math.radians, (*point, *f.near))
        haversine = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
        return 2 * query.EARTH_RADIUS_KM * math.asin(math.sqrt(haversine)) <= f.radius_km
    return True


def _passes(listing: Listing, f: ListingFilters) -> bool:
    price = None if listing.price_on_request or listing.price is None else int(listing.price)
    checks = (
        not f.neighborhoods or listing.neighborhood in f.neighborhoods,
        f.min_price is None or (price is not None and price >= f.min_price),
        f.max_price is None or (price is not None and price <= f.max_price),
        f.property_type is None or listing.property_type == f.property_type,
        f.min_bedrooms is None or (listing.bedrooms or 0) >= f.min_bedrooms,
        f.premium is None or bool(listing.premium) == f.premium,
        f.purpose is None or listing.purpose == f.purpose,
        f.facing is None or listing.facing == f.facing,
        f.min_land_sqft is None or (listing.land_area_sqft is not None and listing.land_area_sqft >= f.min_land_sqft),
        f.min_road_ft is None or (listing.road_width_ft is not None and listing.road_width_ft >= f.min_road_ft),
    )
    return all(checks)


def _reference(listings: dict, request: IndexSearch, entitlements: Entitlements) -> list[Listing]:
    words = _tokens(request.q) if request.q else []
    return [listing for listing in listings.values()
            if can_see(listing, entitlements, at=NOW) and _passes(listing, request.filters) and _on_map(listing, request)
            and (not words or _tier(listing, words) is not None)]


def _every_page(connection, request: IndexSearch, entitlements: Entitlements, limit: int) -> tuple[list[str], set]:
    """Every page of ``request`` read by its cursor: the listing ids in order, and the totals the pages gave."""
    found, cursor, totals = [], None, set()
    while True:
        page = query.search(connection, request=request, entitlements=entitlements, limit=limit, cursor=cursor, at=NOW)
        found += [item.listing_id for item in page.items]
        totals.add(page.total)
        if not (cursor := page.cursor):
            return found, totals


def _facets(found: list[Listing], names: tuple[str, ...]) -> dict:
    values = {"neighborhood": lambda x: x.neighborhood, "property_type": lambda x: x.property_type,
              "bedrooms": lambda x: "none" if x.bedrooms is None else str(x.bedrooms),
              "price_band": lambda x: price_band(None if x.price_on_request or x.price is None else int(x.price))}
    return {name: dict(sorted(Counter(values[name](x) for x in found).items())) for name in names}


SHAPES = [
    IndexSearch(facets=("neighborhood", "property_type", "bedrooms", "price_band")),
    IndexSearch(facets=("price_band",)),
    IndexSearch(facets=("bedrooms", "neighborhood")),
    IndexSearch(filters=ListingFilters(min_bedrooms=4), facets=("property_type", "price_band")),
    IndexSearch(filters=ListingFilters(min_price=20_000_000, property_type="house"), facets=("neighborhood",)),
    # every filter the bitsets count, and one they leave to SQLite (land)
    IndexSearch(filters=ListingFilters(neighborhoods=("sanepa", "bhaisepati", "bansbari"), max_price=80_000_000,
                                       purpose="sale", premium=False),
                facets=("neighborhood", "property_type", "bedrooms", "price_band")),
    IndexSearch(filters=ListingFilters(facing="S", min_price=40_000_000, max_price=150_000_000, min_bedrooms=3),
                facets=("property_type",)),
    IndexSearch(filters=ListingFilters(premium=True, purpose="rent")),
    IndexSearch(filters=ListingFilters(min_land_sqft=Decimal(2738), min_price=20_000_000), facets=("price_band",)),
    IndexSearch(q="garden", facets=("neighborhood", "property_type", "bedrooms", "price_band")),
    IndexSearch(q="himalaya view", filters=ListingFilters(premium=True), facets=("price_band", "bedrooms")),
    IndexSearch(q="lalpurja", sort="price_asc"),
    IndexSearch(q="ghar", filters=ListingFilters(min_bedrooms=3)),
    IndexSearch(q="garden", filters=ListingFilters(neighborhoods=("sanepa", "bhaisepati")),
                facets=("neighborhood", "property_type", "bedrooms", "price_band")),
    IndexSearch(q="bedroom villa", filters=ListingFilters(property_type="villa", min_price=20_000_000)),
    IndexSearch(q="ghar", filters=ListingFilters(premium=True), sort="price_desc", facets=("price_band",)),
    # price bounds restated for the price orders' indexes
    IndexSearch(q="ghar", filters=ListingFilters(min_price=40_000_000, min_bedrooms=3), sort="price_asc"),
    IndexSearch(filters=ListingFilters(min_price=20_000_000, max_price=150_000_000), sort="price_desc"),
    # circles and boxes: one whose box holds most of the valley (checked row by row), small ones (the index)
    IndexSearch(filters=ListingFilters(near=(27.6800, 85.3050), radius_km=5.0), sort="price_asc", facets=("neighborhood",)),
    IndexSearch(q="garden", filters=ListingFilters(near=(27.6800, 85.3050), radius_km=5.0, min_bedrooms=3)),
    IndexSearch(filters=ListingFilters(near=(27.6800, 85.3050), radius_km=1.0)),
    IndexSearch(bbox=(27.67, 85.29, 27.69, 85.32), facets=("property_type",)),
    # facets of few matches: counted from SQLite's choice of index (the map's, a neighbourhood's), then grouped
    IndexSearch(filters=ListingFilters(near=(27.6800, 85.3050), radius_km=1.0, min_price=20_000_000),
                facets=("neighborhood", "property_type", "bedrooms", "price_band")),
    IndexSearch(filters=ListingFilters(neighborhoods=("sanepa",), min_bedrooms=3), sort="price_asc",
                facets=("bedrooms", "price_band")),
    # a neighbourhood's own box with that neighbourhood: its index, not the map's, finds the cards
    IndexSearch(q="ghar", filters=ListingFilters(neighborhoods=("sanepa", "jhamsikhel"), min_bedrooms=2),
                bbox=(27.67, 85.29, 27.70, 85.32), facets=("bedrooms",)),
]


@pytest.mark.parametrize("entitlements", [ANONYMOUS, PREMIUM, INVESTOR], ids=["anyone", "early", "investor"])
@pytest.mark.parametrize("request_", SHAPES, ids=lambda r: f"{r.q or 'market'}-{len(r.facets)}facets")
def test_totals_and_facets_equal_the_reference(market, request_, entitlements, plan):
    # given an index of the generated market and a search of a shape the fast paths answer
    connection, listings = market
    expected = _reference(listings, request_, entitlements)
    assert expected, "the shape must match something for the comparison to mean anything"

    # when the first page is searched
    page = query.search(connection, request=request_, entitlements=entitlements, limit=10, at=NOW)

    # then the total and every facet asked for are the reference's, exactly
    assert page.total == len(expected)
    assert page.facets == (_facets(expected, request_.facets) if request_.facets else None)


@pytest.mark.parametrize("words", ["garden", "himalaya view", "lalpurja", "ghar", "sanepa"])
@pytest.mark.parametrize("filters", [ListingFilters(), ListingFilters(min_bedrooms=3),
                                     ListingFilters(premium=True, property_type="house")],
                         ids=["whole-market", "wide-filter", "narrow-filter"])
def test_relevance_pages_follow_the_reference_order_to_the_end(market, words, filters, plan):
    # given common words (most listings carry them) and rarer ones, over the whole market, with a filter
    # that leaves many listings (their tiers are read one by one) and one that leaves few (one pass)
    connection, listings = market
    left = len(_reference(listings, IndexSearch(filters=filters), ANONYMOUS)) / COUNT
    assert (left >= 0.1) == (filters.premium is None)
    request = IndexSearch(q=words, filters=filters)
    seen = _reference(listings, request, ANONYMOUS)
    tokens = _tokens(words)
    expected = [x.listing_id for x in sorted(seen, key=lambda x: (_tier(x, tokens), -x.published_at.timestamp(),
                                                                 x.listing_id))]

    # when every page is read by its cursor
    found, cursor, totals = [], None, set()
    while True:
        page = query.search(connection, request=request, limit=3, cursor=cursor, at=NOW)
        found += [item.listing_id for item in page.items]
        totals.add(page.total)
        cursor = page.cursor
        if not cursor:
            break

    # then the order is the reference's, every page full until the end, and the total exact on each page
    assert len(expected) > 3 or words == "sanepa", "the order is only tested over several pages"
    assert found == expected
    assert totals == {len(expected)}


def _price(listing: Listing) -> int | None:
    return None if listing.price_on_request or listing.price is None else int(listing.price)


ORDERED_BY = {"price_asc": lambda x: (_price(x) is None, _price(x) or 0, x.listing_id),
              "price_desc": lambda x: (_price(x) is None, -(_price(x) or 0), x.listing_id),
              "newest": lambda x: (-x.published_at.timestamp(), x.listing_id)}


@pytest.mark.parametrize("words", ["garden", "himalaya view", "ghar", "lalpurja"])
@pytest.mark.parametrize("sort", list(ORDERED_BY))
def test_words_with_filters_in_another_order_follow_the_reference_to_the_end(market, words, sort, plan):
    # given words (common ones are matched by the masks when the filters' side is taken), a filter that
    # leaves a few dozen cards with a price bound, and an order other than relevance
    connection, listings = market
    request = IndexSearch(q=words, filters=ListingFilters(property_type="house", min_price=20_000_000), sort=sort)
    expected = [x.listing_id for x in sorted(_reference(listings, request, INVESTOR), key=ORDERED_BY[sort])]

    # when every page is read by its cursor
    found, totals = _every_page(connection, request, INVESTOR, 4)

    # then the pages hold the reference's cards in its order, with its total on each page
    assert len(expected) > 4, "the order is only tested over several pages"
    assert found == expected
    assert totals == {len(expected)}


@pytest.mark.parametrize("words", ["सानेपा", "बूढानीलकण्ठ", "साने", "बूढानील", "Bhaisépati", "ring road", "ri"])
def test_both_sides_of_the_planner_find_the_same_pages(market, words, monkeypatch):
    # given words FTS5 splits (Devanagari names, accents, a phrase-like pair, a two-letter prefix) and a
    # filter that leaves a few cards
    connection, _ = market
    request = IndexSearch(q=words, filters=ListingFilters(min_bedrooms=4, premium=False))
    pages = {}
    for side, match_us in (("filters", 1e9), ("words", 0.0)):
        # when every page is read from each side of the planner
        monkeypatch.setattr(query, "MATCH_US", match_us)
        found, cursor = [], None
        while True:
            page = query.search(connection, request=request, limit=4, cursor=cursor, at=NOW)
            found += [(item.listing_id, page.total) for item in page.items]
            if not (cursor := page.cursor):
                break
        pages[side] = found

    # then both give the same cards in the same order, with the same totals
    assert pages["filters"], "the words must match something"
    assert pages["filters"] == pages["words"]


def test_a_card_read_from_the_index_is_the_listing_pynamodb_reads(market):
    # given the stored card of every generated listing (exclusive, coming soon, on request among them)
    connection, _ = market
    stored = [card for (card,) in connection.execute("SELECT card FROM bodies")]

    # when each is read the index's way and PynamoDB's way
    for card in stored:
        fast, reference = card_of_row(card).attribute_values, Listing.from_raw_data(json.loads(card)).attribute_values
        # then they hold the same values (``updated_at`` is not on a card: both default it to the moment read)
        assert {k: v for k, v in fast.items() if k != "updated_at"} == {
            k: v for k, v in reference.items() if k != "updated_at"}
    assert len(stored) == COUNT  # every generated listing is listed, so indexed


# A page of a few matches sorts them apart (found by the filters' index) instead of walking its order's index;
# with many it walks. Each plan is forced in turn by the planner's own costs.
ORDER_PLANS = {"planned": {}, "sorted-apart": {"WALK_US": 1e9}, "walked": {"WALK_US": 0.0}}


@pytest.mark.parametrize("order_plan", list(ORDER_PLANS))
@pytest.mark.parametrize("filters", [
    ListingFilters(neighborhoods=("hattiban", "chobhar"), max_price=80_000_000),
    ListingFilters(property_type="house", premium=True),
    ListingFilters(min_price=20_000_000, min_bedrooms=3)], ids=["two-places-under-a-price", "premium-houses", "wide"])
@pytest.mark.parametrize("sort", list(ORDERED_BY))
def test_filtered_pages_in_an_order_follow_the_reference_whichever_index_is_read(market, filters, sort, order_plan,
                                                                                  monkeypatch):
    # given filters that leave few cards or many, an order with its own index, and the page's plan forced
    for name, value in ORDER_PLANS[order_plan].items():
        monkeypatch.setattr(query, name, value)
    connection, listings = market
    request = IndexSearch(filters=filters, sort=sort)
    expected = [x.listing_id for x in sorted(_reference(listings, request, INVESTOR), key=ORDERED_BY[sort])]

    # when every page is read by its cursor
    found, totals = _every_page(connection, request, INVESTOR, 3)

    # then the pages hold the reference's cards in its order, with its total on each page
    assert len(expected) > 3, "the order is only tested over several pages"
    assert found == expected
    assert totals == {len(expected)}


@pytest.mark.parametrize("words", ["sanepa", "garden", "lalpurja"])
def test_relevance_tiers_over_wide_filters_count_before_reading_a_page(market, words, plan):
    # given wide filters (their tiers are read one by one) in places other than the word's own neighbourhood,
    # so a place name the filters leave few or no cards of is counted before any tier is walked
    connection, listings = market
    filters = ListingFilters(neighborhoods=tuple(p for p in ("bhaisepati", "maharajgunj", "lazimpat", "baluwatar",
                                                             "budhanilkantha", "bansbari") if p != words))
    request = IndexSearch(q=words, filters=filters)
    assert len(_reference(listings, IndexSearch(filters=filters), ANONYMOUS)) >= 0.1 * COUNT
    tokens = _tokens(words)
    expected = [x.listing_id for x in sorted(_reference(listings, request, ANONYMOUS),
                                             key=lambda x: (_tier(x, tokens), -x.published_at.timestamp(), x.listing_id))]

    # when every page is read by its cursor
    found, totals = _every_page(connection, request, ANONYMOUS, 4)

    # then the cards, their order and the total are the reference's (none at all for a place left out)
    assert found == expected
    assert totals == {len(expected)}


@pytest.mark.parametrize("sort", [None, "price_asc", "newest"])
@pytest.mark.parametrize(("devanagari", "romanised"), [("सानेपा", "sanepa"), ("बूढानीलकण्ठ", "budhanilkantha"),
                                                       ("सानेपा garden", "sanepa garden")])
def test_a_neighbourhood_named_in_devanagari_is_the_search_of_its_romanised_name(market, devanagari, romanised,
                                                                                 sort, plan):
    # given a neighbourhood's name written in Devanagari (FTS5 would split it at its vowel signs) and filters
    connection, listings = market
    filters = ListingFilters(min_bedrooms=2)
    in_place = [x for x in listings.values() if x.neighborhood == romanised.split()[0] and _passes(x, filters)]
    assert in_place, "the place must hold listings for the comparison to mean anything"

    # when every page is read for each spelling
    pages = {words: _every_page(connection, IndexSearch(q=words, filters=filters, sort=sort), INVESTOR, 4)
             for words in (devanagari, romanised)}

    # then both spellings find the same cards in the same order with the same totals, the place's among them
    assert pages[devanagari] == pages[romanised]
    assert {x.listing_id for x in in_place} & set(pages[devanagari][0])


def test_a_devanagari_name_finds_what_its_romanised_name_finds_outside_the_place_too():
    # given a listing in Sanepa and one in Lazimpat whose description names Sanepa in Latin letters
    rng = random.Random(7)
    in_sanepa, nearby = (listing_in_memory(rng, index, moment=NOW) for index in range(2))
    in_sanepa.neighborhood, nearby.neighborhood = "sanepa", "lazimpat"
    nearby.description = "Ten minutes from Sanepa by car."
    connection = database.empty()
    for listing in (in_sanepa, nearby):
        database.put_listing(connection, listing, listing_id=listing.listing_id)
    connection = database.analysed(connection)

    # when the place is searched by its Devanagari name
    page = query.search(connection, request=IndexSearch(q="सानेपा", sort="newest"), entitlements=INVESTOR, at=NOW)

    # then both are found, as "sanepa" finds them
    expected = query.search(connection, request=IndexSearch(q="sanepa", sort="newest"), entitlements=INVESTOR, at=NOW)
    assert {x.listing_id for x in page.items} == {in_sanepa.listing_id, nearby.listing_id}
    assert [x.listing_id for x in page.items] == [x.listing_id for x in expected.items]


@pytest.mark.parametrize("counted_by", ["bitsets", "sqlite"])
def test_totals_follow_coming_soon_dates_as_they_pass(market, counted_by, monkeypatch):
    # given coming-soon listings public within the next 20 days, counted one way or the other
    monkeypatch.setattr(query, "COUNT_BY_BITSETS", counted_by == "bitsets")
    connection, listings = market
    request = IndexSearch(filters=ListingFilters(min_bedrooms=2), facets=("property_type",))
    soon = [x for x in listings.values() if x.status == "coming_soon"]
    assert soon and all(x.public_at > NOW for x in soon)

    # when anyone searches as the days pass (and once more at the first moment)
    for days in (0, 5, 10, 21, 0):
        at = NOW + timedelta(days=days)
        page = query.search(connection, request=request, entitlements=ANONYMOUS, limit=5, at=at)

        # then each coming-soon listing is counted from its moment on, exactly as a buyer would see it
        expected = [x for x in listings.values() if can_see(x, ANONYMOUS, at=at) and _passes(x, request.filters)]
        assert page.total == len(expected)
        assert page.facets == _facets(expected, request.facets)
    passed_midway = [x for x in soon if NOW < x.public_at <= NOW + timedelta(days=10)]
    assert passed_midway, "some dates pass within the searches' days"
