"""``GET /v1/listings/{id}/loan-estimate`` over HTTP: the instalment, refusals naming the field, visibility."""

from __future__ import annotations

from urllib.parse import quote

from marketplace.lifecycle import Status
from marketplace.loans import LIMITS
from tests.public_api.conftest import get
from tests.shared.listings import make_listing


def test_an_estimate_for_a_listed_house(api, market):
    listing_id = market["public"].listing_id  # 4.5 crore
    body = get(api, f"/v1/listings/{listing_id}/loan-estimate?down_payment=25000000&years=20&rate=9.5").json()
    assert (body["price"], body["loan_amount"], body["months"]) == (45_000_000, 20_000_000, 240)
    assert 180_000 < body["monthly_instalment"] < 200_000  # 2 crore over 20 years at 9.5%: about 1.86 lakh
    assert body["total_paid"] == body["loan_amount"] + body["total_interest"]
    assert body["limits"]["source"] == LIMITS.source and body["limits"]["as_of"] == LIMITS.as_of
    assert "guide" in body["note"]


def test_too_small_a_down_payment_is_refused_naming_it(api, market):
    response = get(api, f"/v1/listings/{market['public'].listing_id}/loan-estimate?down_payment=0&years=20&rate=9")
    assert response.status_code == 400
    assert response.json()["field"] == "down_payment"


def test_a_narrow_access_road_is_refused(api, lister):
    listing = make_listing(lister, status=Status.ACTIVE, road_width_ft=8)
    response = get(api, f"/v1/listings/{listing.listing_id}/loan-estimate?down_payment=30000000&years=20&rate=9")
    assert response.status_code == 400
    assert response.json()["field"] == "road_width_ft"


def test_a_listing_the_caller_may_not_see_is_not_found(api, market):
    response = get(api, f"/v1/listings/{market['exclusive'].listing_id}/loan-estimate?down_payment=90000000"
                        "&years=20&rate=9")
    assert response.status_code == 404


def test_missing_or_malformed_parameters_are_named(api, market):
    listing_id = market["public"].listing_id
    missing = get(api, f"/v1/listings/{listing_id}/loan-estimate?down_payment=30000000&rate=9")
    wrong = get(api, f"/v1/listings/{listing_id}/loan-estimate?down_payment=2&years=twenty&rate=9")
    unreadable = get(api, f"/v1/listings/{listing_id}/loan-estimate?down_payment=lots&years=20&rate=9")
    assert missing.status_code == wrong.status_code == 422
    assert "years" in missing.text and "years" in wrong.text
    assert unreadable.status_code == 400 and unreadable.json()["field"] == "down_payment"


def test_the_down_payment_reads_rupees_as_people_write_them(api, market):
    listing_id = market["public"].listing_id  # 4.5 crore
    url = f"/v1/listings/{listing_id}/loan-estimate?years=20&rate=9.5&down_payment="
    plain = get(api, f"{url}25000000").json()
    for written in ("2.5 crore", "2 crore 50 lakh", "२.५ करोड", "2,50,00,000"):
        assert get(api, url + quote(written)).json() == plain, written
