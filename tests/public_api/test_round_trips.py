"""DynamoDB round trips per request, counted through botocore's events: an N+1 fails here."""

from __future__ import annotations

import requests

from public_api import agency_cards
from tests.public_api.conftest import get
from tests.shared.listings import make_listing

SEARCHES = ("", "?limit=3", "?neighborhood=budhanilkantha&min_price=40000000&max_price=70000000",
            "?neighborhood=budhanilkantha&neighborhood=sanepa&type=house&min_land=8%20aana",
            "?premium=true", "?near=27.7781,85.3620&radius_km=2")


def test_with_the_index_a_search_page_reads_nothing_from_dynamodb(api, lister, reindex, dynamodb_calls):
    for number in range(6):
        make_listing(lister, status="active", title=f"House {number}", price=f"{3 + number} crore")
    reindex()
    get(api, "/v1/listings")  # a cold function loads the index: the version item, then the object
    for query in (*SEARCHES, "?q=house&sort=price_asc&facets=neighborhood,price_band", "?bbox=27.7,85.3,27.8,85.4"):
        dynamodb_calls.reset()
        response = get(api, f"/v1/listings{query}")
        assert response.status_code == 200, response.text
        assert dynamodb_calls.count() == {}, query


def test_without_the_index_a_search_page_is_one_query_whatever_the_filters(api, lister, dynamodb_calls):
    for number in range(6):
        make_listing(lister, status="active", title=f"House {number}", price=f"{3 + number} crore")
    get(api, "/v1/listings")  # a cold function tries to load the index and finds none
    for query in SEARCHES:
        dynamodb_calls.reset()
        response = get(api, f"/v1/listings{query}")
        assert response.status_code == 200, response.text
        assert dynamodb_calls.count() == {"Query": 1}, query


def test_a_signed_in_search_adds_only_the_subscription_read(api, market, reindex, premium_buyer, dynamodb_calls):
    reindex()
    get(api, "/v1/listings")  # the cold load
    dynamodb_calls.reset()
    get(api, "/v1/listings", premium_buyer)
    assert dynamodb_calls.count() == {"GetItem": 1}


def test_a_detail_is_one_query_two_small_batch_reads_and_one_counter_update(api, market, buyer, dynamodb_calls):
    # The broker's card is read from the broker's profile and their agency's licence from the agency (never
    # stale on the listing): one batch read each.
    response = get(api, f"/v1/listings/{market['public'].listing_id}")
    assert response.status_code == 200
    assert dynamodb_calls.count() == {"Query": 1, "BatchGetItem": 2, "UpdateItem": 1}
    dynamodb_calls.reset()
    get(api, f"/v1/listings/{market['public'].listing_id}", buyer)  # nothing needs the subscription
    assert dynamodb_calls.count() == {"Query": 1, "BatchGetItem": 2, "UpdateItem": 1}


def test_the_favorites_list_is_one_query_and_one_batch_get(api, lister, buyer, dynamodb_calls):
    for number in range(5):
        listing = make_listing(lister, status="active", title=f"Saved house {number}")
        requests.put(f"{api}/v1/me/favorites/{listing.listing_id}", headers=buyer.headers, timeout=30)
    dynamodb_calls.reset()
    response = get(api, "/v1/me/favorites", buyer)
    assert len(response.json()["items"]) == 5
    # The cards' agencies: the brokers' profiles and their agencies, two batch reads, then kept a minute
    assert dynamodb_calls.count() == {"Query": 1, "BatchGetItem": 1 + 2}
    dynamodb_calls.reset()
    get(api, "/v1/me/favorites", buyer)
    assert dynamodb_calls.count() == {"Query": 1, "BatchGetItem": 1}


def test_a_page_of_cards_reads_its_brokers_agencies_once_then_keeps_them(api, market, reindex, dynamodb_calls):
    reindex()
    get(api, "/v1/feed")  # the cold load of the index
    agency_cards.forget()
    dynamodb_calls.reset()
    get(api, "/v1/listings")
    assert dynamodb_calls.count() == {"BatchGetItem": 2}  # the broker's profile, then their agency
    dynamodb_calls.reset()
    get(api, "/v1/listings?limit=3")
    assert dynamodb_calls.count() == {}


def test_me_is_one_query(api, buyer, dynamodb_calls):
    get(api, "/v1/me", buyer)
    assert dynamodb_calls.count() == {"Query": 1}
