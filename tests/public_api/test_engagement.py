"""Favorites and inquiries: idempotent, validated, visible-only."""

from __future__ import annotations

import requests

from marketplace.models import Inquiry, OutboxEvent, Subscription
from marketplace.services import people
from tests.public_api.conftest import get
from tests.shared import reads
from tests.shared.listings import make_listing
from tests.shared.people import ADMIN, LISTER


def _put(api, person, listing_id):
    return requests.put(f"{api}/v1/me/favorites/{listing_id}", headers=person.headers, timeout=30)


def _delete(api, person, listing_id):
    return requests.delete(f"{api}/v1/me/favorites/{listing_id}", headers=person.headers, timeout=30)


def _inquire(api, person, listing_id, body, key="inquiry-0001"):
    return requests.post(f"{api}/v1/listings/{listing_id}/inquiries", json=body, timeout=30,
                         headers={**person.headers, "Idempotency-Key": key})


GOOD = {"name": "Priya Gurung", "phone": "+977 9801234567", "email": "priya@example.com",
        "message": "Could I visit on Saturday morning?", "preferred_contact_time": "after 5 pm"}


def test_saving_twice_keeps_one_favorite_and_unsaving_twice_is_harmless(api, market, buyer):
    listing_id = market["public"].listing_id
    assert _put(api, buyer, listing_id).json() == {"listing_id": listing_id, "favorited": True, "changed": True}
    assert _put(api, buyer, listing_id).json() == {"listing_id": listing_id, "favorited": True, "changed": False}
    assert reads.stats(listing_id).favorites == 1
    assert [c["listing_id"] for c in get(api, "/v1/me/favorites", buyer).json()["items"]] == [listing_id]
    assert _delete(api, buyer, listing_id).json() == {"listing_id": listing_id, "favorited": False, "changed": True}
    assert _delete(api, buyer, listing_id).json() == {"listing_id": listing_id, "favorited": False, "changed": False}
    assert reads.stats(listing_id).favorites == 0
    assert get(api, "/v1/me/favorites", buyer).json() == {"items": [], "unavailable": [], "next_cursor": None}


def test_a_buyer_cannot_save_what_they_may_not_see(api, market, buyer):
    response = _put(api, buyer, market["exclusive"].listing_id)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_saved_listing_the_buyer_may_no_longer_see_is_listed_as_unavailable(api, market, premium_buyer):
    listing_id = market["coming_soon"].listing_id
    assert _put(api, premium_buyer, listing_id).status_code == 200
    assert [c["listing_id"] for c in get(api, "/v1/me/favorites", premium_buyer).json()["items"]] == [listing_id]

    held = Subscription.get(*Subscription.key(premium_buyer.user_id))
    people.subscription_revoke(actor=ADMIN, user_id=premium_buyer.user_id, reason="refunded",
                               expected_version=held.version)

    assert get(api, "/v1/me/favorites", premium_buyer).json() == {
        "items": [], "unavailable": [listing_id], "next_cursor": None}


def test_favorites_page_with_a_cursor(api, lister, buyer):
    ids = [make_listing(lister, status="active", title=f"Saved house {n}").listing_id for n in range(3)]
    for listing_id in ids:
        _put(api, buyer, listing_id)
    first = get(api, "/v1/me/favorites?limit=2", buyer).json()
    second = get(api, f"/v1/me/favorites?limit=2&cursor={first['next_cursor']}", buyer).json()
    assert [c["listing_id"] for c in first["items"] + second["items"]] == sorted(ids, reverse=True)


def test_an_inquiry_reaches_the_broker_once_per_idempotency_key(api, market, buyer):
    listing_id = market["public"].listing_id
    first = _inquire(api, buyer, listing_id, GOOD)
    again = _inquire(api, buyer, listing_id, GOOD)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["inquiry_id"] == first.json()["inquiry_id"]
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    [stored] = reads.inquiries(listing_id)
    assert (stored.buyer_id, stored.broker_id, stored.name, stored.preferred_contact_time) == (
        buyer.user_id, LISTER.user_id, "Priya Gurung", "after 5 pm")
    events = [e for e in OutboxEvent.scan() if e.detail_type == "InquiryReceived"]
    assert len(events) == 1
    assert reads.stats(listing_id).inquiries == 1


def test_the_event_an_inquiry_causes_carries_the_api_request_id(api, market, buyer):
    # When a buyer sends an inquiry (API Gateway names the request in apigw-requestid)
    response = _inquire(api, buyer, market["public"].listing_id, GOOD)

    # Then the event it caused carries that id as its correlation id, for tracing across the bus
    [event] = [e for e in OutboxEvent.scan() if e.detail_type == "InquiryReceived"]
    assert response.headers["apigw-requestid"] and event.correlation_id == response.headers["apigw-requestid"]


def test_inquiry_validation_names_the_field_and_writes_nothing(api, market, buyer):
    listing_id = market["public"].listing_id
    cases = [
        ({**GOOD, "message": "hi"}, 422, "message"),
        ({**GOOD, "name": ""}, 422, "name"),
        ({**GOOD, "phone": "call me", "email": ""}, 400, "phone"),
        ({**GOOD, "email": "not-an-email"}, 400, "email"),
        ({**GOOD, "phone": "", "email": ""}, 400, "phone"),
        ({**GOOD, "admin": True}, 422, "admin"),
        ({k: v for k, v in GOOD.items() if k != "message"}, 422, "message"),
        ({**GOOD, "name": 42}, 422, "name"),
    ]
    for number, (body, status, field) in enumerate(cases):
        response = _inquire(api, buyer, listing_id, body, key=f"bad-inquiry-{number:04d}")
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, response.text
    assert list(Inquiry.scan()) == []


def test_an_idempotency_key_must_be_well_formed_and_is_optional(api, market, buyer):
    listing_id = market["public"].listing_id
    short = _inquire(api, buyer, listing_id, GOOD, key="abc")
    assert (short.status_code, short.json()["field"]) == (422, "idempotency-key")
    # Without the header each request is served: a retry sends the inquiry again
    url = f"{api}/v1/listings/{listing_id}/inquiries"
    first = requests.post(url, json=GOOD, headers=buyer.headers, timeout=30)
    retry = requests.post(url, json=GOOD, headers=buyer.headers, timeout=30)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["inquiry_id"] != retry.json()["inquiry_id"]


def test_the_same_idempotency_key_with_a_different_body_is_422(api, market, buyer):
    listing_id = market["public"].listing_id
    first = _inquire(api, buyer, listing_id, GOOD, key="same-key-0001")
    changed = _inquire(api, buyer, listing_id, {**GOOD, "message": "A different question entirely?"},
                       key="same-key-0001")
    elsewhere = _inquire(api, buyer, market["premium"].listing_id, GOOD, key="same-key-0001")
    assert first.status_code == 201
    assert (changed.status_code, changed.json()["code"]) == (422, "idempotency_key_reused")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "idempotency_key_reused")
    assert [i.inquiry_id for i in reads.inquiries(listing_id)] == [first.json()["inquiry_id"]]


def test_an_inquiry_to_an_invisible_listing_is_404(api, market, buyer):
    response = _inquire(api, buyer, market["exclusive"].listing_id, GOOD)
    assert response.status_code == 404
