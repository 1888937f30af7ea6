"""Server time and DynamoDB calls of every back-office page an admin, a broker and a seller use.

Seeds a fresh emulator (moto server over HTTP) through the domain's services: the demo's people,
agencies, favorites, inquiries and view figures, then more listings the way the demo makes them (spread
over neighbourhoods, statuses and the three brokers, a seller on every 7th, inquiries, viewing requests,
21 days of views; photo slots taken, no files sent) up to ``--listings``, and rebuilds the reports'
daily figures. Pages are asked through Django's test ``Client`` (the whole middleware stack, the
session read from the table included), each person holding a session as sign-in leaves it. DynamoDB
calls are counted through botocore's ``before-call`` event.

The calls are counted twice: with ``--small`` listings and with ``--listings``; a page whose calls grow
between the two reads per listing (N+1). Times are taken at the full size only: a warm-up, then
``--rounds`` rounds that visit every page in turn (the order reversed every other round); medians.
``import boto3`` in a fresh process, measured in the same run, is the reference the times can be read
against on another machine. The calls are printed as soon as they are counted; a page that answers
anything but 200 in a timed round is reported with the calls it made, and its median is of the rounds
that answered. Seeding 1,000 listings takes about 25 minutes on a loaded 2-core machine (the emulator's
Queries no longer slow with the table: ``local.emulator_patches``).

    .venv/bin/python bench/bench_backoffice_pages.py [--listings 1000] [--small 100] [--rounds 7]

To profile without seeding again: ``--port 5120 --keep`` seeds an emulator on that port and keeps it
serving after the run (until Ctrl-C); a later run with the same ``--port`` finds it running, provisions
(idempotent) and, when the table already holds ``--listings``, neither seeds nor counts at ``--small``.
``--pages reports`` keeps only the pages whose label contains one of the words. ``--profile`` asks each
page once under cProfile (top functions by own time and by cumulative time) with the time and bytes of
each DynamoDB call, split at botocore's events: sent to answer received (the emulator's own time: it is
on 127.0.0.1) and answer to parsed (botocore's parsing), instead of the timed rounds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import botocore.session

from local.emulator import EMULATOR_ENV, Emulator, free_port, port_in_use

CALLS: list[str] = []
TIMED: list[dict] = []  # with --profile: each DynamoDB call's name, bytes answered and times (ms)
_create_client = botocore.session.Session.create_client


def _sent(event_name: str, request, **_) -> None:
    asked = json.loads(request.body or b"{}")
    what = [asked.get("IndexName", ""), *(str(v)[:40] for v in asked.get("ExpressionAttributeValues", {}).values())]
    TIMED.append({"call": event_name.rsplit(".", 1)[-1], "sent": time.perf_counter(), "what": " ".join(what)})


def _answered(response_dict: dict, **_) -> None:
    if TIMED:
        TIMED[-1].update(answered=time.perf_counter(), bytes=len(response_dict.get("body") or b""))


def _parsed(model, **_) -> None:
    if TIMED:
        TIMED[-1]["parsed"] = time.perf_counter()


def _counting(self, service, *args, **kwargs):
    made = _create_client(self, service, *args, **kwargs)
    if service == "dynamodb":
        made.meta.events.register("before-call.dynamodb", lambda model, **_: CALLS.append(model.name))
        made.meta.events.register("before-send.dynamodb", _sent)
        made.meta.events.register("before-parse.dynamodb", _answered)
        made.meta.events.register("after-call.dynamodb", _parsed)
    return made


botocore.session.Session.create_client = _counting  # before any client exists, so every one is counted


def _seed_more(count: int, rng: random.Random) -> None:
    """Listings ``60 .. count-1`` as the demo makes its own, with inquiries, viewing requests and views."""
    from local import demo
    from marketplace.actors import Actor
    from marketplace.errors import ValidationError
    from marketplace.lifecycle import Status
    from marketplace.models import DailyViewStat, Guard
    from marketplace.selectors.people import entitlements_for
    from marketplace.services import engagement, viewings

    def who(email: str) -> Actor:
        person = next(p for p in demo.PEOPLE if p.email == email)
        user_id = Guard.get(*Guard.unique_key("demo", f"broker:{email}")).ref if email in demo.BROKER_FIRMS else None
        return Actor(user_id=user_id or _user_id(email), email=email, groups=frozenset(person.groups), name=person.name)

    admin, brokers = who("admin@demo.shikhar.np"), [who(e) for e in demo.BROKER_FIRMS]
    seller_id = Guard.get(*Guard.unique_key("demo", "seller")).ref
    buyer = who("premium@demo.shikhar.np")
    rights = entitlements_for(user_id=buyer.user_id)
    mix = list(demo.STATUS_PLAN)
    may_ask = True  # for a viewing: until the buyer reaches the open-request limit
    for index in range(demo.LISTING_COUNT, count):
        if demo._guarded(f"listing:{index}"):
            continue
        target = mix[index % len(mix)]
        fields = demo._fields(rng, index)
        if index % 7 == 0:
            fields["seller_id"] = seller_id
        listing_id = demo.demo_listing_id(index)
        premium = target == Status.ACTIVE and index % 4 == 0
        demo._listing(listing_id, fields, target, broker=brokers[index % 3], admin=admin, rng=rng,
                      premium=premium, photos=False, index=index)
        Guard(*Guard.unique_key("demo", f"listing:{index}"), ref=listing_id).save()
        if (index + 1) % 100 == 0:
            print(f"  listings {index + 1}/{count}", flush=True)
        if target != Status.ACTIVE:
            continue
        if index % 5 == 0:
            engagement.inquiry_create(actor=buyer, listing_id=listing_id, entitlements=rights,
                                      idempotency_key=f"bench-{index}", name=buyer.name, phone="+977 9812345678",
                                      email=buyer.email, message="Is a viewing possible on Saturday?")
        if index % 9 == 0 and may_ask:
            soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3, hours=2)
            try:
                viewings.viewing_request(actor=buyer, listing_id=listing_id, entitlements=rights,
                                         slots=[soon, soon + timedelta(days=1)], name=buyer.name, email=buyer.email)
            except ValidationError as error:  # the buyer's open requests are at the limit: no more asked
                if error.field != "slots":
                    raise
                may_ask = False
        with DailyViewStat.batch_write() as batch:
            for back in range(demo.VIEW_DAYS):
                stat = DailyViewStat(listing_id=listing_id, day=(date.today() - timedelta(days=back)).isoformat(),
                                     neighborhood=fields["neighborhood"], views=rng.randint(1, 40))
                stat.derive_keys()
                batch.save(stat)


def _user_id(email: str) -> str:
    from marketplace.aws import client
    from marketplace.deployment import Env

    attributes = client("cognito-idp").admin_get_user(UserPoolId=os.environ[Env.USER_POOL_ID],
                                                      Username=email)["UserAttributes"]
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


def seed(resources, count: int) -> None:
    from local import demo
    from marketplace.services import daily_reports

    demo.seed(resources=resources, photos=False, listing_count=min(count, demo.LISTING_COUNT))
    if count > demo.LISTING_COUNT:
        _seed_more(count, random.Random(count))
    daily_reports.rebuild()


def clients() -> dict:
    """A test ``Client`` per person holding the session sign-in leaves (claims checked just now)."""
    from django.conf import settings
    from django.test import Client

    from backoffice.sessions import USER_KEY, SessionStore
    from local import demo

    made = {}
    for role, email in (("admin", "admin@demo.shikhar.np"), ("broker", "broker@demo.shikhar.np"),
                        ("seller", "seller@demo.shikhar.np")):
        person = next(p for p in demo.PEOPLE if p.email == email)
        session = SessionStore()
        # checked_at in the future: the periodic Cognito recheck (one call per few minutes) stays out of the figures
        session[USER_KEY] = {"user_id": _user_id(email), "email": email, "name": person.name,
                             "groups": list(person.groups), "checked_at": time.time() + 86_400}
        session.save()
        browser = Client(HTTP_HOST="localhost")
        browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        made[role] = browser
    return made


def pages(brokers_first_listing: str, pending: str, seller_listing: str, person_id: str) -> list[tuple[str, str, str]]:
    """(label, role, path) of every page measured."""
    return [
        ("admin dashboard", "admin", "/admin/"),
        ("moderation queue", "admin", "/admin/moderation/"),
        ("moderation review", "admin", f"/admin/moderation/{pending}/"),
        ("listings changelist (active)", "admin", "/admin/listings/"),
        ("listings filtered: hood+price", "admin", ("/admin/listings/?status=active&neighborhood=baluwatar"
                                                    "&price_min=3+crore&price_max=20+crore")),
        ("listings search + sort", "admin", "/admin/listings/?status=&q=villa&order=price"),
        ("listings any status", "admin", "/admin/listings/?status=any"),
        ("admin listing detail", "admin", f"/admin/listings/{brokers_first_listing}/"),
        ("people", "admin", "/admin/people/"),
        ("person (broker)", "admin", f"/admin/people/{person_id}/"),
        ("brokers", "admin", "/admin/brokers/"),
        ("reports 90 days", "admin", "/admin/reports/?days=90"),
        ("reports 365 days", "admin", "/admin/reports/?days=365"),
        ("agencies", "admin", "/admin/agencies/"),
        ("agency", "admin", "/admin/agencies/demo-agency-himalayan/"),
        ("broker inventory", "broker", "/broker/"),
        ("broker listing edit", "broker", f"/broker/listings/{brokers_first_listing}/"),
        ("broker leads", "broker", "/broker/leads/?state=any"),
        ("broker analytics", "broker", "/broker/analytics/"),
        ("broker viewings", "broker", "/broker/viewings/"),
        ("broker agency", "broker", "/broker/agency/"),
        ("listing documents (broker)", "broker", f"/listings/{brokers_first_listing}/documents/"),
        ("seller home", "seller", "/seller/"),
        ("listing documents (seller)", "seller", f"/listings/{seller_listing}/documents/"),
    ]


FAILED: list[tuple[str, int, list[str]]] = []  # (path, status, the DynamoDB calls it made) of every non-200 answer


def ask(browsers: dict, role: str, path: str) -> tuple[float | None, int]:
    """Server time (None if the page did not answer 200: kept in FAILED, reported) and DynamoDB calls."""
    CALLS.clear()
    start = time.perf_counter()
    response = browsers[role].get(path)
    ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        FAILED.append((path, response.status_code, list(CALLS)))
        print(f"  {path} answered {response.status_code} after {ms:.0f} ms, calls {CALLS}", flush=True)
        return None, len(CALLS)
    return ms, len(CALLS)


def subjects() -> tuple[str, str, str, str]:
    """A listing of the first demo broker, a listing pending review, a listing of the seller, the broker's id."""
    from marketplace.models import Guard
    from marketplace.selectors import moderation
    from marketplace.selectors.listings import listings_for_broker, listings_for_seller

    broker_id = Guard.get(*Guard.unique_key("demo", "broker:broker@demo.shikhar.np")).ref
    mine = listings_for_broker(broker_id=broker_id, limit=5).items[0].listing_id
    pending = moderation.moderation_queue(limit=1).items[0].listing.listing_id
    seller = listings_for_seller(seller_id=_user_id("seller@demo.shikhar.np"))[0].listing_id
    return mine, pending, seller, broker_id


def calls_once(browsers: dict, measured: list) -> dict[str, int]:
    for _, role, path in measured:  # warm: imports, templates, connections
        ask(browsers, role, path)
    return {label: ask(browsers, role, path)[1] for label, role, path in measured}


def reference_ms() -> float:
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import boto3"], check=True)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def profile(browsers: dict, measured: list) -> None:
    """Each page once under cProfile, with each DynamoDB call's bytes and times."""
    for label, role, path in measured:
        TIMED.clear()
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        status = browsers[role].get(path).status_code
        profiler.disable()
        ms = (time.perf_counter() - start) * 1000
        emulator_ms = sum(c.get("answered", c["sent"]) - c["sent"] for c in TIMED) * 1000
        parse_ms = sum(c.get("parsed", c.get("answered", 0)) - c.get("answered", 0) for c in TIMED) * 1000
        print(f"\n=== {label} ({path}): {status}, {ms:.0f} ms; {len(TIMED)} DynamoDB calls, "
              f"{sum(c.get('bytes', 0) for c in TIMED):,} bytes, sent->answered {emulator_ms:.0f} ms, "
              f"botocore parsing {parse_ms:.0f} ms")
        for c in TIMED:
            print(f"  {c['call']:<18} {c.get('bytes', 0):>9,} B  answered in "
                  f"{(c.get('answered', c['sent']) - c['sent']) * 1000:7.1f} ms, parsed in "
                  f"{(c.get('parsed', 0) - c.get('answered', 0)) * 1000:6.1f} ms  {c['what']}")
        for order in ("tottime", "cumulative"):
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(25)
            print(text.getvalue().split("ncalls", 1)[-1][:6000])


def _seeded(count: int) -> bool:
    from local import demo

    return demo._guarded(f"listing:{count - 1}") is not None


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--listings", type=int, default=1000)
    arguments.add_argument("--small", type=int, default=100)
    arguments.add_argument("--rounds", type=int, default=7)
    arguments.add_argument("--port", type=int, help="the emulator's port; one already running there is used")
    arguments.add_argument("--keep", action="store_true", help="keep the emulator serving after the run")
    arguments.add_argument("--pages", nargs="*", help="only the pages whose label contains one of these words")
    arguments.add_argument("--profile", action="store_true", help="each page once under cProfile, no rounds")
    args = arguments.parse_args()

    port = args.port or free_port()
    running = port_in_use(port)
    os.environ.update(EMULATOR_ENV)
    os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "SHIKHAR_PREFIX": "shikhar-bench",
                       "POWERTOOLS_LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "backoffice.settings.test"})
    emulator = None if running else Emulator(port=port).start()
    try:
        from local.provision import provision

        resources = provision()
        os.environ.update(resources.environment())
        import django

        django.setup()
        started = time.perf_counter()
        small = None
        if not (running and _seeded(args.listings)):
            seed(resources, args.small)
            measured = _chosen(pages(*subjects()), args.pages)
            browsers = clients()
            small = calls_once(browsers, measured)
            seed(resources, args.listings)
            print(f"seeded {args.listings} listings in {time.perf_counter() - started:.0f} s", flush=True)
        measured = _chosen(pages(*subjects()), args.pages)
        browsers = clients()
        large = calls_once(browsers, measured)
        small = small or dict.fromkeys(large, -1)  # an emulator seeded before: not counted at --small
        for label, _, _ in measured:  # printed now: the calls are exact whatever happens to the timed rounds
            print(f"calls {label:<32} {small[label]:>4} {large[label]:>5}", flush=True)
        print(subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip(), flush=True)
        if args.profile:
            profile(browsers, measured)
            return 0
        samples: dict[str, list[float]] = {label: [] for label, _, _ in measured}
        for n in range(args.rounds):
            for label, role, path in (measured if n % 2 == 0 else list(reversed(measured))):
                ms = ask(browsers, role, path)[0]
                if ms is not None:
                    samples[label].append(ms)
        boto = reference_ms()
        report(args, measured, samples, small, large, boto)
        if emulator is not None and args.keep:
            # Ctrl-C stops it even when started in the background (where the shell ignores SIGINT)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            print(f"the emulator keeps serving on {emulator.url} (Ctrl-C stops it)", flush=True)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
    finally:
        if emulator is not None:
            emulator.stop()
    return 0


def report(args, measured: list, samples: dict, small: dict, large: dict, boto: float) -> None:
    print(f"{args.rounds} interleaved rounds, medians; reference import boto3 (fresh process) {boto:.0f} ms")
    print(f"{'page':<32} {'ms':>7} {'ms/boto3':>9} {f'calls@{args.small}':>10} {f'calls@{args.listings}':>11}  grows")
    for label, _, _ in measured:
        ms = statistics.median(samples[label]) if samples[label] else float("nan")
        grows = "N+1" if large[label] > small[label] + 2 and small[label] >= 0 else ""
        print(f"{label:<32} {ms:>7.0f} {ms / boto:>9.2f} {small[label]:>10} {large[label]:>11}  {grows}"
              f"{f'  ({args.rounds - len(samples[label])} rounds not 200)' if len(samples[label]) < args.rounds else ''}")
    print(subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip(), flush=True)


def _chosen(measured: list, words: list[str] | None) -> list:
    return [m for m in measured if not words or any(w in m[0] for w in words)]


if __name__ == "__main__":
    sys.exit(main())
