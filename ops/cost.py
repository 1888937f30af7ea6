"""``cost estimate``: the dossier's monthly cost model (section 11) recomputed from the platform itself.

- DynamoDB read/write units per call from the real items' sizes (the models serialized, sized by
  DynamoDB's rules: attribute names plus values; 4 KB per read unit, 1 KB per write unit, transactions
  twice), for the request mix below;
- Lambda duration and memory from ``bench/cost_lambda.json`` when a benchmark run wrote it (otherwise
  the stated assumption, printed as such) and the memory sizes from infra's stage configuration;
- list prices from ``ops/prices.json`` (one file, dated);
- the dossier's figure printed beside each line. Lines for services the platform does not run
  (Aurora, OpenSearch, Location Service, account-level security services) show the dossier's figure only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pynamodb.indexes import IncludeProjection

from marketplace.media_kinds import MediaKind, MediaState
from marketplace.models import (
    Agency,
    BrokerProfile,
    Favorite,
    Inquiry,
    Listing,
    ListingStats,
    Media,
    OutboxEvent,
)
from marketplace.payments import PLANS
from marketplace.selectors.agencies import AGENCY_CARD_ATTRIBUTES
from marketplace.selectors.people import BROKER_CARD_ATTRIBUTES
from marketplace.table import CARD_ATTRIBUTES, CARD_PROJECTION
from ops.item_size import item_size

ROOT = Path(__file__).resolve().parents[1]
PRICES = Path(__file__).with_name("prices.json")
LAMBDA_BENCH = ROOT / "bench" / "cost_lambda.json"
ASSUMED_LAMBDA_MS = 120.0  # warm public API invocation incl. DynamoDB, until a bench run measures it
DAYS = 30


@dataclass(frozen=True)
class Scenario:
    """The dossier's assumptions (section 11), plus what the model needs that the dossier leaves implicit."""

    name: str
    page_views: int  # a month
    api_calls_per_day: int
    media_gb: int
    monthly_active_users: int
    uploads_per_month: int
    video_minutes_per_month: int
    dossier: dict[str, str]
    paid_orders_per_month: int = 0  # plans bought through eSewa and Khalti


SCENARIOS = {
    "dev": Scenario("dev", 50_000, 10_000, 200, 200, 500, 30, {
        "S3": "~$6", "CloudFront": "~$10", "Lambda": "~$0.07", "API Gateway (HTTP)": "~$0.30",
        "DynamoDB": "~$1.4", "Cognito": "$0", "WAF": "~$10", "CloudWatch": "~$20", "Media processing": "~$5",
        "Aurora Serverless v2 (opt)": "~$43", "Security (GuardDuty, etc.)": "$15-25", "Location Service": "~$5",
        "OpenSearch (opt)": "n/a", "Core total": "~92-107"}, paid_orders_per_month=20),
    "launch": Scenario("launch", 500_000, 150_000, 1_000, 8_000, 3_000, 300, {
        "S3": "~$34", "CloudFront": "~$91", "Lambda": "~$0.99", "API Gateway (HTTP)": "~$4.50",
        "DynamoDB": "~$7.8", "Cognito": "$0", "WAF": "~$10-12", "CloudWatch": "~$120", "Media processing": "~$60",
        "Aurora Serverless v2 (opt)": "~$86", "Security (GuardDuty, etc.)": "$60-80", "Location Service": "~$40",
        "OpenSearch (opt)": "n/a", "Core total": "~344-394"}, paid_orders_per_month=400),
    "growth": Scenario("growth", 5_000_000, 1_000_000, 6_000, 100_000, 20_000, 2_000, {
        "S3": "~$192", "CloudFront": "~$880", "Lambda": "~$6.6", "API Gateway (HTTP)": "~$30",
        "DynamoDB": "~$49", "Cognito": "~$550", "WAF": "~$15-20", "CloudWatch": "~$400", "Media processing": "~$300",
        "Aurora Serverless v2 (opt)": "~$215", "Security (GuardDuty, etc.)": "$150-250", "Location Service": "~$250",
        "OpenSearch (opt)": "~$120-150", "Core total": "~2,500"}, paid_orders_per_month=5_000),
}

# What a page view and an API call are made of (assumptions, printed with the estimate).
PAGE_WEIGHT_MB = 1.6  # images (WebP variants) and static assets per page view, after CloudFront compression
REQUESTS_PER_PAGE = 25
CACHE_HIT_RATIO = 0.9
LOG_BYTES_PER_INVOCATION = 1_500  # JSON log lines of one invocation (Powertools) + access log line
MEDIA_VERSIONS_OVERHEAD = 0.25  # noncurrent versions kept before they move to colder classes
REQUEST_MIX = {"search": 0.55, "detail": 0.30, "me": 0.10, "write": 0.05}
# Which plans are bought, and through which provider (assumptions until the first months' orders say).
PLAN_MIX = {"premium-month": 0.70, "premium-year": 0.10, "investor-month": 0.15, "investor-year": 0.05}
PROVIDER_MIX = {"esewa": 0.6, "khalti": 0.4}


def _serialized(model) -> dict:
    model.derive_keys()
    return model.serialize()


def representative_items() -> dict[str, dict]:
    """A typical luxury listing (with a cover), a photo with its variants, and the small items."""
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    variants = {f"w{w}_{f}": f"listing/01JCOVER/{w}.{f}" for w in (400, 1024, 1920) for f in ("webp", "jpeg")}
    listing = Listing(
        listing_id="01JD8Z5Q7G3M4N5P6Q7R8S9T0V", title="Four-storey villa with Himalaya view in Budhanilkantha",
        description="A quiet lane, a garden of 6 aana, servant quarters, solar and backup power. " * 6,
        property_type="villa", purpose="sale", price=125_000_000, neighborhood="budhanilkantha",
        address="Ward 3, Budhanilkantha", latitude=Decimal("27.7752"), longitude=Decimal("85.3640"),
        geohash="tuutq3x", land_area_sqft=Decimal(8214), built_up_area_sqft=Decimal(5200), bedrooms=5,
        bathrooms=6, storeys=Decimal("2.5"), parking=3, road_width_ft=Decimal(20), road_surface="blacktopped",
        facing="S", year_built=2022, furnishing="semi_furnished",
        amenities=["garden", "solar", "backup_power", "servant_quarters", "security", "himalaya_view"],
        documents=["lalpurja", "trace_map", "naksa_pass"], premium=True, broker_id="01JBROKER0000000000000000",
        status="active", published_at=moment)
    listing.cover = {"media_id": "01JCOVER", "variants": variants, "placeholder": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                     "dominant_color": "#8a7d6b"}
    media = Media(media_id="01JMEDIA00000000000000000", listing_id=listing.listing_id, kind=MediaKind.PHOTO, state=MediaState.READY,
                  premium=True, position=1, caption="Living room", content_type="image/jpeg", size=4_800_000,
                  width=6000, height=4000, raw_key="raw/01JD8Z/01JMEDIA/photo.jpg", raw_version="v" * 32,
                  filename="IMG_2041.JPG", placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj", dominant_color="#8a7d6b",
                  scan_status="clean", uploaded_by="01JBROKER0000000000000000")
    media.variants = [{"name": name, "key": key, "bucket": "premium", "width": 1920, "height": 1280, "size": 310_000,
                       "format": name.split("_")[1]} for name, key in variants.items()]
    items = {"listing": _serialized(listing), "media": _serialized(media),
             "stats": _serialized(ListingStats(listing_id=listing.listing_id)),
             "favorite": _serialized(Favorite(user_id="01JUSER00000000000000000", listing_id=listing.listing_id)),
             "inquiry": _serialized(Inquiry(inquiry_id="01JINQ0000000000000000000", listing_id=listing.listing_id,
                                            broker_id="01JBROKER0000000000000000", buyer_id="01JUSER000000000000",
                                            listing_title=listing.title,
                                            name="Ram Thapa", email="ram@example.com", phone="+977 9801234567",
                                            message="Is a visit possible on Saturday morning?")),
             "outbox": _serialized(OutboxEvent(event_id="01JEVENT00000000000000000", detail_type="InquiryReceived",
                                               detail=json.dumps({"event_id": "01JEVENT", "data": {"x": "y" * 200}})))}
    # What a buyer-facing index stores of a listing: the card's attributes, or the whole listing once the
    # card outgrew an INCLUDE projection (marketplace.table.CARD_PROJECTION).
    card_keys = set(CARD_ATTRIBUTES) | {"pk", "sk", "gsi4pk", "gsi4sk"}
    items["card"] = ({k: v for k, v in items["listing"].items() if k in card_keys}
                     if isinstance(CARD_PROJECTION, IncludeProjection) else dict(items["listing"]))
    broker = _serialized(BrokerProfile(broker_id="01JBROKER0000000000000000", name="Sita Sharma",
                                       email="sita@example.com", licence_number="DLM-2041",
                                       company="Valley Luxury Realty", verified=True))
    items["broker_card"] = {k: v for k, v in broker.items() if k in BROKER_CARD_ATTRIBUTES}
    agency = _serialized(Agency(agency_id="01JAGENCY000000000000000000", name="Valley Luxury Realty Pvt. Ltd.",
                                licence_number="DLM-2080-0310", licence_class="company",
                                licence_expires_on="2027-07-15", verification="verified"))
    items["agency_card"] = {k: v for k, v in agency.items() if k in AGENCY_CARD_ATTRIBUTES}
    return items


def read_units(size: int, *, consistent: bool = False) -> float:
    return math.ceil(size / 4096) * (1 if consistent else 0.5)


def write_units(size: int, *, transactional: bool = False) -> int:
    return math.ceil(size / 1024) * (2 if transactional else 1)


@dataclass(frozen=True)
class UnitsPerCall:
    search: float
    detail_read: float
    detail_write: float
    me: float
    write: float
    sizes: dict[str, int]

    @classmethod
    def measure(cls) -> UnitsPerCall:
        items = representative_items()
        sizes = {name: item_size(item) for name, item in items.items()}
        page = 20 * sizes["card"]
        detail = sizes["listing"] + 8 * sizes["media"]  # one Query over the listing's partition
        # The detail also reads the broker's card (name, company, verified) and their agency's licence, never
        # copied onto the listing.
        return cls(search=read_units(page),
                   detail_read=read_units(detail) + read_units(sizes["stats"]) + read_units(sizes["broker_card"])
                   + read_units(sizes["agency_card"]),
                   detail_write=write_units(sizes["stats"]),  # the view counter
                   me=read_units(sizes["favorite"] * 20) + 20 * read_units(sizes["card"]),
                   write=write_units(sizes["inquiry"], transactional=True)
                   + write_units(sizes["outbox"], transactional=True) + write_units(sizes["outbox"]),
                   sizes=sizes)


def lambda_profile() -> tuple[float, int, str]:
    """(average duration ms, memory MB, where the duration comes from)."""
    from infra.config import stage  # the memory sizes deployed; infra.config is plain Python

    memory = stage("prod").api_memory_mb
    if LAMBDA_BENCH.exists():
        measured = json.loads(LAMBDA_BENCH.read_text())
        return float(measured["average_ms"]), memory, f"measured by bench ({measured.get('measured_at', '?')})"
    return ASSUMED_LAMBDA_MS, memory, "assumed (no bench/cost_lambda.json yet)"


def estimate(scenario: Scenario, prices: dict) -> tuple[list[tuple[str, float | None, str, str]], dict]:
    """Lines of (name, our monthly USD or None, dossier figure, how it was computed)."""
    units = UnitsPerCall.measure()
    duration_ms, memory_mb, duration_source = lambda_profile()
    calls = scenario.api_calls_per_day * DAYS
    mix = {k: calls * share for k, share in REQUEST_MIX.items()}
    p = prices
    lines: list[tuple[str, float | None, str, str]] = []

    def line(name: str, usd: float | None, how: str) -> None:
        lines.append((name, usd, scenario.dossier.get(name, "n/a"), how))

    stored_gb = scenario.media_gb * (1 + MEDIA_VERSIONS_OVERHEAD)
    replica_gb = scenario.media_gb  # same-region replicas (moved to IA by lifecycle after 30 days: priced as IA)
    s3_requests = scenario.uploads_per_month * 12 * p["s3"]["put_per_thousand"] / 1000 \
        + scenario.page_views * REQUESTS_PER_PAGE * (1 - CACHE_HIT_RATIO) * p["s3"]["get_per_thousand"] / 1000
    s3 = stored_gb * p["s3"]["standard_gb_month"] + replica_gb * p["s3"]["standard_ia_gb_month"] + s3_requests
    line("S3", s3, f"{stored_gb:.0f} GB standard incl. versions + {replica_gb} GB replica (IA) + requests")

    transfer_gb = scenario.page_views * PAGE_WEIGHT_MB / 1024
    cdn_requests = scenario.page_views * REQUESTS_PER_PAGE + calls
    cloudfront = transfer_gb * p["cloudfront"]["india_transfer_gb"] \
        + cdn_requests / 10_000 * p["cloudfront"]["https_per_10k_requests"]
    line("CloudFront", cloudfront, f"{transfer_gb:,.0f} GB out ({PAGE_WEIGHT_MB} MB/page view), {cdn_requests:,.0f} requests")

    gb_seconds = calls * duration_ms / 1000 * memory_mb / 1024
    lambda_usd = gb_seconds * p["lambda"]["gb_second_arm"] + calls / 1e6 * p["lambda"]["per_million_requests"]
    line("Lambda", lambda_usd, f"{calls:,} invocations x {duration_ms:.0f} ms x {memory_mb} MB arm64 ({duration_source})")

    line("API Gateway (HTTP)", calls / 1e6 * p["api_gateway_http"]["per_million_requests"], f"{calls:,} calls")

    reads = mix["search"] * units.search + mix["detail"] * units.detail_read + mix["me"] * units.me
    writes = mix["detail"] * units.detail_write + mix["write"] * units.write
    table_gb = 2 + scenario.api_calls_per_day / 100_000  # listings, media, people + engagement growth
    dynamodb = reads / 1e6 * p["dynamodb"]["per_million_read_units"] \
        + writes / 1e6 * p["dynamodb"]["per_million_write_units"] \
        + table_gb * (p["dynamodb"]["storage_gb_month"] + p["dynamodb"]["pitr_gb_month"]) \
        + 4 * table_gb * p["dynamodb"]["export_gb"]
    line("DynamoDB", dynamodb, f"{reads:,.0f} RRU + {writes:,.0f} WRU; search {units.search} RRU, detail "
                               f"{units.detail_read} RRU + {units.detail_write} WRU, write {units.write} WRU; "
                               f"{table_gb:.1f} GB with PITR, weekly exports")

    billable_mau = max(0, scenario.monthly_active_users - p["cognito"]["free_mau"])
    line("Cognito", billable_mau * p["cognito"]["essentials_mau"],
         f"{scenario.monthly_active_users:,} MAU, Essentials plan, {p['cognito']['free_mau']:,} free")

    waf_requests = cdn_requests
    waf = p["waf"]["web_acl_month"] + 5 * p["waf"]["rule_month"] + waf_requests / 1e6 * p["waf"]["per_million_requests"]
    line("WAF", waf, f"1 web ACL, 5 rules, {waf_requests / 1e6:,.1f} M requests")

    log_gb = calls * LOG_BYTES_PER_INVOCATION / 1024 ** 3
    alarms, canary_runs = 45, DAYS * 24 * 12
    cloudwatch = log_gb * (p["cloudwatch"]["logs_ingest_gb"] + p["cloudwatch"]["logs_storage_gb_month"]) \
        + alarms * p["cloudwatch"]["alarm_month"] + p["cloudwatch"]["dashboard_month"] \
        + canary_runs * p["cloudwatch"]["synthetics_run"]
    line("CloudWatch", cloudwatch, f"{log_gb:.1f} GB logs, {alarms} alarms, 1 dashboard, canary every 5 min")

    transitions = scenario.uploads_per_month * 8
    media = transitions / 1000 * p["step_functions"]["per_thousand_transitions"] \
        + scenario.video_minutes_per_month * 3 * p["mediaconvert"]["hd_minute"] \
        + scenario.uploads_per_month * 4 * 1.5 * p["lambda"]["gb_second_arm"] * 1000 / 1000
    line("Media processing", media, f"{scenario.uploads_per_month:,} uploads, {scenario.video_minutes_per_month:,} "
                                    f"video minutes x 3 HLS renditions")

    events = calls * REQUEST_MIX["write"] * 3
    glue = 3 * p["kms"]["key_month"] + 3 * p["secrets_manager"]["secret_month"] \
        + events / 1e6 * (p["eventbridge"]["per_million_events"] + p["sqs"]["per_million_requests"] * 3
                          + p["sns"]["per_million_publishes"])
    line("KMS, secrets, events", glue, "3 keys, 3 secrets, events through bus, queues and topic")

    for name in ("Aurora Serverless v2 (opt)", "Location Service", "OpenSearch (opt)", "Security (GuardDuty, etc.)"):
        line(name, None, "not part of this platform's stacks: dossier figure only")
    total = sum(usd for _, usd, _, _ in lines if usd is not None)
    lines.append(("Core total", total, scenario.dossier["Core total"], "sum of the lines above"))
    # A share of what buyers pay, not infrastructure: beside the total, not in it.
    fees, how = payment_fees(scenario, p)
    line("Payment providers", fees, f"{how} (not in the core total: it grows with takings)")
    return lines, {"units": units, "duration_source": duration_source}


def payment_fees(scenario: Scenario, prices: dict) -> tuple[float, str]:
    """eSewa's and Khalti's merchant fees (a share of each payment, from ``prices.json``), in USD, plus the
    two provider keys in Secrets Manager and the poller's runs."""
    fees = prices["payments"]
    average_npr = sum(PLANS[plan].price * share for plan, share in PLAN_MIX.items())
    rate = sum(fees[f"{provider}_fee_rate"] * share for provider, share in PROVIDER_MIX.items())
    takings_usd = scenario.paid_orders_per_month * average_npr / fees["npr_per_usd"]
    poller_runs = DAYS * 24 * 12
    usd = takings_usd * rate + 2 * prices["secrets_manager"]["secret_month"] \
        + poller_runs / 1e6 * prices["lambda"]["per_million_requests"]
    return usd, (f"{scenario.paid_orders_per_month:,} orders x Rs {average_npr:,.0f} average "
                 f"(${takings_usd:,.0f} taken) x {rate:.2%} fees; 2 provider keys; poller every 5 min")


# --- Alerts: the cost of 1,000 alerts (marketplace.alerts) ---
ALERT_LAMBDA_MS = 40.0  # the alerts consumer's share of an event's run per alert sent (assumed; bench/bench_alerts.py)
ALERTS_PER_EVENT = 5  # matches an event sends on average: the event's fixed reads are shared by them
MATCH_INDEX_QUERIES = 4  # partitions one event reads (marketplace.alerts.matching.candidates)


def _alert_items() -> dict[str, int]:
    from marketplace.alerts.searches import criteria_of
    from marketplace.models import AlertSent, DeliveryPreferences, SearchMatchEntry, UserProfile
    from marketplace.search_index.query import IndexSearch
    from marketplace.selectors.search import ListingFilters

    sent = AlertSent(user_id="01JUSER00000000000000000")
    sent.pk, sent.sk = AlertSent.key("01JSEARCH0000000000000000", "01JD8Z5Q7G3M4N5P6Q7R8S9T0V")
    entry = SearchMatchEntry(search_id="01JSEARCH0000000000000000", user_id="01JUSER00000000000000000",
                             criteria=criteria_of(IndexSearch(filters=ListingFilters(
                                 neighborhoods=("sanepa",), property_type="house", max_price=50_000_000))),
                             frequency="instant", max_price=50_000_000)
    entry.pk, entry.sk = SearchMatchEntry.key("sanepa", "house", entry.search_id)
    profile = UserProfile(user_id="01JUSER00000000000000000", email="ram@example.com", name="Ram Thapa")
    return {"sent": item_size(sent.serialize()), "entry": item_size(entry.serialize()),
            "profile": item_size(_serialized(profile)),
            "preferences": item_size(_serialized(DeliveryPreferences(user_id="01JUSER00000000000000000")))}


def alerts_per_thousand(prices: dict) -> tuple[float, list[str]]:
    """USD for 1,000 instant alerts (each an e-mail and a push), and how: SES and SNS per message, the
    sent marker's write, the recipient's reads, the event's reads shared by its matches, Lambda time."""
    from infra.config import stage

    sizes = _alert_items()
    listing = item_size(representative_items()["listing"])
    # Four Queries of about 40 entries in all, and the listing read consistently.
    per_event_reads = (MATCH_INDEX_QUERIES * read_units(40 * sizes["entry"] // MATCH_INDEX_QUERIES)
                       + read_units(listing, consistent=True))
    reads = 1000 * (read_units(sizes["profile"]) + read_units(sizes["preferences"]) + read_units(64)) \
        + 1000 / ALERTS_PER_EVENT * per_event_reads
    writes = 1000 * write_units(sizes["sent"])
    gb_seconds = 1000 * ALERT_LAMBDA_MS / 1000 * stage("prod").worker_memory_mb / 1024
    lines = {
        "SES (1,000 e-mails)": 1000 / 1000 * prices["ses"]["per_thousand_emails"],
        "SNS (1,000 pushes)": 1000 / 1e6 * prices["sns"]["per_million_publishes"],
        "DynamoDB writes": writes / 1e6 * prices["dynamodb"]["per_million_write_units"],
        "DynamoDB reads": reads / 1e6 * prices["dynamodb"]["per_million_read_units"],
        "Lambda": gb_seconds * prices["lambda"]["gb_second_arm"]
        + 1000 / ALERTS_PER_EVENT / 10 / 1e6 * prices["lambda"]["per_million_requests"],
        "EventBridge and SQS (events)": 1000 / ALERTS_PER_EVENT * (prices["eventbridge"]["per_million_events"]
                                                                   + 3 * prices["sqs"]["per_million_requests"]) / 1e6,
    }
    how = [f"  {name:<30} ${usd:.5f}" for name, usd in lines.items()]
    how.append(f"  (assumed: {ALERTS_PER_EVENT} alerts an event, {ALERT_LAMBDA_MS:g} ms of Lambda an alert; "
               f"{writes:,.0f} write units, {reads:,.0f} read units)")
    return sum(lines.values()), how


# --- Digests: the cost of 1,000 buyers' digests (marketplace.alerts.digests) ---
DIGEST_LAMBDA_MS = 20.0  # the digest worker's elapsed time a buyer, eight sent at once (assumed at AWS latencies)
DIGEST_LISTINGS = 2  # matches a buyer's digest carries (as bench/bench_alerts.py seeds)


def digests_per_thousand(prices: dict) -> tuple[float, list[str]]:
    """USD for 1,000 buyers' digests (each an e-mail and a push): SES and SNS per message; per buyer the
    period's claim, a sent marker and a pending item's delete per listing, the profile, preferences and
    suppression reads and the pending items' share of the batch's Query; the queue's requests (one
    SendMessageBatch a 500 buyers; a receive and a delete a 50) and the worker's Lambda time."""
    from infra.config import stage
    from marketplace.alerts.digests import CHUNK, SEND_BATCH

    sizes = _alert_items()
    writes = 1000 * (write_units(sizes["sent"]) * (1 + DIGEST_LISTINGS) + DIGEST_LISTINGS)
    reads = 1000 * (read_units(sizes["profile"]) + read_units(sizes["preferences"]) + read_units(64)
                    + read_units(DIGEST_LISTINGS * 120) / 2)  # the batch Query: a buyer's share of a page
    sqs_requests = 1000 / CHUNK / SEND_BATCH + 2 * 1000 / CHUNK
    gb_seconds = 1000 * DIGEST_LAMBDA_MS / 1000 * stage("prod").worker_memory_mb / 1024
    lines = {
        "SES (1,000 e-mails)": prices["ses"]["per_thousand_emails"],
        "SNS (1,000 pushes)": 1000 / 1e6 * prices["sns"]["per_million_publishes"],
        "DynamoDB writes": writes / 1e6 * prices["dynamodb"]["per_million_write_units"],
        "DynamoDB reads": reads / 1e6 * prices["dynamodb"]["per_million_read_units"],
        "Lambda": gb_seconds * prices["lambda"]["gb_second_arm"]
        + 1000 / CHUNK / 1e6 * prices["lambda"]["per_million_requests"],
        "SQS (digest queue)": sqs_requests / 1e6 * prices["sqs"]["per_million_requests"],
    }
    how = [f"  {name:<30} ${usd:.5f}" for name, usd in lines.items()]
    how.append(f"  (assumed: {DIGEST_LISTINGS} listings a digest, {DIGEST_LAMBDA_MS:g} ms of Lambda a buyer; "
               f"{writes:,.0f} write units, {reads:,.0f} read units, {sqs_requests:,.0f} SQS requests)")
    return sum(lines.values()), how


def render(scenario: Scenario, prices: dict) -> list[str]:
    lines, extra = estimate(scenario, prices)
    units: UnitsPerCall = extra["units"]
    out = [(f"Monthly cost estimate, scenario {scenario.name}: {scenario.page_views:,} page views, "
           f"{scenario.api_calls_per_day:,} API calls/day, {scenario.media_gb:,} GB media, "
           f"{scenario.monthly_active_users:,} MAU"),
           f"Prices: {prices['region']} list prices as of {prices['as_of']} (ops/prices.json)",
           "Item sizes (bytes): " + ", ".join(f"{k} {v}" for k, v in units.sizes.items()),
           "", f"{'line':<28} {'estimate':>12} {'dossier':>12}  how"]
    for name, usd, dossier, how in lines:
        figure = "-" if usd is None else f"${usd:,.2f}"
        out.append(f"{name:<28} {figure:>12} {dossier:>12}  {how}")
    per_thousand, how = alerts_per_thousand(prices)
    out += ["", f"Alerts: ${per_thousand:.4f} per 1,000 (each an e-mail and a push)", *how]
    per_thousand, how = digests_per_thousand(prices)
    out += ["", f"Digests: ${per_thousand:.4f} per 1,000 buyers (each an e-mail and a push)", *how]
    return out


def load_prices(path: Path = PRICES) -> dict:
    prices = json.loads(path.read_text())
    for required in ("as_of", "region", "lambda", "dynamodb", "s3", "cloudfront"):
        if required not in prices:
            raise ValueError(f"{path}: missing '{required}'")
    return prices
