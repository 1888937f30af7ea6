"""Public API benchmarks: cold start against the floor, read units of a search page, warm handler time.

``python bench/bench_api.py`` prints the figures recorded in bench/RESULTS.md ("Public API").

1. Cold start: the median, over fresh processes, of importing a function's handler module and building
   its clients, as a ratio to ``import boto3; boto3.client("dynamodb")`` measured in the same run
   (runs interleaved so machine load hits both alike), with each part's share of the listings handler.
2. Read units of a 20-card search page computed from the index items' sizes by DynamoDB's rules
   (moto always reports 1.0): eventually consistent Query = ceil(total bytes / 4 KB) / 2.
3. Warm in-process handler time of a search, the DynamoDB Query stubbed (botocore Stubber): p50, p99.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
WARM_CALLS = int(os.environ.get("BENCH_WARM_CALLS", "2000"))

# As a deployed function starts: AWS region and credentials in the environment, no emulator, tracing as
# configured (the X-Ray SDK's own cost is reported separately).
LAMBDA_ENV = {
    "AWS_DEFAULT_REGION": "ap-south-1", "AWS_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench", "SHIKHAR_ENV": "production", "SHIKHAR_TABLE": "shikhar-prod",
    "SHIKHAR_USER_POOL_ID": "ap-south-1_bench", "SHIKHAR_USER_POOL_CLIENT_ID": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "shikhar-public-api",
    "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
}

FLOOR = 'import boto3; boto3.client("dynamodb")'
# For scale: what a function written without care starts with (resolver with validation, pydantic,
# PyJWT, a boto3 DynamoDB client), in the same run.
NAIVE = ("from aws_lambda_powertools.event_handler import APIGatewayHttpResolver; import pydantic, jwt; "
         "APIGatewayHttpResolver(enable_validation=True); import boto3; boto3.client('dynamodb')")
# What the first detail view adds after a cold start: the domain's view counter imports boto3 and
# builds its own DynamoDB client (imported on first use, so searches never pay it).
FIRST_DETAIL = ("import public_api.functions.listings; t = time.perf_counter(); "
                "import marketplace.services.engagement; from marketplace.aws import client; client('dynamodb')")
HANDLERS = {name: f"import public_api.functions.{name}" for name in ("listings", "me", "inquiries")}

# The listings handler's parts, imported in this order in one process; each figure is what that step
# adds on top of the ones before it.
PARTS = [
    ("botocore (client machinery)", "import botocore.session, botocore.client"),
    ("pynamodb + marketplace domain", ("import marketplace.models, marketplace.selectors.search, "
                                       "marketplace.selectors.listings, marketplace.selectors.people")),
    ("powertools (resolver, logger, metrics)", ("import aws_lambda_powertools.event_handler, "
                                                "aws_lambda_powertools.metrics")),
    ("pydantic + response models", "import public_api.schemas"),
    ("routers and their validation", ("import public_api.routers.listings, public_api.routers.feed, "
                                      "public_api.routers.neighborhoods")),
    ("DynamoDB client build", "from marketplace.models import Item; Item._get_connection().connection.client"),
    ("handler module (resolver assembly)", "import public_api.functions.listings"),
]


def _timed(code: str, env: dict | None = None) -> float:
    program = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", program], env={**LAMBDA_ENV, **(env or {})}, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def _parts() -> dict[str, float]:
    steps = "\n".join(f"t = time.perf_counter(); {code}; times.append(time.perf_counter() - t)" for _, code in PARTS)
    program = f"import time, json\ntimes = []\n{steps}\nprint(json.dumps(times))"
    out = subprocess.run([sys.executable, "-c", program], env=LAMBDA_ENV, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return dict(zip([name for name, _ in PARTS], json.loads(out.strip().splitlines()[-1])))


def cold_start() -> dict:
    samples: dict[str, list[float]] = {"floor": [], "naive": [], **{name: [] for name in HANDLERS},
                                       "listings+tracing": [], "first detail extra": []}
    parts: dict[str, list[float]] = {name: [] for name, _ in PARTS}
    for _ in range(RUNS):  # interleaved: a busy moment slows every kind alike
        samples["floor"].append(_timed(FLOOR))
        samples["naive"].append(_timed(NAIVE))
        samples["first detail extra"].append(_timed(FIRST_DETAIL))
        for name, code in HANDLERS.items():
            samples[name].append(_timed(code))
        samples["listings+tracing"].append(_timed(HANDLERS["listings"], {"POWERTOOLS_TRACE_DISABLED": "false",
                                                                               "AWS_LAMBDA_FUNCTION_NAME": "bench"}))
        for name, value in _parts().items():
            parts[name].append(value)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    part_medians = {name: statistics.median(values) for name, values in parts.items()}
    total = sum(part_medians.values())
    return {"medians_ms": {k: round(v * 1000, 1) for k, v in medians.items()},
            "ratios": {k: round(v / medians["floor"], 2) for k, v in medians.items() if k != "floor"},
            "parts_ms": {k: round(v * 1000, 1) for k, v in part_medians.items()},
            "parts_share": {k: f"{100 * v / total:.0f}%" for k, v in part_medians.items()}}


# -- read units ----------------------------------------------------------------------------------------

def _number_size(text: str) -> int:
    """DynamoDB: about 1 byte per two significant digits, plus 1."""
    digits = text.lstrip("-").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: dict) -> int:
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind in ("SS", "NS"):
        return sum(len(v.encode()) if kind == "SS" else _number_size(v) for v in inner)
    raise ValueError(kind)


def item_size(item: dict) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def card_items(count: int, *, title_length: int) -> list[dict]:
    """Index items of the feed index as the table would hold them for realistic listings."""
    os.environ.update({k: v for k, v in LAMBDA_ENV.items() if k.startswith(("AWS_", "SHIKHAR_"))})
    from marketplace.ids import new_id
    from marketplace.listing_fields import clean_listing_fields, geohash_of
    from marketplace.models import CoverImage, Listing, now
    from marketplace.table import CARD_ATTRIBUTES

    items = []
    for number in range(count):
        fields = clean_listing_fields({
            "title": ("Four-bedroom house with Himalaya view and garden " * 4)[:title_length],
            "property_type": "house", "purpose": "sale", "price": "4.75 crore", "neighborhood": "budhanilkantha",
            "land_area_sqft": "0-8-2-1", "bedrooms": 4, "bathrooms": 5, "road_width_ft": "20", "facing": "SE"})
        listing_id, media_id = new_id(), new_id()
        listing = Listing(listing_id=listing_id, broker_id=new_id(), status="active", published_at=now(), **fields)
        listing.geohash = geohash_of(fields.get("latitude") or 27.7781, fields.get("longitude") or 85.3620)
        listing.cover = CoverImage(media_id=media_id, placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                                   dominant_color="#5a7d9a", variants={
                                       name: f"listings/{listing_id}/{media_id}/{name}.{name.split('_')[1]}"
                                       for name in ("w400_webp", "w800_webp", "w400_jpeg", "w800_jpeg")})
        listing.premium = number % 5 == 0
        listing.derive_keys()
        full = listing.serialize()
        keep = {*CARD_ATTRIBUTES, "pk", "sk", "gsi4pk", "gsi4sk"}
        items.append({name: value for name, value in full.items() if name in keep})
    return items


def read_units() -> dict:
    results = {}
    for label, length in (("typical title (60 chars)", 60), ("longest title (140 chars)", 140)):
        items = card_items(20, title_length=length)
        sizes = [item_size(i) for i in items]
        total = sum(sizes)
        results[label] = {"item_bytes": round(statistics.mean(sizes)), "page_bytes": total,
                          "read_units_eventually_consistent": math.ceil(total / 4096) / 2}
    return results


# -- warm handler ----------------------------------------------------------------------------------------

def warm() -> dict:
    os.environ.update(LAMBDA_ENV)
    from botocore.stub import Stubber

    from marketplace.models import Item
    from public_api.functions.listings import handler

    items = card_items(20, title_length=60)
    event = {"version": "2.0", "routeKey": "GET /v1/listings", "rawPath": "/v1/listings",
             "rawQueryString": "limit=20", "headers": {"host": "api.shikhar.np"},
             "queryStringParameters": {"limit": "20"},
             "requestContext": {"http": {"method": "GET", "path": "/v1/listings", "sourceIp": "203.0.113.9"},
                                "requestId": "bench", "routeKey": "GET /v1/listings", "stage": "$default"},
             "isBase64Encoded": False}

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "bench", 256, "bench"
        invoked_function_arn = "arn:aws:lambda:ap-south-1:000000000000:function:bench"

    client = Item._get_connection().connection.client
    times = []
    logging.disable(logging.CRITICAL)
    with Stubber(client) as stub, open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for _ in range(WARM_CALLS + 100):
            stub.add_response("query", {"Items": items, "Count": 20, "ScannedCount": 20})
        for call in range(WARM_CALLS + 100):  # stdout muted: the metrics line printed per call
            start = time.perf_counter()
            response = handler(event, Context())
            elapsed = time.perf_counter() - start
            if call >= 100:  # the first calls warm caches
                times.append(elapsed)
            assert response["statusCode"] == 200, response
    times.sort()
    return {"calls": len(times), "p50_ms": round(times[len(times) // 2] * 1000, 2),
            "p99_ms": round(times[int(len(times) * 0.99)] * 1000, 2)}


def main() -> int:
    print(json.dumps({"read_units": read_units()}, indent=2), flush=True)
    print(json.dumps({"warm_search": warm()}, indent=2), flush=True)
    print(json.dumps({"cold_start": cold_start(), "runs": RUNS}, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
