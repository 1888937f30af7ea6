"""``POST /v1/listings/{id}/viewings`` over HTTP: a signed-in buyer proposes times; bad input is named."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import requests

from marketplace.models import ViewingRequest


def _post(api, listing_id, person, body):
    return requests.post(f"{api}/v1/listings/{listing_id}/viewings", json=body, headers=person.headers, timeout=30)


def _slots(*hours):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    return [(start + timedelta(hours=h)).isoformat() for h in hours]


def test_a_buyer_asks_to_view_at_three_times(api, market, buyer):
    response = _post(api, market["public"].listing_id, buyer, {"slots": _slots(0, 3, 24), "name": "Sita Rai",
                                                               "phone": "+9779801234567", "message": "Weekends too",
                                                               "email": "sita@example.np"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "requested" and len(body["slots"]) == 3
    stored = ViewingRequest.get_or_not_found(market["public"].listing_id, body["viewing_id"], consistent=True)
    assert (stored.buyer_id, stored.broker_id, stored.buyer_email) == (buyer.user_id, "broker-lister", "sita@example.np")


def test_bad_times_are_named_and_nothing_is_stored(api, market, buyer):
    listing_id = market["public"].listing_id
    too_many = _post(api, listing_id, buyer, {"slots": _slots(0, 1, 2, 3)})
    past = _post(api, listing_id, buyer, {"slots": [(datetime.now(UTC) - timedelta(days=1)).isoformat()]})
    assert too_many.status_code == 422 and "slots" in too_many.text
    assert past.status_code == 400 and past.json()["field"] == "slots"
    assert list(ViewingRequest.of_broker("broker-lister")) == []


def test_signed_out_or_an_unseen_listing_is_refused(api, market, buyer):
    anonymous = requests.post(f"{api}/v1/listings/{market['public'].listing_id}/viewings",
                              json={"slots": _slots(0)}, timeout=30)
    hidden = _post(api, market["exclusive"].listing_id, buyer, {"slots": _slots(0)})
    assert anonymous.status_code == 401
    assert hidden.status_code == 404


def test_a_retried_request_with_its_idempotency_key_returns_the_first(api, market, buyer):
    listing_id, body = market["public"].listing_id, {"slots": _slots(0, 5)}
    headers = {**buyer.headers, "Idempotency-Key": "viewing-retry-01"}
    first = requests.post(f"{api}/v1/listings/{listing_id}/viewings", json=body, headers=headers, timeout=30)
    retry = requests.post(f"{api}/v1/listings/{listing_id}/viewings", json=body, headers=headers, timeout=30)
    other = requests.post(f"{api}/v1/listings/{listing_id}/viewings", json={"slots": _slots(7)}, headers=headers,
                          timeout=30)
    assert (first.status_code, retry.status_code) == (201, 200), retry.text
    assert retry.json()["viewing_id"] == first.json()["viewing_id"] and retry.json()["created"] is False
    assert other.status_code == 422 and other.json()["field"] == "idempotency_key"
    assert len(list(ViewingRequest.of_broker("broker-lister"))) == 1


def test_a_buyer_lists_and_cancels_their_own_requests(api, market, buyer, premium_buyer):
    made = _post(api, market["public"].listing_id, buyer, {"slots": _slots(0, 2)}).json()
    again = _post(api, market["public"].listing_id, buyer, {"slots": _slots(4)})
    assert again.status_code == 400 and again.json()["field"] == "listing_id"  # one open request per listing
    mine = requests.get(f"{api}/v1/me/viewings", headers=buyer.headers, timeout=30).json()["items"]
    assert [(v["viewing_id"], v["status"], len(v["slots"])) for v in mine] == [(made["viewing_id"], "Requested", 2)]
    assert requests.get(f"{api}/v1/me/viewings", headers=premium_buyer.headers, timeout=30).json()["items"] == []

    cancel = f"{api}/v1/me/viewings/{made['viewing_id']}/cancel"
    someone_else = requests.post(cancel, json={"expected_version": made["version"]}, headers=premium_buyer.headers,
                                 timeout=30)
    stale = requests.post(cancel, json={"expected_version": made["version"] + 1}, headers=buyer.headers, timeout=30)
    done = requests.post(cancel, json={"expected_version": made["version"], "reason": "Plans changed"},
                         headers=buyer.headers, timeout=30)
    twice = requests.post(cancel, json={"expected_version": done.json()["version"]}, headers=buyer.headers, timeout=30)
    assert someone_else.status_code == 404
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    assert done.status_code == 200 and (done.json()["status"], done.json()["reason"]) == ("Cancelled", "Plans changed")
    assert twice.status_code == 409 and twice.json()["code"] == "illegal_transition"
    assert requests.get(f"{api}/v1/me/viewings", timeout=30).status_code == 401


def test_requests_sent_at_once_for_one_listing_make_one(api, market, buyer):
    # Given six requests of one buyer for one listing (different times), sent at the same moment
    barrier = Barrier(6)

    def ask(hours):
        barrier.wait()
        return _post(api, market["public"].listing_id, buyer, {"slots": _slots(hours)})

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, range(6)))
    # Then one is made and five are refused naming the listing
    assert sorted(a.status_code for a in answers) == [201] + [400] * 5, [a.text for a in answers]
    assert {a.json()["field"] for a in answers if a.status_code == 400} == {"listing_id"}
    assert len(list(ViewingRequest.of_broker("broker-lister"))) == 1
