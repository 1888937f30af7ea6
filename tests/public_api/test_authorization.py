"""Every route with no token, an expired token, a buyer, a premium buyer, an investor and a broker:
who gets in, and which listings each may see."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.public_api.conftest import forged_token, get

CALLERS = ("anonymous", "expired", "buyer", "premium_buyer", "investor", "broker")
SIGNED_IN = CALLERS[2:]


@pytest.fixture
def callers(request, buyer, premium_buyer, investor, broker):
    people = {"buyer": buyer, "premium_buyer": premium_buyer, "investor": investor, "broker": broker}
    expired = forged_token(buyer, exp=int(time.time()) - 60, iat=int(time.time()) - 3660)
    headers = {name: person.headers for name, person in people.items()}
    headers["anonymous"] = {}
    headers["expired"] = {"Authorization": f"Bearer {expired}"}
    return headers


def _call(api, method, path, headers, **kwargs):
    return requests.request(method, api + path, headers=headers, timeout=30, **kwargs)


def _inquiry():
    return {"name": "Priya Gurung", "phone": "+977 9800000000", "message": "Is the house still available?"}


def test_public_routes_serve_everyone_with_a_valid_token_or_none_and_refuse_an_expired_one(api, market, callers):
    listing_id = market["public"].listing_id
    for path in ("/v1/listings", f"/v1/listings/{listing_id}", "/v1/feed", "/v1/neighborhoods"):
        for caller in CALLERS:
            response = _call(api, "GET", path, callers[caller])
            expected = 401 if caller == "expired" else 200
            assert response.status_code == expected, (path, caller, response.text)
            if expected == 401:
                assert response.json()["code"] == "unauthorized"
                assert response.headers["WWW-Authenticate"] == "Bearer"


def test_signed_in_routes_refuse_no_token_and_an_expired_one_at_the_authorizer(api, market, callers):
    listing_id = market["public"].listing_id
    routes = [("GET", "/v1/me", {}), ("GET", "/v1/me/favorites", {}),
              ("PUT", f"/v1/me/favorites/{listing_id}", {}), ("DELETE", f"/v1/me/favorites/{listing_id}", {}),
              ("POST", f"/v1/listings/{listing_id}/inquiries",
               {"json": _inquiry(), "headers": {"Idempotency-Key": "key-00000001"}})]
    for method, path, extra in routes:
        for caller in ("anonymous", "expired"):
            headers = {**callers[caller], **extra.get("headers", {})}
            response = _call(api, method, path, headers, json=extra.get("json"))
            assert response.status_code == 401, (method, path, caller)
            assert response.json() == {"message": "Unauthorized"}  # API Gateway's own answer


def test_signed_in_routes_serve_every_signed_in_person(api, market, callers):
    listing_id = market["public"].listing_id
    for caller in SIGNED_IN:
        headers = callers[caller]
        assert _call(api, "GET", "/v1/me", headers).status_code == 200
        assert _call(api, "PUT", f"/v1/me/favorites/{listing_id}", headers).status_code == 200
        favorites = _call(api, "GET", "/v1/me/favorites", headers).json()
        assert [card["listing_id"] for card in favorites["items"]] == [listing_id]
        assert _call(api, "DELETE", f"/v1/me/favorites/{listing_id}", headers).status_code == 200
        sent = _call(api, "POST", f"/v1/listings/{listing_id}/inquiries",
                     {**headers, "Idempotency-Key": f"key-{uuid.uuid4().hex[:12]}"}, json=_inquiry())
        assert sent.status_code == 201, (caller, sent.text)


def test_a_token_from_another_app_or_a_tampered_one_is_refused(api, market, buyer):
    wrong_audience = forged_token(buyer, client_id="someone-elses-app")
    wrong_issuer = forged_token(buyer, iss="https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_other")
    header, payload, signature = buyer.token.split(".")
    tampered = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    for token in (wrong_audience, wrong_issuer, tampered, "not-a-jwt"):
        headers = {"Authorization": f"Bearer {token}"}
        assert get(api, "/v1/listings", headers=headers).status_code == 401
        assert _call(api, "GET", "/v1/me", headers).status_code == 401
    assert get(api, "/v1/listings", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


VISIBLE = {
    "anonymous": {"public", "premium"},
    "buyer": {"public", "premium"},
    "broker": {"public", "premium"},
    "premium_buyer": {"public", "premium", "coming_soon"},
    "investor": {"public", "premium", "coming_soon", "exclusive"},
}


def test_each_caller_finds_and_opens_exactly_the_listings_their_entitlements_allow(api, market, callers):
    names = {listing.listing_id: name for name, listing in market.items()}
    for caller, visible in VISIBLE.items():
        found = get(api, "/v1/listings", headers=callers[caller]).json()["items"]
        assert {names[card["listing_id"]] for card in found} == visible, caller
        feed = get(api, "/v1/feed", headers=callers[caller]).json()["items"]
        assert {names[card["listing_id"]] for card in feed} == visible, caller
        for name, listing in market.items():
            status = get(api, f"/v1/listings/{listing.listing_id}", headers=callers[caller]).status_code
            assert status == (200 if name in visible else 404), (caller, name)


def test_an_expired_subscription_loses_early_access_at_once(api, market, lapsed_buyer):
    found = get(api, "/v1/listings", lapsed_buyer).json()["items"]
    assert {card["listing_id"] for card in found} == {market["public"].listing_id, market["premium"].listing_id}
    assert get(api, f"/v1/listings/{market['coming_soon'].listing_id}", lapsed_buyer).status_code == 404
    me = get(api, "/v1/me", lapsed_buyer).json()
    assert me["entitlements"]["tier"] == "free"
    assert me["entitlements"]["active"] is False


def test_me_shows_groups_and_entitlements(api, investor):
    me = get(api, "/v1/me", investor).json()
    assert me["user_id"] == investor.user_id
    assert me["groups"] == ["buyers", "investors"]
    assert me["entitlements"]["tier"] == "investor"
    assert me["entitlements"]["early_access"] is True
    assert me["entitlements"]["exclusive_access"] is True
