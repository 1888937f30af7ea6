"""Prices in other currencies on search and detail: a guide at NRB's reference rate, with its date,
never used to filter; one read of the rates per container and cache period."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from marketplace.exchange_rates import approximate, snapshot_sheet
from marketplace.services.exchange_rates import rates_store
from tests.public_api.conftest import get


def _store_todays_sheet():
    sheet = replace(snapshot_sheet(), rate_date=datetime.now(UTC).date())
    rates_store(sheet=sheet)
    return sheet


def test_detail_in_dollars_is_a_dated_guide(api, market):
    sheet = _store_todays_sheet()
    price = get(api, f"/v1/listings/{market['public'].listing_id}?currency=USD").json()["price"]
    expected = approximate(45_000_000, currency="USD", sheet=sheet)
    assert price["amount"] == 45_000_000  # the price itself stays in rupees
    assert price["approx"] == [{"currency": "USD", "amount": expected.amount, "label": expected.label,
                                "rate": float(expected.rate), "rate_date": sheet.rate_date.isoformat(),
                                "source": "Nepal Rastra Bank", "note": "a guide"}]


def test_without_a_currency_or_without_rates_there_is_no_guide(api, market):
    listing_id = market["public"].listing_id
    # no rates stored yet: the price is shown without a guide, never an error
    assert get(api, f"/v1/listings/{listing_id}?currency=GBP").json()["price"]["approx"] is None
    _store_todays_sheet()
    assert get(api, f"/v1/listings/{listing_id}").json()["price"]["approx"] is None


def test_an_unknown_currency_names_the_field(api, market):
    response = get(api, f"/v1/listings/{market['public'].listing_id}?currency=XYZ")
    assert response.status_code == 422
    assert "currency" in response.text


def test_search_shows_the_guide_but_filters_in_rupees(api, market):
    _store_todays_sheet()
    query = "/v1/listings?min_price=40000000&max_price=50000000"
    in_rupees = get(api, query).json()
    in_dirhams = get(api, f"{query}&currency=AED").json()
    assert [c["listing_id"] for c in in_dirhams["items"]] == [c["listing_id"] for c in in_rupees["items"]]
    assert in_dirhams["items"], "the filter should find the 4.5 crore house"
    assert all(c["price"]["approx"][0]["currency"] == "AED" for c in in_dirhams["items"])
    assert all(c["price"]["approx"] is None for c in in_rupees["items"])


def test_the_rates_are_read_once_per_container_and_period(api, market, dynamodb_calls):
    _store_todays_sheet()
    listing_id = market["public"].listing_id
    get(api, f"/v1/listings/{listing_id}?currency=EUR")
    first = dynamodb_calls.count()
    dynamodb_calls.reset()
    get(api, f"/v1/listings/{listing_id}?currency=AUD")
    assert first.get("GetItem") == 1
    # the detail's own reads (listing, broker cards, their agencies, the view counter): no rates read again
    assert dynamodb_calls.count() == {"Query": 1, "BatchGetItem": 2, "UpdateItem": 1}
