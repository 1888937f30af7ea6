"""Delivery preferences on /v1/me, saved searches under /v1/me/saved-searches, unsubscribe links:
through the local gateway over HTTP."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests

from marketplace.alerts.searches import MAX_SAVED_SEARCHES
from marketplace.models import SavedSearchTally
from tests.public_api.conftest import get
from tests.shared.alerts import deliver_digests
from tests.shared.listings import make_listing


def _patch_me(api, person, body):
    return requests.patch(f"{api}/v1/me", json=body, headers=person.headers, timeout=30)


def test_delivery_preferences_default_on_in_english_and_change_one_channel_at_a_time(api, buyer, dynamodb_calls):
    # Given a buyer who never chose
    assert get(api, "/v1/me", buyer).json()["notifications"] == {"email": True, "push": True, "language": "en",
                                                                 "apps": []}

    # When they turn push off, then choose Nepali
    assert _patch_me(api, buyer, {"notifications": {"push": False}}).status_code == 200
    changed = _patch_me(api, buyer, {"notifications": {"language": "ne"}}).json()

    # Then each change kept the other, and /v1/me still reads everything in one Query
    assert changed["notifications"] == {"email": True, "push": False, "language": "ne", "apps": []}
    dynamodb_calls.reset()
    assert get(api, "/v1/me", buyer).json()["notifications"] == {"email": True, "push": False, "language": "ne",
                                                                 "apps": []}
    assert dynamodb_calls.count() == {"Query": 1}


def test_an_unknown_language_or_field_is_refused_naming_it(api, buyer):
    wrong_language = _patch_me(api, buyer, {"notifications": {"language": "fr"}})
    unknown_field = _patch_me(api, buyer, {"notifications": {"sms": True}})

    assert wrong_language.status_code == 422 and "language" in wrong_language.text
    assert unknown_field.status_code == 422 and "sms" in unknown_field.text
    assert get(api, "/v1/me", buyer).json()["notifications"]["language"] == "en"


def _save(api, person, body):
    return requests.post(f"{api}/v1/me/saved-searches", json=body, headers=person.headers, timeout=30)


SANEPA_HOUSES = {"name": "Sanepa houses under 5 crore",
                 "query": {"neighborhood": ["Sanepa"], "type": "house", "max_price": 50_000_000},
                 "frequency": "instant"}


def test_a_buyer_saves_lists_changes_and_deletes_a_search(api, buyer):
    # Given a saved search
    created = _save(api, buyer, SANEPA_HOUSES)
    assert created.status_code == 201, created.text
    search = created.json()
    assert search["query"] == SANEPA_HOUSES["query"] and search["frequency"] == "instant"

    # When its frequency and query change
    url = f"{api}/v1/me/saved-searches/{search['search_id']}"
    changed = requests.patch(url, json={"frequency": "weekly", "query": {"neighborhood": ["bhaisepati"]}},
                             headers=buyer.headers, timeout=30)

    # Then the list shows the change, and deleting twice is harmless
    assert changed.status_code == 200, changed.text
    [listed] = get(api, "/v1/me/saved-searches", buyer).json()["items"]
    assert listed["frequency"] == "weekly" and listed["query"] == {"neighborhood": ["bhaisepati"]}
    assert listed["name"] == SANEPA_HOUSES["name"]
    assert requests.delete(url, headers=buyer.headers, timeout=30).json()["deleted"] is True
    assert requests.delete(url, headers=buyer.headers, timeout=30).json()["deleted"] is False
    assert get(api, "/v1/me/saved-searches", buyer).json()["items"] == []


def test_a_saved_query_is_refused_as_the_listings_search_refuses_it(api, buyer):
    cases = {  # each refused by GET /v1/listings too, naming the same field
        "neighborhood": {"neighborhood": ["Atlantis"]},
        "max_price": {"min_price": 9, "max_price": 1},
        "radius_km": {"radius_km": 2},
        "min_land": {"min_land": "a lot"},
        "type": {"type": "castle"},
    }
    for field, query in cases.items():
        saved = _save(api, buyer, {"name": "x", "query": query})
        searched = requests.get(f"{api}/v1/listings", params=query, timeout=30)
        assert saved.status_code in (400, 422) and searched.status_code == saved.status_code, (field, saved.text)
        assert field in saved.text and field in searched.text, field
    assert _save(api, buyer, {"name": "x", "query": {"sort": "newest"}}).status_code == 422  # no order in a saved search
    assert get(api, "/v1/me/saved-searches", buyer).json()["items"] == []


def test_another_buyers_search_cannot_be_changed(api, buyer, investor):
    search = _save(api, buyer, SANEPA_HOUSES).json()
    url = f"{api}/v1/me/saved-searches/{search['search_id']}"
    assert requests.patch(url, json={"frequency": "off"}, headers=investor.headers, timeout=30).status_code == 404
    requests.delete(url, headers=investor.headers, timeout=30)
    assert get(api, "/v1/me/saved-searches", buyer).json()["items"][0]["frequency"] == "instant"


def test_a_buyer_keeps_at_most_the_cap(api, buyer):
    for number in range(MAX_SAVED_SEARCHES):
        assert _save(api, buyer, {"name": f"search {number}", "query": {}}).status_code == 201
    refused = _save(api, buyer, {"name": "one more", "query": {}})
    assert refused.status_code == 400 and refused.json()["field"] == "name"


def test_concurrent_saves_never_pass_the_cap(api, buyer):
    # Given a buyer three searches short of the cap
    for number in range(MAX_SAVED_SEARCHES - 3):
        assert _save(api, buyer, {"name": f"search {number}", "query": {}}).status_code == 201
    barrier = Barrier(8)

    def save(number):
        barrier.wait()
        return _save(api, buyer, {"name": f"at once {number}", "query": {}})

    # When eight saves arrive at the same moment
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(save, range(8)))
    # Then three are saved, five are refused naming the cap, and the buyer keeps exactly the cap
    assert sorted(a.status_code for a in answers) == [201] * 3 + [400] * 5, [a.text for a in answers]
    assert {a.json()["field"] for a in answers if a.status_code == 400} == {"name"}
    assert len(get(api, "/v1/me/saved-searches", buyer).json()["items"]) == MAX_SAVED_SEARCHES


def test_searches_saved_before_the_counter_are_counted_and_a_delete_frees_a_place(api, buyer):
    # Given a buyer at the cap whose counter is missing (searches saved before it existed)
    ids = [_save(api, buyer, {"name": f"search {n}", "query": {}}).json()["search_id"]
           for n in range(MAX_SAVED_SEARCHES)]
    SavedSearchTally(*SavedSearchTally.key(buyer.user_id)).delete()
    # When they save one more, then it is refused; after deleting one, one more is saved and no further
    assert _save(api, buyer, {"name": "one more", "query": {}}).status_code == 400
    requests.delete(f"{api}/v1/me/saved-searches/{ids[0]}", headers=buyer.headers, timeout=30)
    assert _save(api, buyer, {"name": "in its place", "query": {}}).status_code == 201
    assert _save(api, buyer, {"name": "and another", "query": {}}).status_code == 400
    assert SavedSearchTally.get_or_none(buyer.user_id, consistent=True).saved == MAX_SAVED_SEARCHES


def test_the_unsubscribe_link_switches_one_search_off_without_signing_in(api, buyer):
    from marketplace.alerts.unsubscribe import token_for

    search = _save(api, buyer, SANEPA_HOUSES).json()
    token = token_for(user_id=buyer.user_id, search_id=search["search_id"])

    first = requests.get(f"{api}/v1/unsubscribe", params={"token": token}, timeout=30)
    again = requests.post(f"{api}/v1/unsubscribe", params={"token": token}, timeout=30)
    forged = requests.get(f"{api}/v1/unsubscribe", params={"token": token[:-3] + "abc"}, timeout=30)

    assert first.json() == {"search_id": search["search_id"], "frequency": "off"}
    assert again.status_code == 200 and again.json()["frequency"] == "off"
    assert forged.status_code == 400 and forged.json()["field"] == "token"
    assert get(api, "/v1/me/saved-searches", buyer).json()["items"][0]["frequency"] == "off"


def _mail_for(api, address):
    return [m for m in requests.get(f"{api}/_mail.json", timeout=30).json() if address in m["to"]]


def test_a_saved_search_hears_of_an_approved_listing_at_once_and_in_the_next_daily_digest(api, buyer, lister):
    """The buyer saves two searches over HTTP (instant and daily), an admin approves a matching listing,
    the instant alert is in the local mail view, and the next daily digest carries the listing too."""
    from marketplace.lifecycle import Action, Status
    from tests.shared.alerts import deliver_alerts
    from tests.shared.lifecycle import listing_act
    from tests.shared.people import ADMIN

    # Given two saved searches for Sanepa houses under 5 crore
    for frequency in ("instant", "daily"):
        assert _save(api, buyer, {**SANEPA_HOUSES, "name": f"Sanepa ({frequency})",
                                  "frequency": frequency}).status_code == 201
    pending = make_listing(lister, status=Status.PENDING_REVIEW, neighborhood="sanepa", price="4.2 crore",
                           title="Sanepa garden house")

    # When an admin approves it and the platform delivers the events
    listing_act(actor=ADMIN, listing_id=pending.listing_id, action=Action.APPROVE)
    deliver_alerts()

    # Then the instant alert is in the local mail view
    [alert] = _mail_for(api, buyer.email)
    assert "Sanepa garden house" in alert["subject"] and "Sanepa (instant)" in alert["subject"]

    # And the next daily digest carries it for the daily search
    assert deliver_digests("daily")["sent"]["listings"] == 1
    digest, _ = _mail_for(api, buyer.email)
    assert "Sanepa garden house" in digest["text"] and "Sanepa (daily)" in digest["text"]


def test_a_price_drop_on_a_favorite_arrives_once(api, buyer, lister):
    from marketplace.lifecycle import Status
    from marketplace.services.listings import listing_update
    from tests.shared.alerts import deliver_alerts

    listing = make_listing(lister, status=Status.ACTIVE, title="Lazimpat penthouse", neighborhood="lazimpat")
    assert requests.put(f"{api}/v1/me/favorites/{listing.listing_id}", headers=buyer.headers, timeout=30).ok
    deliver_alerts()

    listing_update(actor=lister, listing_id=listing.listing_id, fields={"price": "4 crore"},
                   expected_version=listing.version)
    deliver_alerts(twice=True)

    [told] = _mail_for(api, buyer.email)
    assert "Lazimpat penthouse" in told["subject"] and "Rs 4.5 crore to Rs 4 crore" in told["text"]


def _subscribed_queues() -> dict[str, str]:
    """An SQS queue subscribed to each buyer app's push topic (as each app's push service subscribes):
    what the topic delivers, with its message attributes."""
    from marketplace.aws import client
    from marketplace.config import settings
    from marketplace.delivery import BUYER_APPS

    sqs, sns, queues = client("sqs"), client("sns"), {}
    for app in BUYER_APPS:
        url = sqs.create_queue(QueueName=f"test-push-{app}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=settings().push_topic_arns[app], Protocol="sqs", Endpoint=arn)
        queues[app] = url
    return queues


def _pushed(url: str) -> list[dict]:
    """The SNS notifications a test queue holds: the message and its attributes."""
    from marketplace.aws import client

    received = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    envelopes = [json.loads(m["Body"]) for m in received]
    return [{"message": json.loads(e["Message"]),
             "attributes": {name: a["Value"] for name, a in e["MessageAttributes"].items()}} for e in envelopes]


def test_a_buyers_push_goes_to_the_topics_of_the_apps_they_registered(api, buyer, lister):
    from marketplace.lifecycle import Status
    from tests.shared.alerts import deliver_alerts

    queues = _subscribed_queues()
    # Given a buyer who registers the iOS and web apps (in any order), and an instant search
    registered = _patch_me(api, buyer, {"notifications": {"apps": ["web", "ios"]}})
    assert registered.status_code == 200, registered.text
    assert registered.json()["notifications"]["apps"] == ["ios", "web"]
    assert get(api, "/v1/me", buyer).json()["notifications"]["apps"] == ["ios", "web"]
    assert _save(api, buyer, SANEPA_HOUSES).status_code == 201

    # When a matching listing is approved and its alert sent
    make_listing(lister, status=Status.ACTIVE, neighborhood="sanepa", price="4.2 crore", title="Sanepa garden house")
    deliver_alerts()

    # Then the iOS and web topics carry the push, with its attributes; the Android topic nothing
    ios, web, android = (_pushed(queues[app]) for app in ("ios", "web", "android"))
    assert android == [] and len(ios) == 1 and len(web) == 1
    for app, [pushed] in (("ios", ios), ("web", web)):
        assert pushed["attributes"] == {"recipient": buyer.user_id, "type": "search_alert", "app": app}
        assert pushed["message"]["recipient"] == buyer.user_id and "Sanepa garden house" in pushed["message"]["title"]


def test_only_known_apps_each_once_can_be_registered_and_an_empty_list_clears_them(api, buyer):
    unknown = _patch_me(api, buyer, {"notifications": {"apps": ["blackberry"]}})
    twice = _patch_me(api, buyer, {"notifications": {"apps": ["ios", "ios"]}})
    assert unknown.status_code == 422 and "apps" in unknown.text
    assert twice.status_code == 400 and twice.json()["field"] == "apps"
    assert get(api, "/v1/me", buyer).json()["notifications"]["apps"] == []

    assert _patch_me(api, buyer, {"notifications": {"apps": ["android"]}}).json()["notifications"]["apps"] == ["android"]
    cleared = _patch_me(api, buyer, {"notifications": {"apps": []}}).json()["notifications"]
    assert cleared["apps"] == [] and cleared["push"] is True
