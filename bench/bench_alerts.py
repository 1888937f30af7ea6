"""Alerts at scale: saved searches matched per listing event at 10,000 saved searches, and the daily
digest's run time for 10,000 buyers, against the emulator.

Matching: 10,000 saved searches (random neighbourhoods, property types, price ceilings, bedrooms; some
name no neighbourhood or no type) are written with their match-index entries; for sample listings, the
match (``marketplace.alerts.matching.matching_searches``) is timed and its DynamoDB calls and items read
counted, against a reference measured in the same run: reading every saved search (a Scan of the table
for them) and checking each with the same exact predicate. Rounds interleave the two; medians.

Digest: 10,000 buyers with profiles and two matches each waiting (``PendingAlert``), 40 listings; the
daily schedule's run (``digest_enqueue``: buyers due onto the digest queue, 50 a message), then the queue
drained by ``--workers`` digest workers at once (``handle_message``, one message each at a time, as the
worker function's event source hands them): time to drain, each message's time (against the worker
function's timeout), DynamoDB calls a buyer, SES sends.

    .venv/bin/python bench/bench_alerts.py [--searches 10000] [--buyers 10000] [--rounds 5] [--workers 5]
                                           [--digest-only]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.emulator import EMULATOR_ENV, Emulator, free_port

PORT = free_port()
os.environ.update(EMULATOR_ENV)
os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{PORT}", "SHIKHAR_PREFIX": "shikhar-bench",
                   "SHIKHAR_ENV": "test", "SHIKHAR_LOG_LEVEL": "ERROR", "POWERTOOLS_LOG_LEVEL": "ERROR"})

import botocore.session

CALLS: list[str] = []
_create = botocore.session.Session.create_client


def _counting(self, service, *args, **kwargs):
    made = _create(self, service, *args, **kwargs)
    made.meta.events.register(f"before-call.{service}", lambda model, **_: CALLS.append(f"{service}:{model.name}"))
    return made


botocore.session.Session.create_client = _counting

NEIGHBOURHOODS = ["budhanilkantha", "bhaisepati", "sanepa", "dhumbarahi", "bansbari", "maharajgunj", "lazimpat",
                  "baluwatar", "jhamsikhel", "hattiban", "chobhar", "thamel"]
TYPES = ["house", "villa", "apartment", "land", "commercial"]
CRORE = 10_000_000


def _search(random_: random.Random):
    from marketplace.search_index.query import IndexSearch
    from marketplace.selectors.search import ListingFilters

    neighbourhoods = () if random_.random() < 0.1 else tuple(random_.sample(NEIGHBOURHOODS, random_.choice((1, 1, 1, 2))))
    return IndexSearch(filters=ListingFilters(
        neighborhoods=neighbourhoods, property_type=None if random_.random() < 0.3 else random_.choice(TYPES),
        max_price=None if random_.random() < 0.4 else random_.choice((3, 5, 8, 12, 20)) * CRORE,
        min_bedrooms=None if random_.random() < 0.5 else random_.choice((2, 3, 4, 5))))


def seed_searches(count: int) -> None:
    from marketplace.alerts.searches import Frequency, criteria_of, match_entries
    from marketplace.ids import new_id
    from marketplace.models import SavedSearch

    chooser = random.Random(7)
    frequencies = [Frequency.INSTANT, Frequency.DAILY, Frequency.DAILY, Frequency.WEEKLY]
    with SavedSearch.batch_write() as batch:
        for number in range(count):
            search = SavedSearch(user_id=f"bench-buyer-{number % 4000}", search_id=new_id(), name=f"search {number}",
                                 parameters="{}", criteria=criteria_of(_search(chooser)),
                                 frequency=chooser.choice(frequencies).value)
            search.derive_keys()
            batch.save(search)
            for entry in match_entries(search):
                batch.save(entry)


def sample_listings(count: int) -> list:
    from datetime import UTC, datetime

    import pygeohash

    from marketplace.models import Listing
    from marketplace.neighbourhoods import BY_SLUG

    chooser = random.Random(11)
    listings = []
    for number in range(count):
        place = BY_SLUG[chooser.choice(NEIGHBOURHOODS)]
        listing = Listing(listing_id=f"01bench{number:019d}", title=f"Bench house {number}", broker_id="bench-broker",
                          property_type=chooser.choice(TYPES), purpose="sale", neighborhood=place.slug,
                          price=chooser.choice((2, 4, 6, 9, 15)) * CRORE, bedrooms=chooser.choice((2, 3, 4, 5)),
                          status="active", published_at=datetime.now(UTC),
                          geohash=pygeohash.encode(place.latitude, place.longitude, precision=7))
        listing.derive_keys()
        listings.append(listing)
    return listings


def reference_match(listing) -> int:
    """Every saved search read (a Scan for them), each checked with the same exact predicate."""
    from marketplace.alerts.matching import _one_listing_index
    from marketplace.alerts.searches import search_of
    from marketplace.models import SavedSearch
    from marketplace.search_index.query import search as index_search

    connection = _one_listing_index(listing)
    return sum(1 for s in SavedSearch.scan(SavedSearch.type == SavedSearch)
               if index_search(connection, request=search_of(s.criteria), limit=1).items)


def _measured(function, listing) -> tuple[float, int, int]:
    CALLS.clear()
    started = time.perf_counter()
    found = function(listing)
    elapsed = time.perf_counter() - started
    return elapsed, len([c for c in CALLS if c.startswith("dynamodb:")]), found if isinstance(found, int) else len(found)


def bench_matching(searches: int, rounds: int) -> dict:
    from marketplace.alerts.matching import candidates, matching_searches

    started = time.perf_counter()
    seed_searches(searches)
    print(f"seeded {searches:,} saved searches in {time.perf_counter() - started:.0f} s", flush=True)
    listings = sample_listings(8)
    indexed, scanned, calls, reference_calls, read = [], [], [], [], []
    for round_ in range(rounds):
        for number, listing in enumerate(listings):
            # The reference reads the whole table each time (tens of seconds on the emulator): two listings a round.
            order = [("index", matching_searches)] + ([("scan", reference_match)] if number < 2 else [])
            for name, function in (order if round_ % 2 == 0 else order[::-1]):
                elapsed, made, _found = _measured(function, listing)
                (indexed if name == "index" else scanned).append(elapsed)
                (calls if name == "index" else reference_calls).append(made)
        read.extend(len(candidates(listing)) for listing in listings)
    return {"searches": searches, "index_ms": statistics.median(indexed) * 1000,
            "scan_ms": statistics.median(scanned) * 1000, "index_calls": statistics.median(calls),
            "scan_calls": statistics.median(reference_calls), "entries_read": statistics.median(read),
            "matched": [len(matching_searches(listing)) for listing in listings]}


def seed_digest(buyers: int) -> None:
    from datetime import UTC, datetime

    from marketplace.models import Listing, PendingAlert, UserProfile

    listings = sample_listings(40)
    with Listing.batch_write() as batch:
        for listing in listings:
            listing.derive_keys()
            batch.save(listing)
    with PendingAlert.batch_write() as batch:
        for number in range(buyers):
            user_id = f"bench-digest-{number:06d}"
            profile = UserProfile(user_id=user_id, email=f"{user_id}@example.np", name=f"Buyer {number}",
                                  created_at=datetime.now(UTC))
            profile.derive_keys()
            batch.save(profile)
            for pick in (number % 40, (number * 7 + 3) % 40):
                item = PendingAlert(user_id=user_id, search_id=f"01benchsearch{number:013d}",
                                    listing_id=listings[pick].listing_id, search_name="Bench search")
                item.pk, item.sk = PendingAlert.key("daily", user_id, item.search_id, item.listing_id)
                batch.save(item)


PROGRESS_EVERY = 10  # messages between progress lines (a long run stopped early still leaves its figures)


def _progress(messages: int, elapsed: float, durations: list[float]) -> None:
    calls = _counted()
    sends = calls.get("ses:SendRawEmail", 0)
    dynamodb = sum(n for call, n in calls.items() if call.startswith("dynamodb:"))
    print(f"  drained {messages} messages in {elapsed:.0f} s: {sends:,} e-mails, "
          f"{dynamodb / max(sends, 1):.2f} DynamoDB calls a buyer, a message median "
          f"{statistics.median(durations):.1f} s max {max(durations):.1f} s; load {os.getloadavg()[0]:.1f}",
          flush=True)


def _drain(workers: int) -> tuple[list[float], int]:
    """The digest queue drained by ``workers`` consumers at once (the worker function's concurrency in AWS),
    each taking one message at a time as its event source hands it: each message's handling time, and how
    many handlings failed (the message is made visible again at once, as a retry)."""
    from marketplace.alerts.digests import handle_message
    from marketplace.aws import client
    from marketplace.config import settings

    sqs, url = client("sqs"), settings().digest_queue_url
    durations: list[float] = []
    failures: list[str] = []
    began = time.perf_counter()

    def consume() -> None:
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=2).get("Messages"):
            started = time.perf_counter()
            try:
                handle_message(messages[0]["Body"])
            except Exception as error:  # noqa: BLE001 - a failed batch is retried, as its queue would
                failures.append(repr(error))
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"],
                                              VisibilityTimeout=0)
                continue
            durations.append(time.perf_counter() - started)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            if len(durations) % PROGRESS_EVERY == 0:
                _progress(len(durations), time.perf_counter() - began, durations)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for running in [pool.submit(consume) for _ in range(workers)]:
            running.result()
    return durations, len(failures)


def _counted(prefix: str = "") -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in CALLS:
        if call.startswith(prefix):
            counts[call] = counts.get(call, 0) + 1
    return counts


def bench_digest(buyers: int, workers: int) -> dict:
    """The schedule's run (buyers due onto the queue), then the queue drained by ``workers`` digest workers."""
    from marketplace.alerts.digests import digest_enqueue

    started = time.perf_counter()
    seed_digest(buyers)
    print(f"seeded {buyers:,} buyers in {time.perf_counter() - started:.0f} s", flush=True)
    CALLS.clear()
    started = time.perf_counter()
    queued = digest_enqueue(frequency="daily")
    enqueue_seconds = time.perf_counter() - started
    enqueue_calls = _counted()
    CALLS.clear()
    started = time.perf_counter()
    durations, failed = _drain(workers)
    drain_seconds = time.perf_counter() - started
    calls = _counted()
    dynamodb = sum(n for call, n in calls.items() if call.startswith("dynamodb:"))
    return {"buyers": buyers, "workers": workers, "queued": queued, "enqueue_seconds": enqueue_seconds,
            "enqueue_calls": enqueue_calls, "drain_seconds": drain_seconds, "calls": calls,
            "dynamodb_per_buyer": dynamodb / buyers, "sends": calls.get("ses:SendRawEmail", 0),
            "message_p50": statistics.median(durations), "message_max": max(durations), "messages": len(durations),
            "failed_handlings": failed, "load": os.getloadavg()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=5, help="digest workers at once (the function's concurrency)")
    parser.add_argument("--digest-only", action="store_true", help="skip the matching part")
    args = parser.parse_args()
    emulator = Emulator(port=PORT).start()
    from marketplace.table import Item

    Item.Meta.read_timeout_seconds = 300  # the reference's Scan pages take far longer than a function's budget
    try:
        from local.provision import provision
        from marketplace.config import reload_settings

        resources = provision()
        os.environ.update(resources.environment())
        reload_settings()
        if not args.digest_only:
            matching = bench_matching(args.searches, args.rounds)
            print(f"matching at {matching['searches']:,} saved searches: index {matching['index_ms']:.1f} ms, "
                  f"{matching['index_calls']:.0f} DynamoDB calls, {matching['entries_read']:.0f} entries read; "
                  f"reference (scan every saved search) {matching['scan_ms']:.1f} ms, {matching['scan_calls']:.0f} calls; "
                  f"ratio {matching['scan_ms'] / matching['index_ms']:.1f}x; matches per listing {matching['matched']}",
                  flush=True)
            emulator.reset()
            resources = provision()
            os.environ.update(resources.environment())
            reload_settings()
        digest = bench_digest(args.buyers, args.workers)
        print(f"digest for {digest['buyers']:,} buyers: schedule {digest['enqueue_seconds']:.1f} s "
              f"({digest['queued']['messages']} messages; calls {digest['enqueue_calls']}); drained by "
              f"{digest['workers']} workers in {digest['drain_seconds']:.1f} s "
              f"({digest['drain_seconds'] / digest['buyers'] * 1000:.1f} ms a buyer); a message (50 buyers) "
              f"median {digest['message_p50']:.1f} s, max {digest['message_max']:.1f} s; "
              f"DynamoDB calls a buyer {digest['dynamodb_per_buyer']:.2f}; SES sends {digest['sends']:,}; "
              f"failed handlings (retried) {digest['failed_handlings']}; calls {digest['calls']}; "
              f"load average at the end {digest['load']}", flush=True)
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
