"""Public API benchmarks: cold start against the floor, read units of a search page, warm handler time.

``python bench/bench_api.py`` prints the figures recorded in bench/RESULTS.md ("Public API").

1. Cold start: the median, over fresh processes, of importing a function's handler module and building
   its clients, as a ratio to ``import boto3; boto3.client("dynamodb")`` measured in the same run
   (runs interleaved so machine load hits both alike), with each part's share of the listings handler.
2. Read units of a 20-card search page computed from the index items' sizes by DynamoDB's rules
   (moto always reports 1.0): eventually consistent Query = ceil(total bytes / 4 KB) / 2.
3. Warm in-process handler time of a search, the DynamoDB Query stubbed (botocore Stubber): p50, p99.
4. First requests after a cold start (search, detail, /v1/me, an inquiry), each in a fresh process with
   DynamoDB answering in-process: what init left for the first request to do shows as its excess over
   the second.
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

from ops.item_size import item_size

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
WARM_CALLS = int(os.environ.get("BENCH_WARM_CALLS", "2000"))

# As a deployed function starts: AWS region and credentials in the environment, no emulator, tracing as
# configured (the X-Ray SDK's own cost is reported separately).
LAMBDA_ENV = {
    "AWS_DEFAULT_REGION": "ap-south-1", "AWS_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench", "SHIKHAR_ENV": "prod", "SHIKHAR_TABLE": "shikhar-prod",
    "SHIKHAR_CURSOR_SECRET": "shikhar/prod/cursor-key",
    "SHIKHAR_USER_POOL_ID": "ap-south-1_bench", "SHIKHAR_USER_POOL_CLIENT_ID": "bench",
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "shikhar-public-api",
    "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
}

FLOOR = 'import boto3; boto3.client("dynamodb")'
# For scale: what a function written without care starts with (resolver with validation, pydantic,
# PyJWT, a boto3 DynamoDB client), in the same run.
NAIVE = ("from aws_lambda_powertools.event_handler import APIGatewayHttpResolver; import pydantic, jwt; "
         "APIGatewayHttpResolver(enable_validation=True); import boto3; boto3.client('dynamodb')")
# For context only (ratios stay against the plain floor): the floor with the same garbage-collector
# treatment the functions' init uses (public_api.startup), to show what that part of the saving is worth.
FLOOR_COLLECTOR_PAUSED = ('import gc; gc.disable(); import boto3; boto3.client("dynamodb"); gc.freeze(); '
                          'gc.enable()')
HANDLERS = {name: f"import public_api.functions.{name}" for name in ("listings", "me", "inquiries")}
# The same handler loaded the way the Lambda runtime loads one (importlib.import_module), for comparison.
RUNTIME_IMPORT = "import importlib; importlib.import_module('public_api.functions.listings')"

# The listings handler's parts, imported in this order in one process; each figure is what that step
# adds on top of the ones before it.
PARTS = [
    ("init set-up (collector paused)", "import public_api.startup"),
    ("botocore (client machinery)", "import botocore.session, botocore.client"),
    ("pynamodb + marketplace domain", ("import marketplace.models, marketplace.selectors.search, "
                                       "marketplace.selectors.listings, marketplace.selectors.people")),
    ("powertools (resolver, logger, metrics)", ("import aws_lambda_powertools.event_handler, "
                                                "aws_lambda_powertools.metrics")),
    ("pydantic + response models", "import public_api.schemas.common, public_api.schemas.listings"),
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
                                       "listings (runtime's importlib)": [], "listings+tracing": [],
                                       "floor, collector paused": []}
    parts: dict[str, list[float]] = {name: [] for name, _ in PARTS}
    for _ in range(RUNS):  # interleaved: a busy moment slows every kind alike
        samples["floor"].append(_timed(FLOOR))
        samples["naive"].append(_timed(NAIVE))
        samples["floor, collector paused"].append(_timed(FLOOR_COLLECTOR_PAUSED))
        samples["listings (runtime's importlib)"].append(_timed(RUNTIME_IMPORT))
        for name, code in HANDLERS.items():
            samples[name].append(_timed(code))
        samples["listings+tracing"].append(_timed(HANDLERS["listings"], {"POWERTOOLS_TRACE_DISABLED": "false",
                                                                               "AWS_LAMBDA_FUNCTION_NAME": "bench"}))
        for name, value in _parts().items():
            parts[name].append(value)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    # Spread: the quartiles of each run's ratio to the floor measured next to it.
    spread = {name: [round(q, 2) for q in statistics.quantiles([v / f for v, f in zip(values, samples["floor"])], n=4)]
              for name, values in samples.items() if name != "floor"}
    part_medians = {name: statistics.median(values) for name, values in parts.items()}
    total = sum(part_medians.values())
    return {"medians_ms": {k: round(v * 1000, 1) for k, v in medians.items()},
            "ratios": {k: round(v / medians["floor"], 2) for k, v in medians.items() if k != "floor"},
            "paired_ratio_quartiles": spread,
            "parts_ms": {k: round(v * 1000, 1) for k, v in part_medians.items()},
            "parts_share": {k: f"{100 * v / total:.0f}%" for k, v in part_medians.items()}}


# -- read units ----------------------------------------------------------------------------------------

def listing_items(count: int, *, title_length: int) -> list[dict]:
    """Whole listing items (DynamoDB JSON) as the table would hold them for realistic listings."""
    os.environ.update({k: v for k, v in LAMBDA_ENV.items() if k.startswith(("AWS_", "SHIKHAR_"))})
    from marketplace.ids import new_id
    from marketplace.listing_fields import clean_listing_fields, geohash_of
    from marketplace.models import CoverImage, Listing, now

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
                                   dominant_color="#5a7d9a", variants={  # as the media pipeline writes it
                                       name: {"key": f"listings/{listing_id}/{media_id}/{name}.{name.split('_')[1]}",
                                              "width": int(name[1:].split("_")[0]),
                                              "height": int(name[1:].split("_")[0]) * 2 // 3,
                                              "format": name.split("_")[1]}
                                       for name in ("w400_webp", "w1024_webp", "w400_jpeg", "w1024_jpeg")})
        listing.premium = number % 5 == 0
        listing.derive_keys()
        items.append(listing.serialize())
    return items


def card_items(count: int, *, title_length: int) -> list[dict]:
    """Index items of the feed index: the listings' card attributes and the index keys."""
    from marketplace.table import CARD_ATTRIBUTES

    keep = {*CARD_ATTRIBUTES, "pk", "sk", "gsi4pk", "gsi4sk"}
    return [{name: value for name, value in item.items() if name in keep}
            for item in listing_items(count, title_length=title_length)]


def read_units() -> dict:
    results = {}
    for label, length in (("typical title (60 chars)", 60), ("longest title (140 chars)", 140)):
        items = card_items(20, title_length=length)
        sizes = [item_size(i) for i in items]
        total = sum(sizes)
        results[label] = {"item_bytes": round(statistics.mean(sizes)), "page_bytes": total,
                          "read_units_eventually_consistent": math.ceil(total / 4096) / 2}
    return results


# -- first requests after a cold start ---------------------------------------------------------------------

# One fresh process: import the handler (as the cold start does), then serve the same request twice.
# DynamoDB answers in-process (botocore's request sending replaced by canned answers, for every client
# the code builds, including any it builds on first use), so what is timed is the code, not a network.
# Whatever the cold path left for later (lazy imports, clients, validation models) shows up as the
# first request's excess over the second.
FIRST_REQUEST_PROGRAM = """
import json, sys, time
spec = json.loads(sys.stdin.read())
t = time.perf_counter()
module = __import__(spec["module"], fromlist=["handler"])
cold = time.perf_counter() - t
import botocore.client

class Http:
    status_code, headers = 200, {}

answers = spec["answers"]

def answer(self, operation_model, request_dict, request_context):
    return Http(), answers[operation_model.name].pop(0)

botocore.client.BaseClient._make_request = answer

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "bench", 256, "bench"
    invoked_function_arn = "arn:aws:lambda:ap-south-1:000000000000:function:bench"

times = []
for _ in range(2):
    t = time.perf_counter()
    response = module.handler(spec["event"], Context())
    times.append(time.perf_counter() - t)
    assert response["statusCode"] < 300, response
print(json.dumps([cold, *times]))
"""


def http_event(method: str, path: str, *, query: dict | None = None, body: str | None = None,
               claims: dict | None = None, headers: dict | None = None) -> dict:
    """An HTTP API payload 2.0 event as API Gateway hands it over (claims: from its JWT authorizer)."""
    context = {"http": {"method": method, "path": path, "sourceIp": "203.0.113.9"}, "requestId": "bench",
               "routeKey": f"{method} {path}", "stage": "$default"}
    if claims:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {"version": "2.0", "routeKey": f"{method} {path}", "rawPath": path,
            "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
            "headers": {"host": "api.shikhar.np", **(headers or {})}, "queryStringParameters": query,
            "requestContext": context, "body": body, "isBase64Encoded": False}


def first_request_cases() -> dict[str, tuple[str, dict, dict[str, list[dict]]]]:
    """name -> (function, event, DynamoDB answers per operation for one request)."""
    listing = listing_items(1, title_length=60)[0]
    listing_id = listing["listing_id"]["S"]
    buyer = {"sub": "01jbench0buyer0000000000000", "email": "buyer@example.com", "cognito:groups": "[buyers]"}
    inquiry = json.dumps({"name": "Sita Sharma", "phone": "+977 9800000000", "email": "sita@example.com",
                          "message": "Is the price negotiable? We would like to visit on Saturday."})
    return {
        "listings: search": ("listings", http_event("GET", "/v1/listings", query={"limit": "20"}),
                             {"Query": [{"Items": card_items(20, title_length=60), "Count": 20, "ScannedCount": 20}]}),
        "listings: detail": ("listings", http_event("GET", f"/v1/listings/{listing_id}"),
                             {"Query": [{"Items": [listing], "Count": 1, "ScannedCount": 1}],
                              # the broker's card, read when shown (no profile here: an empty card)
                              "BatchGetItem": [{"Responses": {"shikhar-prod": []}, "UnprocessedKeys": {}}],
                              "UpdateItem": [{"Attributes": {"views": {"N": "1"}}}]}),
        "me: profile": ("me", http_event("GET", "/v1/me", claims=buyer), {"Query": [{"Items": [], "Count": 0, "ScannedCount": 0}]}),
        "inquiries: send": ("inquiries", http_event(
            "POST", f"/v1/listings/{listing_id}/inquiries", body=inquiry, claims=buyer,
            headers={"content-type": "application/json", "idempotency-key": "bench-inquiry-0001"}),
            {"GetItem": [{}, {"Item": listing}], "TransactWriteItems": [{}]}),
    }


def _first_request(function: str, event: dict, answers: dict[str, list[dict]]) -> list[float]:
    spec = {"module": f"public_api.functions.{function}", "event": event,
            "answers": {operation: items * 2 for operation, items in answers.items()}}
    out = subprocess.run([sys.executable, "-c", FIRST_REQUEST_PROGRAM], input=json.dumps(spec), env=LAMBDA_ENV,
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def first_requests() -> dict:
    """Median over fresh processes (interleaved with the floor) of each case's cold import, first and
    second request; ratios to the floor measured in the same loop."""
    cases = first_request_cases()
    floor: list[float] = []
    samples: dict[str, list[list[float]]] = {name: [] for name in cases}
    for _ in range(RUNS):
        floor.append(_timed(FLOOR))
        for name, case in cases.items():
            samples[name].append(_first_request(*case))
    floor_median = statistics.median(floor)
    results = {"floor_ms": round(floor_median * 1000, 1)}
    for name, runs in samples.items():
        cold, first, second = (statistics.median(column) for column in zip(*runs))
        results[name] = {"cold_ms": round(cold * 1000, 1), "first_request_ms": round(first * 1000, 1),
                         "second_request_ms": round(second * 1000, 1),
                         "cold_plus_first_ratio": round((cold + first) / floor_median, 2)}
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
    print(json.dumps({"first_requests": first_requests(), "runs": RUNS}, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
