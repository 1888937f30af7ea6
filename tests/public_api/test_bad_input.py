"""Bad input is answered with a clear error naming the field, never a 500."""

from __future__ import annotations

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from marketplace.errors import ValidationError
from public_api.routers import MAX_NPR, npr_param
from tests.public_api.conftest import get

BAD_QUERIES = [
    ("limit=0", 422, "limit"),
    ("limit=51", 422, "limit"),
    ("limit=ten", 422, "limit"),
    ("min_price=-1", 400, "min_price"),
    ("min_price=99999999999999999999", 400, "min_price"),
    ("min_price=five%20crore", 400, "min_price"),
    ("max_price=4%20acres", 400, "max_price"),
    ("max_price=4.5%20crore%203%20lakh%202%20crore", 400, "max_price"),
    ("min_price=" + "9" * 41, 400, "min_price"),
    ("max_price=", 400, "max_price"),
    ("min_price=9000&max_price=10", 400, "max_price"),
    ("type=castle", 422, "type"),
    ("facing=UP", 422, "facing"),
    ("sort=random", 422, "sort"),
    ("neighborhood=atlantis", 400, "neighborhood"),
    ("neighborhood=x%27%20OR%20%271%27%3D%271", 400, "neighborhood"),
    ("neighborhood=MKT%23sanepa", 400, "neighborhood"),
    ("min_land=lots", 400, "min_land"),
    ("min_land=1-17-0-0", 400, "min_land"),
    ("near=somewhere", 400, "near"),
    ("near=95,85", 400, "near"),
    ("near=27.7,85.3&radius_km=5000", 422, "radius_km"),
    ("radius_km=2", 400, "radius_km"),
    ("premium=maybe", 422, "premium"),
    ("cursor=" + "x" * 3000, 422, "cursor"),
    ("cursor=%7B%22pk%22%3A%7B%22S%22%3A%22USER%23x%22%7D%7D", 400, "cursor"),
]


def test_bad_search_parameters_are_rejected_naming_the_field(api):
    for query, status, field in BAD_QUERIES:
        response = get(api, f"/v1/listings?{query}")
        assert response.status_code == status, (query, response.text)
        body = response.json()
        assert body["field"] == field, (query, body)
        assert body["code"] == "validation_error"
        assert field in body["message"] or body["message"], query


def test_a_malformed_listing_id_is_not_found_and_never_reaches_the_table(api):
    for listing_id in ("LISTING%23x", "a" * 200, "01jzzzzzzzzzzzzzzzzzzzzzz%27", "%00"):
        response = get(api, f"/v1/listings/{listing_id}")
        assert (response.status_code, response.json()) == (404, {"code": "not_found", "message": "no such listing",
                                                                  "field": "listing_id"}), listing_id
    assert get(api, "/v1/listings/..%2F..%2Fetc").status_code == 404  # no such route at the gateway


def test_malformed_and_oversized_bodies_are_refused(api, market, buyer):
    url = f"{api}/v1/listings/{market['public'].listing_id}/inquiries"
    headers = {**buyer.headers, "Idempotency-Key": "body-test-0001", "Content-Type": "application/json"}
    broken = requests.post(url, data='{"name": "Priya", ', headers=headers, timeout=30)
    listed = requests.post(url, data='["not", "an", "object"]', headers=headers, timeout=30)
    huge = requests.post(url, data='{"message": "' + "x" * 40_000 + '"}', headers=headers, timeout=30)
    assert (broken.status_code, broken.json()["code"]) == (422, "validation_error")
    assert (listed.status_code, listed.json()["code"]) == (422, "validation_error")
    assert huge.status_code == 413
    assert huge.json() == {"code": "payload_too_large", "message": "the request body must be at most 16384 bytes",
                           "field": "body"}


def test_unknown_routes_and_methods_get_the_gateways_404(api):
    assert requests.get(f"{api}/v1/nothing", timeout=30).status_code == 404
    assert requests.post(f"{api}/v1/listings", timeout=30).json() == {"message": "Not Found"}


def test_an_inquiry_body_that_is_not_json_is_a_4xx_naming_the_body(api, market, buyer):
    url = f"{api}/v1/listings/{market['public'].listing_id}/inquiries"
    json_text = '{"name": "Priya Shrestha", "email": "priya@example.com", "message": "Is it still available?"}'
    cases = [("text/plain", json_text.encode()), ("application/octet-stream", json_text.encode()),
             ("application/json", b'{"name": "Priya \xff\xfe", "message": "not utf-8 at all"}'),
             ("text/plain", b"\xff\xfe\x00binary"), ("application/json; charset=latin-1", b"\xe9\xe9")]
    for n, (content_type, body) in enumerate(cases):
        headers = {**buyer.headers, "Idempotency-Key": f"content-type-{n:04d}", "Content-Type": content_type}
        response = requests.post(url, data=body, headers=headers, timeout=30)
        assert response.status_code in (415, 422), (content_type, body, response.status_code, response.text)
        assert response.json()["field"] == "body", response.json()


@given(text=st.one_of(st.text(max_size=45), st.from_regex(r"\s*(Rs\.?\s*)?[0-9०-९,.]{1,12}\s*(crore|lakh|करोड|लाख)?", fullmatch=True)))
def test_any_text_for_a_money_parameter_is_rupees_in_range_or_an_error_naming_it(text):
    # given any text a client may send as a price bound (or a down payment)
    try:
        # when it is read
        amount = npr_param(text, field="max_price")
    except ValidationError as error:
        # then it is refused naming the parameter ...
        assert error.field == "max_price"
        return
    # ... or it is a whole number of rupees within what any price may be
    assert isinstance(amount, int) and 0 <= amount <= MAX_NPR


@pytest.mark.parametrize(("text", "rupees"), [("5 crore", 50_000_000), ("4 crore 50 lakh", 45_000_000),
                                              ("४.५ करोड", 45_000_000), ("Rs 4,50,00,000", 45_000_000),
                                              ("45000000", 45_000_000), (45_000_000, 45_000_000), (" 75 lakh ", 7_500_000)])
def test_a_money_parameter_reads_what_the_back_office_reads(text, rupees):
    assert npr_param(text, field="min_price") == rupees
