"""Search from the embedded index, over HTTP through the local gateway: any order across the city,
full pages, exact totals, facets, words, map bounds and distance, neighbourhoods by name, cursors
across versions, the feed and neighbourhood figures; and the fallback when the index is gone."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from local import workers
from local.gateway import LambdaContext
from marketplace import aws, outbox
from marketplace.config import reload_settings, settings
from marketplace.lifecycle import Action
from marketplace.search_index import store, writer
from public_api import search_index
from public_api.functions import search_index_writer
from public_api.functions.search_index_writer import CARDS
from tests.public_api.conftest import get
from tests.public_api.test_premium_media import relay_placement, upload
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing
from tests.shared.people import ADMIN


def _body(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _ids(response) -> list[str]:
    return [card["listing_id"] for card in _body(response)["items"]]


def _all_pages(api: str, query: str, person=None) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        body = _body(get(api, f"/v1/listings?{query}" + (f"&cursor={cursor}" if cursor else ""), person))
        pages.append([card["listing_id"] for card in body["items"]])
        cursor = body["next_cursor"]
        if not cursor:
            return pages


def test_price_order_across_the_city_puts_price_on_request_last(api, lister, reindex):
    mid = make_listing(lister, status="active", title="Mid house", price="5 crore", neighborhood="sanepa")
    cheap = make_listing(lister, status="active", title="Cheap house", price="3 crore", neighborhood="bhaisepati")
    asked = make_listing(lister, status="active", title="Ask for the price", price=None, price_on_request=True)
    dear = make_listing(lister, status="active", title="Dear house", price="7 crore")
    reindex()

    ascending = _body(get(api, "/v1/listings?sort=price_asc"))
    assert [c["listing_id"] for c in ascending["items"]] == [cheap.listing_id, mid.listing_id, dear.listing_id,
                                                             asked.listing_id]
    assert ascending["total"] == 4
    assert _ids(get(api, "/v1/listings?sort=price_desc")) == [dear.listing_id, mid.listing_id, cheap.listing_id,
                                                              asked.listing_id]


def test_price_bounds_read_rupees_as_people_write_them_and_name_the_field_they_cannot_read(api, lister, reindex):
    # given houses at 3, 5 and 7 crore
    three = make_listing(lister, status="active", title="House at three crore", price="3 crore").listing_id
    five = make_listing(lister, status="active", title="House at five crore", price="5 crore").listing_id
    seven = make_listing(lister, status="active", title="House at seven crore", price="7 crore").listing_id
    reindex()

    # when the bounds are written in crore and lakh, with Devanagari digits, grouped, or as plain rupees
    def found(query: str) -> set[str]:
        return set(_ids(get(api, f"/v1/listings?{query}")))

    # then each form reads the same rupees as the integer did
    assert found(f"min_price={quote('4 crore 50 lakh')}") == found("min_price=45000000") == {five, seven}
    assert found(f"max_price={quote('४.५ करोड')}") == found(f"max_price={quote('4,50,00,000')}") == {three}
    assert found(f"min_price={quote('Rs 3 crore')}&max_price={quote('5 crore')}") == {three, five}

    # and what is not an amount, or is beyond any price, is refused naming the parameter
    for query, field in ((f"min_price={quote('five crore')}", "min_price"), (f"max_price={quote('4 acres')}", "max_price"),
                         ("max_price=20000000000000", "max_price"), (f"min_price={quote('9 crore')}&max_price=1", "max_price")):
        refused = get(api, f"/v1/listings?{query}")
        assert refused.status_code == 400, (query, refused.text)
        assert refused.json()["field"] == field


def test_pages_are_full_until_the_results_end_and_an_empty_result_ends_at_once(api, lister, reindex):
    here = [make_listing(lister, status="active", title=f"House {n}").listing_id for n in range(5)]
    elsewhere = [make_listing(lister, status="active", title=f"Flat {n}", neighborhood="sanepa").listing_id for n in range(3)]
    rare = make_listing(lister, status="active", title="Corner plot", property_type="land", bedrooms=None, bathrooms=None,
                   built_up_area_sqft=None, neighborhood="sanepa")
    reindex()

    pages = _all_pages(api, "neighborhood=budhanilkantha&limit=2")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(card for page in pages for card in page) == sorted(here)
    assert _body(get(api, "/v1/listings?neighborhood=budhanilkantha&limit=2"))["total"] == 5

    nothing = _body(get(api, "/v1/listings?type=commercial&limit=2"))
    assert nothing == {"items": [], "next_cursor": None, "total": 0, "facets": None}
    assert _ids(get(api, "/v1/listings?type=land&limit=2")) == [rare.listing_id]
    assert [len(page) for page in _all_pages(api, "neighborhood=sanepa&limit=3")] == [3, 1]
    assert len(elsewhere) == 3


def test_words_match_title_description_features_and_neighbourhood_names(api, lister, reindex):
    pool = make_listing(lister, status="active", title="Family home", amenities=["swimming_pool", "garden"])
    described = make_listing(lister, status="active", title="Quiet bungalow", description="Walk to the Himalayan Java café.")
    sanepa = make_listing(lister, status="active", title="Garden flat", property_type="apartment", neighborhood="sanepa")
    land = make_listing(lister, status="active", title="Plot on the ring road", property_type="land", bedrooms=None, bathrooms=None,
                   built_up_area_sqft=None)
    reindex()

    assert _ids(get(api, "/v1/listings?q=pool")) == [pool.listing_id]
    assert _ids(get(api, "/v1/listings?q=cafe")) == [described.listing_id]  # accents do not matter
    assert _ids(get(api, f"/v1/listings?q={quote('सानेपा')}")) == [sanepa.listing_id]
    assert _ids(get(api, "/v1/listings?q=jagga")) == [land.listing_id]  # romanised Nepali for land
    found = _body(get(api, "/v1/listings?q=garden"))  # every one has a garden; a title match ranks first
    assert found["total"] == 4
    assert found["items"][0]["listing_id"] == sanepa.listing_id


def test_relevance_puts_title_and_neighbourhood_matches_before_features_before_descriptions(api, lister, reindex):
    described = make_listing(lister, status="active", title="Family home", description="Tea on the terraces at dusk.")
    titled = make_listing(lister, status="active", title="Terrace house with a garden")
    newer_titled = make_listing(lister, status="active", title="Old terrace flat")
    featured = make_listing(lister, status="active", title="Single storey", amenities=["terrace"])
    reindex()

    # each tier newest first
    assert _ids(get(api, "/v1/listings?q=terrace")) == [newer_titled.listing_id, titled.listing_id,
                                                         featured.listing_id, described.listing_id]
    # the total is the same on a first page (counted with the ordering) and after it (counted apart)
    first = _body(get(api, "/v1/listings?q=terrace&limit=1"))
    second = _body(get(api, f"/v1/listings?q=terrace&limit=1&cursor={first['next_cursor']}"))
    assert first["total"] == second["total"] == 4
    assert second["items"][0]["listing_id"] == titled.listing_id
    # another order asked for wins over relevance
    assert _ids(get(api, "/v1/listings?q=terrace&sort=newest")) == [featured.listing_id, newer_titled.listing_id,
                                                                      titled.listing_id, described.listing_id]


def test_neighbourhood_by_slug_or_name_and_the_closest_names_when_unknown(api, lister, reindex):
    sanepa = make_listing(lister, status="active", title="Sanepa house", neighborhood="sanepa")
    make_listing(lister, status="active", title="Elsewhere")
    reindex()

    for spelling in ("sanepa", "Sanepa", "SANEPA", "Sanépa", quote("सानेपा")):
        assert _ids(get(api, f"/v1/listings?neighborhood={spelling}")) == [sanepa.listing_id], spelling
    refused = get(api, "/v1/listings?neighborhood=Sanepaa")
    assert refused.status_code == 400
    assert refused.json()["field"] == "neighborhood"
    assert "Sanepa" in refused.json()["message"]


def test_visibility_totals_and_facets_follow_the_callers_entitlements(api, market, reindex, buyer, investor,
                                                                      premium_buyer):
    reindex()
    facets = "facets=neighborhood,property_type,bedrooms,price_band"
    anyone = _body(get(api, f"/v1/listings?{facets}", buyer))
    assert {c["listing_id"] for c in anyone["items"]} == {market["public"].listing_id, market["premium"].listing_id}
    assert anyone["total"] == 2
    assert anyone["facets"]["neighborhood"] == {"budhanilkantha": 1, "sanepa": 1}
    assert anyone["facets"]["property_type"] == {"house": 1, "villa": 1}

    early = _body(get(api, f"/v1/listings?{facets}", premium_buyer))
    assert early["total"] == 3
    assert early["facets"]["property_type"] == {"apartment": 1, "house": 1, "villa": 1}

    everything = _body(get(api, f"/v1/listings?{facets}", investor))
    assert {c["listing_id"] for c in everything["items"]} == {m.listing_id for m in market.values()}
    assert sum(everything["facets"]["price_band"].values()) == everything["total"] == 4

    refused = get(api, "/v1/listings?facets=colour")
    assert refused.status_code == 400
    assert refused.json()["field"] == "facets"


def test_map_bounds_and_distance(api, lister, reindex):
    north = make_listing(lister, status="active", title="North house")  # Budhanilkantha, 27.7781,85.3620
    south = make_listing(lister, status="active", title="South house", neighborhood="bhaisepati", latitude="27.6545", longitude="85.3003")
    reindex()

    assert _ids(get(api, "/v1/listings?bbox=27.75,85.34,27.80,85.38")) == [north.listing_id]
    assert _ids(get(api, "/v1/listings?bbox=27.60,85.25,27.70,85.32")) == [south.listing_id]
    # about 1.1 km from the southern pin: within 1.5 km, not within 0.8 km
    assert _ids(get(api, "/v1/listings?near=27.6645,85.3003&radius_km=1.5")) == [south.listing_id]
    assert _ids(get(api, "/v1/listings?near=27.6645,85.3003&radius_km=0.8")) == []
    refused = get(api, "/v1/listings?bbox=27.8,85.3,27.7,85.4")
    assert refused.status_code == 400
    assert refused.json()["field"] == "bbox"


def test_a_cursor_stays_valid_across_a_new_version_and_only_for_its_query(api, lister, reindex):
    made = [make_listing(lister, status="active", title=f"House {n}").listing_id for n in range(4)]
    reindex()
    first = _body(get(api, "/v1/listings?limit=2"))
    newer = make_listing(lister, status="active", title="Newest house").listing_id
    reindex()
    second = _body(get(api, f"/v1/listings?limit=2&cursor={first['next_cursor']}"))
    seen = [c["listing_id"] for c in first["items"] + second["items"]]
    assert seen == list(reversed(made))
    assert newer not in seen and second["total"] == 5

    foreign = get(api, f"/v1/listings?limit=2&sort=price_asc&cursor={first['next_cursor']}")
    assert foreign.status_code == 400
    assert foreign.json()["field"] == "cursor"
    tampered = first["next_cursor"][:-3] + ("AAA" if not first["next_cursor"].endswith("AAA") else "BBB")
    assert get(api, f"/v1/listings?limit=2&cursor={tampered}").status_code == 400


def test_feed_and_neighbourhood_figures_from_the_index_match_the_dynamodb_path(api, lister, reindex):
    make_listing(lister, status="active", title="House one", price="4 crore")
    make_listing(lister, status="active", title="House two", price="6 crore", land_area_sqft="1-0-0-0")
    make_listing(lister, status="active", title="House three", neighborhood="sanepa", price="8 crore")
    make_listing(lister, status="active", title="For rent", purpose="rent", price="2 lakh")
    reindex()
    from_index = _body(get(api, "/v1/neighborhoods"))
    feed = _body(get(api, "/v1/feed?limit=3"))
    assert feed["total"] == 4 and len(feed["items"]) == 3

    store.withdraw()
    search_index.reset()
    from_table = _body(get(api, "/v1/neighborhoods"))
    assert from_index == from_table
    budhanilkantha = next(n for n in from_index["items"] if n["slug"] == "budhanilkantha")
    assert budhanilkantha["active_count"] == 3
    assert budhanilkantha["median_price_per_ropani"] is not None


def test_without_the_index_search_falls_back_to_dynamodb_and_counts_it(api, lister, reindex, capfd, caplog):
    listed = [make_listing(lister, status="active", title=f"House {n}").listing_id for n in range(2)]
    built = reindex()
    pointer = store.SearchIndexVersion.get(*store.POINTER_KEY)
    assert built["listings"] == 2
    aws.client("s3").delete_object(Bucket=settings().search_bucket, Key=pointer.object_key,  # the index is gone
                                   VersionId=pointer.object_version)
    search_index.reset()
    capfd.readouterr()

    body = _body(get(api, "/v1/listings"))
    assert [c["listing_id"] for c in body["items"]] == list(reversed(listed))
    assert body["total"] is None  # the DynamoDB path cannot count
    words = get(api, "/v1/listings?q=house")
    assert words.status_code == 503
    assert words.headers["Retry-After"]
    assert '"SearchIndexFallback":[1.0]' in capfd.readouterr().out  # the metric, once per request
    reasons = [r.reason for r in caplog.records if r.getMessage() == "search index unavailable"]
    assert reasons and "is missing" in reasons[0]

    writer.rebuild(CARDS)  # the runbook's repair: a new version; the next check loads it
    search_index.reset()
    assert _body(get(api, "/v1/listings?q=house"))["total"] == 2


def test_an_approval_is_searchable_once_the_writer_publishes(api, lister, reindex, monkeypatch):
    reindex()
    monkeypatch.setenv("SHIKHAR_SEARCH_REFRESH_SECONDS", "0")
    monkeypatch.setenv("SHIKHAR_SEARCH_PUBLISH_SECONDS", "0")
    reload_settings()
    assert _body(get(api, "/v1/listings"))["total"] == 0
    approved = make_listing(lister, status="active", title="Fresh on the market")

    outbox.relay_pending()  # the bus delivers ListingApproved to the search-index queue
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=settings().queue_name(writer.CONSUMER))["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    answer = search_index_writer.handler({"Records": [{"messageId": m["MessageId"], "body": m["Body"]} for m in messages]})
    assert answer == {"batchItemFailures": []}

    deadline = time.monotonic() + 20  # the API swaps the new version in on a request after its check
    while _body(get(api, "/v1/listings"))["total"] != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ids(get(api, "/v1/listings")) == [approved.listing_id]
    assert json.loads(messages[0]["Body"])["detail"]["data"]["listing_id"] == approved.listing_id


def _records(messages: list[dict]) -> list[dict]:
    """SQS messages as Lambda's event source hands them to the writer."""
    return [{"messageId": m["MessageId"], "body": m["Body"], "receiptHandle": m["ReceiptHandle"],
             "attributes": m.get("Attributes", {})} for m in messages]


def _until_listed(api: str, listing_id: str) -> list[str]:
    deadline = time.monotonic() + 20  # seconds, not the queue's 180 s visibility timeout
    while (ids := _ids(get(api, "/v1/listings"))) != [listing_id] and time.monotonic() < deadline:
        time.sleep(0.2)
    return ids


def _queue_url() -> str:
    return aws.client("sqs").get_queue_url(QueueName=settings().queue_name(writer.CONSUMER))["QueueUrl"]


def _approval_on_the_writers_queue(lister, reindex, monkeypatch):
    """A published index, publishing and refreshing at once, and an approval's batch taken from the
    writer's queue as Lambda's event source takes it."""
    _published_and_at_once(reindex, monkeypatch)
    approved = make_listing(lister, status="active", title="Approved while uploads fail")
    outbox.relay_pending()
    batch = aws.client("sqs").receive_message(QueueUrl=_queue_url(), MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                              AttributeNames=["All"])["Messages"]
    return approved, batch


def test_a_batch_whose_publish_fails_is_reported_failed_and_comes_back_within_seconds(
        api, lister, reindex, monkeypatch, search_bucket_outage, caplog):
    # Given a published index and an approval on the writer's queue
    approved, batch = _approval_on_the_writers_queue(lister, reindex, monkeypatch)

    # When the index cannot be uploaded, the function reports the whole batch failed (not an error)
    search_bucket_outage.active = True
    answer = search_index_writer.handler({"Records": _records(batch)})
    assert search_bucket_outage.refused
    assert answer == {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in batch]}
    assert _body(get(api, "/v1/listings"))["total"] == 0
    # and logs the message infra's metric filter counts for the writer's alarm
    assert writer.ROUND_FAILED in [record.getMessage() for record in caplog.records]

    # Then once the bucket answers, SQS brings the batch back after a short backoff and it is published
    search_bucket_outage.active = False
    again = aws.client("sqs").receive_message(QueueUrl=_queue_url(), MaxNumberOfMessages=10, WaitTimeSeconds=10,
                                AttributeNames=["All"]).get("Messages", [])
    assert {m["MessageId"] for m in again} == {m["MessageId"] for m in batch}
    assert search_index_writer.handler({"Records": _records(again)}) == {"batchItemFailures": []}
    assert _until_listed(api, approved.listing_id) == [approved.listing_id]


def test_a_blip_in_the_upload_is_retried_within_the_invocation(api, lister, reindex, monkeypatch,
                                                               search_bucket_outage):
    # Given an approval on the writer's queue and uploads failing for a couple of seconds
    approved, batch = _approval_on_the_writers_queue(lister, reindex, monkeypatch)
    search_bucket_outage.active = True
    threading.Timer(2, setattr, args=(search_bucket_outage, "active", False)).start()

    # When the function is invoked with time to spare, its failed round is tried again
    answer = search_index_writer.handler({"Records": _records(batch)}, LambdaContext("search-index"))

    # Then the batch succeeds and the approval is searchable
    assert search_bucket_outage.refused
    assert answer == {"batchItemFailures": []}
    assert _until_listed(api, approved.listing_id) == [approved.listing_id]


def _published_and_at_once(reindex, monkeypatch) -> None:
    """A published index; the writer publishes and the listings function refreshes at once."""
    reindex()
    monkeypatch.setenv("SHIKHAR_SEARCH_REFRESH_SECONDS", "0")
    monkeypatch.setenv("SHIKHAR_SEARCH_PUBLISH_SECONDS", "0")
    reload_settings()


@contextmanager
def _local_writer():
    """The local platform's search-index worker, running until leaving."""
    stop = threading.Event()
    running = threading.Thread(target=workers.search_index, args=(stop,), daemon=True)
    running.start()
    try:
        yield
    finally:
        stop.set()
        running.join(10)


def _wait_until(condition) -> None:
    deadline = time.monotonic() + 30
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_the_local_writer_publishes_what_it_applied_once_a_failed_upload_clears(
        api, lister, reindex, monkeypatch, search_bucket_outage):
    # Given the local writer running on a published index, and the bucket refusing uploads
    _published_and_at_once(reindex, monkeypatch)
    search_bucket_outage.active = True
    with _local_writer():
        # When an approval reaches it and its upload fails
        approved = make_listing(lister, status="active", title="Approved while uploads fail")
        outbox.relay_pending()
        attempts = settings().call_budget.attempts  # per upload, retries included
        _wait_until(lambda: search_bucket_outage.refused > attempts)  # a round failed whole
        assert search_bucket_outage.refused > attempts
        assert _body(get(api, "/v1/listings"))["total"] == 0

        # Then once uploads work again its next round publishes the change it kept, within seconds
        search_bucket_outage.active = False
        assert _until_listed(api, approved.listing_id) == [approved.listing_id]


def test_the_local_writer_reads_again_what_it_could_not_read_when_the_table_failed(
        api, lister, reindex, monkeypatch, table_outage):
    # Given an approval on the writer's queue, and the table not answering when the writer takes it
    _published_and_at_once(reindex, monkeypatch)
    approved = make_listing(lister, status="active", title="Approved before the table failed")
    outbox.relay_pending()
    table_outage.active = True
    with _local_writer():
        # When its round fails reading the table
        _wait_until(lambda: table_outage.refused)
        assert table_outage.refused

        # Then once the table answers the writer reads the listing again and publishes it, within seconds
        table_outage.active = False
        assert _until_listed(api, approved.listing_id) == [approved.listing_id]


def test_coming_soon_is_hidden_from_the_public_until_its_date(api, lister, reindex, buyer, premium_buyer):
    soon = make_listing(lister, status="coming_soon", title="Soon house", public_at=datetime.now(UTC) + timedelta(days=2))
    reindex()
    assert _body(get(api, "/v1/listings", buyer))["total"] == 0
    assert _ids(get(api, "/v1/listings", premium_buyer)) == [soon.listing_id]


def _writer_takes_its_queue(index_writer: writer.Writer) -> None:
    """The bus delivers what the outbox holds; the search-index writer applies its queue and publishes."""
    outbox.relay_pending()
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=settings().queue_name(writer.CONSUMER))["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        index_writer.apply(writer.messages_listings([m["Body"] for m in messages]))
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    index_writer.publish()
    search_index.reset()  # the function's next check loads the new version


def test_a_cover_the_media_placement_withdraws_leaves_the_search_card(api, lister, reindex, monkeypatch):
    # Given a published listing whose cover is a drone shot, searchable with it
    monkeypatch.setenv("SHIKHAR_SEARCH_PUBLISH_SECONDS", "0")
    reload_settings()
    listing = make_listing(lister, status="active", title="Drone-shot house")
    drone = upload(listing, lister, kind="drone")
    reindex()
    assert _body(get(api, "/v1/listings"))["items"][0]["cover"]["media_id"] == drone.media_id
    index_writer = writer.Writer(CARDS)

    # When it is featured, the writer applies ListingFeatured before the media placement moves the drone
    # shot into the premium bucket (and the cover with it)
    listing_act(actor=ADMIN, listing_id=listing.listing_id, action=Action.FEATURE)
    _writer_takes_its_queue(index_writer)
    relay_placement()
    _writer_takes_its_queue(index_writer)

    # Then search shows the card without the cover that is no longer public, as the detail does
    assert get(api, f"/v1/listings/{listing.listing_id}").json()["cover"] is None
    assert _body(get(api, "/v1/listings"))["items"][0]["cover"] is None
