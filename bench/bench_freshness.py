"""Approval to searchable on the local platform: how long after an admin approves a listing a buyer's
search over HTTP finds it.

``python bench/bench_freshness.py [ROUNDS]`` (default 8) starts the emulator, provisions every resource,
runs the workers that carry an approval to search as ``make run`` does (the outbox relay and the search
index's writer; local.workers) and the local API gateway (``SHIKHAR_API_PORT``, default 5380, as its
own process), with the configured intervals (``SHIKHAR_SEARCH_PUBLISH_SECONDS``,
``SHIKHAR_SEARCH_REFRESH_SECONDS``). Each round creates and submits a listing with a word of its own in
the title, approves it, and asks ``GET /v1/listings?q=<word>`` every 100 ms until it is there.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from local.emulator import EMULATOR_ENV, Emulator, free_port

PORT = free_port()
API_PORT = int(os.environ.get("SHIKHAR_API_PORT", "5380"))
os.environ.update(EMULATOR_ENV)
os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{PORT}", "SHIKHAR_PREFIX": "shikhar-fresh",
                   "SHIKHAR_ENV": "test", "POWERTOOLS_TRACE_DISABLED": "true"})

from local import workers
from local.provision import provision
from marketplace.actors import Actor, Group
from marketplace.config import reload_settings, settings
from marketplace.lifecycle import Action
from marketplace.listing_fields import MIN_PHOTOS
from marketplace.search_index import writer
from marketplace.selectors.listings import listing_get
from marketplace.services.listings import listing_create, listing_transition
from marketplace.services.media import media_request_upload
from public_api.functions.search_index_writer import CARDS

BROKER = Actor(user_id="broker-fresh", email="broker@fresh.shikhar.np", groups=frozenset({Group.BROKERS}))
ADMIN = Actor(user_id="admin-fresh", email="admin@fresh.shikhar.np", groups=frozenset({Group.ADMINS}))
HOUSE = {"description": "Bright house on a quiet lane.", "property_type": "house", "purpose": "sale",
         "price": "4.5 crore", "neighborhood": "budhanilkantha", "latitude": "27.7781", "longitude": "85.3620",
         "land_area_sqft": "0-8-0-0", "built_up_area_sqft": "3200 sqft", "bedrooms": 4, "bathrooms": 4,
         "road_width_ft": 20, "facing": "S"}


def _act(listing_id: str, actor: Actor, action: Action) -> None:
    version = listing_get(listing_id=listing_id, consistent=True).version
    listing_transition(actor=actor, listing_id=listing_id, action=action, expected_version=version)


def _submitted(word: str) -> str:
    listing = listing_create(actor=BROKER, fields={**HOUSE, "title": f"House {word}"})
    for n in range(MIN_PHOTOS):
        media_request_upload(listing_id=listing.listing_id, kind="photo", actor=BROKER, content_type="image/jpeg",
                             size=250_000, filename=f"photo-{n}.jpg")
    _act(listing.listing_id, BROKER, Action.SUBMIT)
    return listing.listing_id


def _found(word: str) -> bool:
    body = requests.get(f"http://127.0.0.1:{API_PORT}/v1/listings", params={"q": word}, timeout=10).json()
    return bool(body.get("total"))


def _round(n: int) -> float:
    word = f"freshness{n}x"
    listing_id = _submitted(word)
    started = time.monotonic()
    _act(listing_id, ADMIN, Action.APPROVE)
    while not _found(word):
        if time.monotonic() - started > 120:
            raise SystemExit(f"round {n}: not searchable after 120 s")
        time.sleep(0.1)
    return time.monotonic() - started


def main(rounds: int) -> None:
    emulator = Emulator(port=PORT).start()
    stop = threading.Event()
    gateway = None
    try:
        os.environ.update(provision().environment())
        reload_settings()
        writer.rebuild(CARDS)  # an index to start from, as the demo's seeding leaves one
        for worker in (workers.outbox_relay, workers.search_index):
            threading.Thread(target=worker, args=(stop,), daemon=True, name=worker.__name__).start()
        gateway = subprocess.Popen([sys.executable, "-m", "local.gateway", "--port", str(API_PORT)], env=os.environ,
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{API_PORT}/v1/listings", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        cfg = settings()
        seconds = [_round(n) for n in range(rounds)]
        print(f"approval to searchable over HTTP, {rounds} rounds (publish every {cfg.search_publish_seconds} s, "
              f"refresh every {cfg.search_refresh_seconds} s): median {statistics.median(seconds):.1f} s, "
              f"max {max(seconds):.1f} s, each: {', '.join(f'{s:.1f}' for s in seconds)}")
        print(f"machine load: {os.getloadavg()[0]:.1f} (1-minute load average at the end)")
    finally:
        stop.set()
        if gateway is not None:
            gateway.terminate()
            gateway.wait(10)
        emulator.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
