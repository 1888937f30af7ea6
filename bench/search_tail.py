"""The search's tail, part by part: which queries of the benchmark's mix are slowest, and where their time goes.

``python bench/search_tail.py [N] [--top 20] [--rounds 3] [--code DIR] [--json FILE]`` builds the index of
N generated listings (default 10,000; the documents of ``bench_search``, in memory, no emulator: the
serialised index is kept under /tmp between runs of the same code), runs ``bench_search``'s 1,000 queries
``--rounds`` times with the card caches emptied before each round, and prints the CPU p50/p99/max of each
query's median and the ``--top`` slowest with their shape and the median split of their CPU time:

- ``page``: the SQL of the page's rows (``query._page_rows``: order, keyset, bodies; a window count);
- ``count``: the total and facets when counted apart (``query._counted``);
- ``body``: the response body as the route makes it (``bench_search.page_body``: the stored cards spliced in,
  ``public_api.card_pages``; in code before it, the cards presented then the page serialised as the API's
  resolver serialises it), with the brokers' agencies kept as a warm container keeps them;
- ``rest``: the remainder (parsing, deserialising stored cards' guards, ``can_see``, the cursor).

``--code DIR`` imports ``marketplace``, ``public_api`` and ``bench/bench_search.py`` from another checkout (a
``git worktree`` of an earlier commit, with this checkout's ``bench/bench_search.py`` copied in, so both
measure the same work) to measure the code before a change on the same machine; ``--json FILE`` writes every
query's median CPU for ``bench/search_compare.py``-style comparisons (``--compare A.json B.json``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, default=HERE.parent)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    return parser.parse_args()


ARGS = _arguments()
# That checkout's own bench_search (the same query mix): it puts its checkout first on the path.
sys.path.insert(0, str(ARGS.code.resolve() / "bench"))

import bench_search  # sets the environment the code reads; starts nothing

from marketplace.search_index import database, query
from public_api import agency_cards

PARTS = ("page", "count", "body")
_spent: dict[str, float] = dict.fromkeys(PARTS, 0.0)


def _measured(part: str, function):
    def timed(*args, **kwargs):
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[part] += (time.thread_time() - started) * 1000
    return timed


query._page_rows = _measured("page", query._page_rows)
query._counted = _measured("count", query._counted)
_body = _measured("body", bench_search.page_body)


def _index(count: int) -> sqlite3.Connection:
    """The index of ``count`` generated listings, built by this code's ``database`` (kept under /tmp)."""
    code = b"".join((ARGS.code / name).read_bytes() for name in (
        "marketplace/search_index/database.py", "marketplace/search_index/documents.py",
        "marketplace/search_index/writer.py", "public_api/presenters.py", "local/demo.py",
        "public_api/functions/search_index_writer.py") if (ARGS.code / name).exists())
    cached = Path(f"/tmp/search-tail-{os.getuid()}-{count}-{hashlib.sha256(code).hexdigest()[:12]}.sqlite")
    if cached.exists():
        connection = getattr(database, "connect", lambda: sqlite3.connect(":memory:", check_same_thread=False))()
        connection.deserialize(cached.read_bytes())
        return query.prepare(connection)
    connection = database.empty()
    with connection:
        for listing in bench_search.listings(count):
            document = bench_search.indexed(listing)
            if document is not None:
                database._write(connection, document)
    analysed = getattr(database, "analysed", None)
    if analysed is not None:
        analysed(connection)
    cached.write_bytes(connection.serialize())
    return query.prepare(connection)


def _shape(request, entitlements, limit) -> str:
    f = request.filters
    parts = [f"q={request.q!r}"] if request.q else []
    parts += [f"{name}={value}" for name, value in (
        ("hood", ",".join(f.neighborhoods)), ("min", f.min_price), ("max", f.max_price), ("type", f.property_type),
        ("purpose", f.purpose), ("beds", f.min_bedrooms), ("facing", f.facing), ("premium", f.premium)) if value]
    if f.near:
        parts.append(f"near r={f.radius_km}km")
    if request.bbox:
        parts.append("bbox")
    parts.append(f"sort={request.sort or '-'}")
    if request.facets:
        parts.append("facets")
    return f"{' '.join(parts)} limit={limit} {entitlements.tier or 'anyone'}"


def _run(connection, mix) -> tuple[list[float], list[dict[str, float]], list[int]]:
    cpu: list[list[float]] = [[] for _ in mix]
    parts: list[list[dict]] = [[] for _ in mix]
    totals = [0] * len(mix)
    kept = dict(agency_cards._kept)
    for _ in range(ARGS.rounds):
        bench_search.forget_cards()
        agency_cards._kept.update(kept)
        for i, (request, entitlements, limit) in enumerate(mix):
            _spent.update(dict.fromkeys(PARTS, 0.0))
            started = time.thread_time()
            page = query.search(connection, request=request, entitlements=entitlements, limit=limit)
            _body(page.items, page.cursor, page.total, page.facets)
            cpu[i].append((time.thread_time() - started) * 1000)
            parts[i].append(dict(_spent))
            totals[i] = page.total
    medians = [statistics.median(times) for times in cpu]
    split = [{p: statistics.median(r[p] for r in runs) for p in PARTS} for runs in parts]
    return medians, split, totals


def _compare(before_file: Path, after_file: Path) -> None:
    before, after = json.loads(before_file.read_text()), json.loads(after_file.read_text())
    for name, figures in (("before", before), ("after", after)):
        cpu = figures["cpu"]
        print(f"{name:6} CPU p50 {bench_search.percentile(cpu, 0.5):5.2f} ms  p99 "
              f"{bench_search.percentile(cpu, 0.99):5.2f} ms  max {max(cpu):5.2f} ms")
    assert before["totals"] == after["totals"], "the two versions count differently"


def main() -> None:
    if ARGS.compare:
        _compare(*ARGS.compare)
        return
    connection = _index(ARGS.count)
    mix = bench_search.query_mix(bench_search.QUERIES)
    brokers = set()
    for (card,) in connection.execute("SELECT card FROM bodies"):  # the card holds its broker, or the guard does
        brokers.add(json.loads(card).get("broker_id", {}).get("S"))
    if "guard" in {row[1] for row in connection.execute("PRAGMA table_info(bodies)")}:
        brokers |= {json.loads(guard)["broker_id"] for (guard,) in connection.execute("SELECT guard FROM bodies")}
    agency_cards._kept.update({broker: (float("inf"), None) for broker in brokers if broker})
    medians, split, totals = _run(connection, mix)
    print(f"{ARGS.count:,} listings, {len(mix)} queries x {ARGS.rounds} rounds, load {os.getloadavg()[0]:.1f}: "
          f"CPU p50 {bench_search.percentile(medians, 0.5):5.2f} ms  p99 {bench_search.percentile(medians, 0.99):5.2f} ms"
          f"  max {max(medians):5.2f} ms")
    print(f"{'cpu':>6} {'page':>6} {'count':>6} {'body':>6} {'rest':>6} {'total':>6}  shape")
    for i in sorted(range(len(mix)), key=medians.__getitem__, reverse=True)[:ARGS.top]:
        parts = split[i]
        rest = medians[i] - sum(parts.values())
        print(f"{medians[i]:6.2f} {parts['page']:6.2f} {parts['count']:6.2f} {parts['body']:6.2f} "
              f"{rest:6.2f} "
              f"{totals[i]:6}  {_shape(*mix[i])}")
    if ARGS.json:
        ARGS.json.write_text(json.dumps({"cpu": medians, "totals": totals}))


if __name__ == "__main__":
    main()
