"""Search index benchmarks: build, size, cold load, and in-handler search against the DynamoDB path.

``python bench/bench_search.py [N ...]`` (default 10000) prints the figures recorded in bench/RESULTS.md
("Search index"), for each N listings:

1. Listings: N items written to the emulator's table through the domain's models and field rules
   (``clean_listing_fields``, the listing's own keys), in the demo's mix of neighbourhoods, types,
   prices and visibility (5 % exclusive, 8 % coming soon, 15 % premium). The moderation path (photos,
   approval) is skipped: it would take hours at 100,000 and does not change what is indexed.
2. Build: from the table (the feed index, then BatchGetItem) as the writer and the runbook build it;
   and the same documents inserted into an empty index in memory (SQLite's own share).
3. Size of the published file; cold load (GetItem of the version item, GetObject, deserialize) as a
   ratio to the cold-start floor (``import boto3; boto3.client("dynamodb")`` in a fresh process),
   medians of interleaved rounds.
4. In-handler search: ``query.search`` and the response body the route returns (``card_pages.page_json``: the
   stored cards spliced in; in code before it, the cards presented and the returned ``ListingPage``
   serialised as the API's resolver serialises it), what the handler does beyond routing, for a mix of 1,000 queries (every filter, six orders, facets, words, bbox, distance, second
   pages); p50/p99 of each query's median over interleaved rounds. Against it, today's DynamoDB path
   (``listing_search``, one Query) for the queries both can answer, in the same rounds. The emulator
   answers that Query over local HTTP: in AWS add the network round trip (a few ms), which only
   widens the gap.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local.emulator import EMULATOR_ENV, Emulator, free_port

PORT = free_port()
os.environ.update(EMULATOR_ENV)
os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{PORT}", "SHIKHAR_PREFIX": "shikhar-bench",
                   "SHIKHAR_ENV": "test", "POWERTOOLS_TRACE_DISABLED": "true"})
for _name in ("SHIKHAR_TABLE", "SHIKHAR_USER_POOL_ID"):
    os.environ.pop(_name, None)

from aws_lambda_powertools.shared.json_encoder import Encoder
from botocore.stub import Stubber
from pydantic import TypeAdapter

from local.demo import listing_in_memory
from local.provision import provision_buckets, provision_table
from marketplace.config import reload_settings
from marketplace.entitlements import ANONYMOUS, Entitlements
from marketplace.models import Item, Listing
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.search_index import database, query, store, writer
from marketplace.search_index import documents as index_documents
from marketplace.search_index.documents import document_of
from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import ListingFilters, listing_search
from public_api import agency_cards, search_index

try:
    from public_api import card_pages
except ImportError:  # code before the spliced bodies (``--code`` of search_tail, a worktree of an earlier commit)
    card_pages = None
from public_api.presenters import card_of
from public_api.schemas.listings import ListingPage

try:
    from public_api.functions.search_index_writer import CARDS as STORED_CARDS
except ImportError:  # a worktree of an earlier commit: the writer presented the cards itself (or stored the table's)
    STORED_CARDS = None

QUERIES = int(os.environ.get("BENCH_QUERIES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LOAD_ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "5"))
FLOOR = 'import boto3; boto3.client("dynamodb", region_name="ap-south-1")'
INVESTOR = Entitlements(tier="investor", active=True, expires_at=datetime.now(UTC) + timedelta(days=30))
PREMIUM = Entitlements(tier="premium", active=True, expires_at=datetime.now(UTC) + timedelta(days=30))
WORDS = ("garden", "himalaya view", "solar", "bungalow", "ghar", "jagga", "sanepa", "सानेपा", "villa", "lalpurja",
         "earthquake", "security", "apartment valley")


# Documents as the writer makes them (with the card as buyers see it, where the writer presents it).
if STORED_CARDS is not None:
    PRESENT = {"present": STORED_CARDS.present}
else:
    PRESENT = {"present": writer.PRESENT} if hasattr(writer, "PRESENT") else {}
PAGE = TypeAdapter(ListingPage)


def indexed(listing: Listing):
    return document_of(listing, **PRESENT)


def broker_of(document) -> str | None:
    """The listing's broker, from what the index stores of it."""
    guard = json.loads(getattr(document, "guard", "{}"))
    return guard["broker_id"] if "broker_id" in guard else json.loads(document.card).get("broker_id", {}).get("S")


def body(cards: list, cursor: str | None, total: int | None, facets: dict | None = None) -> str:
    """The response body as the API's resolver makes it from a returned ``ListingPage`` (Powertools with
    validation: the page checked against the route's return type, dumped to JSON values, then ``json.dumps``)."""
    page = PAGE.validate_python(ListingPage(items=cards, next_cursor=cursor, total=total, facets=facets))
    return json.dumps(PAGE.dump_python(page, mode="json", by_alias=True), separators=(",", ":"), cls=Encoder)


def page_body(items: list, cursor: str | None, total: int | None, facets: dict | None = None) -> str:
    """The body the listings route answers for these items (from the index or the DynamoDB path), as this
    code makes it."""
    if card_pages is not None:
        return card_pages.page_json(items, cursor=cursor, total=total, facets=facets)
    return body(search_index.cards_of(items), cursor, total, facets)


def forget_cards() -> None:
    """Empty every cache of deserialised or presented cards this code has (``search_index.reset`` and the
    index's shared cards), keeping the brokers' agencies."""
    kept = dict(agency_cards._kept)
    for name in ("shared_card", "shared_index_card"):
        cached = getattr(index_documents, name, None)
        if cached is not None:
            cached.cache_clear()
    search_index.reset()
    agency_cards._kept.update(kept)


def listings(count: int) -> Iterator[Listing]:
    """One at a time: at 100,000 the documents are what is kept, not the models."""
    rng, moment = random.Random(count), datetime.now(UTC)
    return (listing_in_memory(rng, index, moment=moment) for index in range(count))


def _filters(rng: random.Random) -> ListingFilters:
    hoods = tuple(rng.sample([n.slug for n in NEIGHBOURHOODS], k=rng.choice([0, 0, 1, 1, 2])))
    low = rng.choice([None, None, 20_000_000, 40_000_000])
    return ListingFilters(
        neighborhoods=hoods, min_price=low,
        max_price=rng.choice([None, None, 80_000_000, 150_000_000]) if low is None or rng.random() < 0.5 else None,
        property_type=rng.choice([None, None, None, "house", "villa", "land", "apartment"]),
        purpose=rng.choice([None, None, None, "sale"]), min_bedrooms=rng.choice([None, None, 3, 4]),
        facing=rng.choice([None] * 6 + ["S", "E"]), premium=rng.choice([None] * 8 + [True]))


def _geo(rng: random.Random, filters: ListingFilters) -> tuple[ListingFilters, tuple | None]:
    place = rng.choice(NEIGHBOURHOODS)
    kind = rng.random()
    if kind < 0.1:
        return replace(filters, near=(place.latitude, place.longitude), radius_km=rng.choice([1.0, 2.0, 5.0])), None
    if kind < 0.2:
        return filters, (place.latitude - 0.01, place.longitude - 0.01, place.latitude + 0.01, place.longitude + 0.01)
    return filters, None


def query_mix(count: int) -> list[tuple[IndexSearch, Entitlements, int]]:
    rng, mix = random.Random(7), []
    for _ in range(count):
        filters, bbox = _geo(rng, _filters(rng))
        words = rng.choice(WORDS) if rng.random() < 0.25 else None
        sort = rng.choice([None, None, "newest", "price_asc", "price_desc", "price_per_ropani_asc", "land_desc"])
        facets = ("neighborhood", "property_type", "bedrooms", "price_band") if rng.random() < 0.2 else ()
        request = IndexSearch(filters=filters, q=words, bbox=bbox, sort=sort, facets=facets)
        mix.append((request, rng.choice([ANONYMOUS, ANONYMOUS, PREMIUM, INVESTOR]), rng.choice([20, 20, 10, 50])))
    return mix


def dynamodb_answers(request: IndexSearch) -> bool:
    f = request.filters
    if request.q or request.bbox or request.facets or request.sort not in (None, "newest", "price_asc", "price_desc"):
        return False
    return request.sort not in ("price_asc", "price_desc") or len(f.neighborhoods) == 1


def _timed(call, cpu: list | None = None) -> float:
    """Wall milliseconds of ``call``; its CPU milliseconds (this thread's) appended to ``cpu``: on a
    shared machine the wall time includes waiting for a core, the CPU time does not."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    call()
    if cpu is not None:
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return (time.perf_counter() - started) * 1000


def _forget_cards() -> None:
    """Each round starts with no card deserialised or presented: what a round reuses is what 1,000
    different queries share (the newest cards, popular neighbourhoods), not the previous round. The
    brokers' agencies stay, as a warm container keeps them (``agency_cards.KEEP_SECONDS``): they are
    read once before the rounds, while DynamoDB is not stubbed."""
    forget_cards()


def _index_search(connection, request, entitlements, limit):
    page = query.search(connection, request=request, entitlements=entitlements, limit=limit)
    page_body(page.items, page.cursor, page.total, page.facets)
    return page.cursor


def _dynamodb_search(request, entitlements, limit):
    page = listing_search(filters=replace(request.filters, sort=request.sort), entitlements=entitlements,
                          limit=limit)
    if card_pages is not None:
        return page_body(page.items, page.cursor, None)
    return body([card_of(card) for card in page.items], page.cursor, None)


def _stubbed_pages(stub, raw_cards: list[dict], calls: int) -> None:
    """What DynamoDB answers the path's one Query: a page of card items (the most it can hold)."""
    for call in range(calls):
        page = [raw_cards[(call * 7 + n) % len(raw_cards)] for n in range(50)]
        stub.add_response("query", {"Items": page, "Count": len(page), "ScannedCount": len(page)})


def searches(connection, raw_cards: list[dict]) -> dict:
    mix = query_mix(QUERIES)
    index_ms: list[list[float]] = [[] for _ in mix]
    index_cpu: list[list[float]] = [[] for _ in mix]
    dynamo_ms: dict[int, list[float]] = {i: [] for i, (r, _, _) in enumerate(mix) if dynamodb_answers(r)}
    client = Item._get_connection().connection.client
    with Stubber(client) as stub:
        _stubbed_pages(stub, raw_cards, ROUNDS * len(dynamo_ms))
        for _ in range(ROUNDS):  # interleaved: each query on both paths, round after round
            _forget_cards()
            for i, (request, entitlements, limit) in enumerate(mix):
                index_ms[i].append(_timed(lambda r=request, e=entitlements, n=limit: _index_search(
                    connection, r, e, n), index_cpu[i]))
                if i in dynamo_ms:
                    dynamo_ms[i].append(_timed(lambda r=request, e=entitlements, n=limit: _dynamodb_search(r, e, n)))
    # second pages: the cursor of each first page
    second = []
    for request, entitlements, limit in mix[:200]:
        cursor = _index_search(connection, request, entitlements, limit)
        if cursor:
            second.append(_timed(lambda r=request, e=entitlements, n=limit, c=cursor: query.search(
                connection, request=r, entitlements=e, limit=n, cursor=c)))
    medians = [statistics.median(times) for times in index_ms]
    both = sorted(dynamo_ms)
    return {"index": medians, "index_cpu": [statistics.median(times) for times in index_cpu],
            "index_both": [medians[i] for i in both],
            "dynamodb": [statistics.median(dynamo_ms[i]) for i in both], "second_pages": second}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cold_loads() -> tuple[float, float]:
    loads, floors = [], []
    for _ in range(LOAD_ROUNDS):  # interleaved: the machine's load hits both alike
        store.reset()
        loads.append(_timed(lambda: query.prepare(store.load_current().connection)))
        floors.append(_timed(lambda: subprocess.run([sys.executable, "-c", FLOOR], check=True)))
    return statistics.median(loads), statistics.median(floors)


def bench(count: int) -> None:
    documents = [indexed(listing) for listing in listings(count)]
    started = time.perf_counter()
    connection = database.empty()
    with connection:
        for document in documents:
            if document is not None:
                database._write(connection, document)
    built = time.perf_counter() - started
    size = len(connection.serialize())
    store.publish(connection, expected=store.current_version())
    load, floor = cold_loads()
    # What the DynamoDB path's index items hold: the whole card (an index stores less beside a presented card).
    raw_cards = [{**json.loads(d.card), "pk": {"S": f"LISTING#{d.listing_id}"}, "sk": {"S": "METADATA"}}
                 for d in map(document_of, itertools.islice(listings(count), 500)) if d]
    agency_cards.KEEP_SECONDS = 24 * 3600.0  # the rounds outlast a minute; the agencies do not change
    agency_cards.agencies_of({broker_of(d) for d in documents if d})
    # The function holds no documents: 10,000 of them alive (~50,000 objects) would make every full garbage
    # collection during the rounds walk them.
    del documents
    figures = searches(query.prepare(store.load_current().connection), raw_cards)
    print(f"\n== {count:,} listings ({database.size(connection):,} indexed) ==")
    print(f"index build (documents into an empty index, in memory)        {built:8.2f} s")
    print(f"index file size                                              {size / 1e6:8.1f} MB")
    print(f"cold load (version item, GetObject, deserialize)             {load:8.0f} ms "
          f"({load / floor:.2f}x the cold-start floor of {floor:.0f} ms)")
    index, both, dynamo = figures["index"], figures["index_both"], figures["dynamodb"]
    print(f"in-handler search, {len(index)} queries: p50 {percentile(index, 0.5):6.2f} ms   "
          f"p99 {percentile(index, 0.99):6.2f} ms   max {max(index):6.2f} ms")
    cpu = figures["index_cpu"]
    print(f"  the same, CPU time: p50 {percentile(cpu, 0.5):6.2f} ms   p99 {percentile(cpu, 0.99):6.2f} ms")
    print(f"  machine load: {os.getloadavg()[0]:.1f} (1-minute load average at the end)")
    if figures["second_pages"]:
        pages = figures["second_pages"]
        print(f"  second pages by cursor ({len(pages)}): p50 {percentile(pages, 0.5):6.2f} ms   "
              f"p99 {percentile(pages, 0.99):6.2f} ms")
    if both:
        print(f"queries both paths answer ({len(both)}): index p50 {percentile(both, 0.5):6.2f} ms  "
              f"p99 {percentile(both, 0.99):6.2f} ms | DynamoDB path (Query stubbed) p50 "
              f"{percentile(dynamo, 0.5):6.2f} ms  p99 {percentile(dynamo, 0.99):6.2f} ms")


def main(counts: list[int]) -> None:
    emulator = Emulator(port=PORT).start()  # the published object and the version item only
    try:
        for count in counts:
            emulator.reset()
            provision_table()
            reload_settings()
            store.reset()
            provision_buckets({})
            bench(count)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000])
