"""Search through the DynamoDB Query path, the fallback while the search index cannot be loaded (no index
is published in these tests): filters, orders, pages and cursors. The index is tested in
``test_search_index``."""

from __future__ import annotations

import base64
import json

from tests.public_api.conftest import get
from tests.shared.listings import make_listing


def _ids(response):
    assert response.status_code == 200, response.text
    return [card["listing_id"] for card in response.json()["items"]]


def test_filters_narrow_the_results(api, lister):
    small = make_listing(lister, status="active", title="Small house", land_area_sqft="0-4-0-0", bedrooms=3, road_width_ft=12,
                    facing="E", price="2 crore")
    big = make_listing(lister, status="active", title="Big house", land_area_sqft="1-4-0-0", bedrooms=6, road_width_ft=26,
                  facing="S", price="12 crore")
    land = make_listing(lister, status="active", title="Corner plot", property_type="land", purpose="sale", land_area_sqft="2-0-0-0", facing="N",
                   bedrooms=None, bathrooms=None, built_up_area_sqft=None, price="8 crore", neighborhood="bhaisepati",
                   latitude="27.6545", longitude="85.3003")
    assert _ids(get(api, "/v1/listings?min_land=8%20aana")) == [land.listing_id, big.listing_id]
    assert _ids(get(api, "/v1/listings?min_land=500%20m2")) == [land.listing_id, big.listing_id]
    assert _ids(get(api, "/v1/listings?min_land=1-4-0-0")) == [land.listing_id, big.listing_id]
    assert _ids(get(api, "/v1/listings?min_bedrooms=4")) == [big.listing_id]
    assert _ids(get(api, "/v1/listings?min_road_ft=20&facing=S")) == [big.listing_id]
    assert _ids(get(api, "/v1/listings?type=land")) == [land.listing_id]
    assert _ids(get(api, "/v1/listings?neighborhood=bhaisepati")) == [land.listing_id]
    assert _ids(get(api, "/v1/listings?neighborhood=bhaisepati&neighborhood=budhanilkantha")) == [
        land.listing_id, big.listing_id, small.listing_id]
    assert _ids(get(api, "/v1/listings?min_price=50000000&max_price=100000000")) == [land.listing_id]
    assert _ids(get(api, "/v1/listings?near=27.6550,85.3010&radius_km=1")) == [land.listing_id]


def test_one_neighbourhood_sorts_by_price_and_price_on_request_comes_last(api, lister):
    cheap = make_listing(lister, status="active", title="Cheap house", price="3 crore")
    dear = make_listing(lister, status="active", title="Dear house", price="7 crore")
    secret = make_listing(lister, status="active", title="Ask for the price", price=None, price_on_request=True)
    ascending = get(api, "/v1/listings?neighborhood=budhanilkantha&sort=price_asc").json()["items"]
    assert [c["listing_id"] for c in ascending] == [cheap.listing_id, dear.listing_id, secret.listing_id]
    assert ascending[2]["price"] == {"amount": None, "label": "Price on request", "on_request": True,
                                     "approx": None}
    assert _ids(get(api, "/v1/listings?neighborhood=budhanilkantha&sort=price_desc")) == [
        secret.listing_id, dear.listing_id, cheap.listing_id]
    # one neighbourhood and a price range, no order asked: the market index, cheapest first
    assert _ids(get(api, "/v1/listings?neighborhood=budhanilkantha&max_price=80000000")) == [
        cheap.listing_id, dear.listing_id]


def test_without_the_index_a_city_wide_price_order_waits_for_it(api):
    response = get(api, "/v1/listings?sort=price_asc")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_premium_filter_serves_the_latest_premium_listings(api, lister):
    make_listing(lister, status="active", title="Ordinary")
    premium = make_listing(lister, status="active", title="Featured house", premium=True)
    assert _ids(get(api, "/v1/listings?premium=true")) == [premium.listing_id]


def test_pages_follow_the_cursor_to_the_end_without_repeats(api, lister):
    made = [make_listing(lister, status="active", title=f"House {n}").listing_id for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = get(api, f"/v1/listings{query}").json()
        seen += [card["listing_id"] for card in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))
    assert pages == 3


def test_a_tampered_or_foreign_cursor_is_refused(api, lister):
    for n in range(3):
        make_listing(lister, status="active", title=f"House {n}")
    cursor = get(api, "/v1/listings?limit=1").json()["next_cursor"]
    body, signature = cursor.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["s"] = "search:gsi2:MKT#sanepa:asc"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=") + "." + signature
    for bad in (forged, cursor[:-3] + "abc", "garbage", "a.b"):
        response = get(api, f"/v1/listings?limit=1&cursor={bad}")
        assert response.status_code == 400, bad
        assert response.json()["field"] == "cursor"
    other_query = get(api, f"/v1/listings?limit=1&premium=true&cursor={cursor}")
    assert other_query.status_code == 400
    assert other_query.json() == {"code": "validation_error", "message": "belongs to a different query",
                                  "field": "cursor", "errors": {"cursor": "belongs to a different query"}}


def test_a_filtered_page_reads_a_bounded_number_of_items_and_may_come_back_short(api, lister):
    for n in range(4):
        make_listing(lister, status="active", title=f"House {n}", bedrooms=3)
    wanted = make_listing(lister, status="active", title="Grand mansion", bedrooms=9)
    first = get(api, "/v1/listings?min_bedrooms=9&limit=2").json()
    assert [c["listing_id"] for c in first["items"]] == [wanted.listing_id]
    second = get(api, f"/v1/listings?min_bedrooms=9&limit=2&cursor={first['next_cursor']}").json()
    assert second["items"] == []


def test_feed_and_neighbourhoods(api, lister):
    first = make_listing(lister, status="active", title="First house", price="4 crore", land_area_sqft="0-8-0-0")
    second = make_listing(lister, status="active", title="Second house", price="6 crore", land_area_sqft="1-0-0-0")
    make_listing(lister, status="active", title="Off-market", exclusive=True, price="20 crore", land_area_sqft="1-0-0-0")
    assert _ids(get(api, "/v1/feed")) == [second.listing_id, first.listing_id]
    places = {n["slug"]: n for n in get(api, "/v1/neighborhoods").json()["items"]}
    assert places["budhanilkantha"] == {
        "slug": "budhanilkantha", "name": "Budhanilkantha", "premium": True, "active_count": 2,
        "median_price_per_ropani": 70_000_000, "median_price_per_ropani_label": "Rs 7 crore"}
    assert places["sanepa"]["active_count"] == 0
    assert places["sanepa"]["median_price_per_ropani"] is None
