"""When the table does not answer, the API says so: 503 with Retry-After in the usual error shape,
no traceback, no 500; it serves again as soon as the table is back."""

from __future__ import annotations

from tests.public_api.conftest import get


def test_an_unreachable_table_is_a_503_with_retry_after(api, market, table_outage):
    # Given the table stops answering
    table_outage.active = True

    # When a buyer searches and opens a listing
    search = get(api, "/v1/listings")
    detail = get(api, f"/v1/listings/{market["public"].listing_id}")

    # Then both are 503s that say when to try again, in the API's error shape, with no internals
    for response in (search, detail):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json()["code"] == "unavailable"
        assert "Traceback" not in response.text and "Endpoint" not in response.text

    # And when it is back, the same request is served
    table_outage.active = False
    assert get(api, "/v1/listings").status_code == 200
