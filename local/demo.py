"""Demo data for ``make run``: a believable Kathmandu luxury market, made through the domain's own
services so every listing has a real history, audit trail and events.

Idempotent, also after a crash: each listing has an id fixed by its place in the plan, so a rerun finds
what a crashed run created (a second create is refused) and carries it on to its planned state; each
finished thing is then guarded (``UNIQUE#demo#...``), so running again adds nothing.
Local only: the demo password never leaves this machine.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError
from ulid import ULID

from local import demo_photos, demo_trust
from local.provision import Resources
from marketplace.actors import SYSTEM, Actor, Group
from marketplace.aws import client
from marketplace.entitlements import Tier
from marketplace.errors import Conflict, IllegalTransition, ValidationError
from marketplace.ids import new_id
from marketplace.lifecycle import Action, Status
from marketplace.listing_fields import MIN_PHOTOS, TITLE_MAX, clean_listing_fields
from marketplace.media_kinds import MediaKind
from marketplace.models import Agency, DailyViewStat, Guard, Listing, ReportScope
from marketplace.neighbourhoods import NEIGHBOURHOODS, Neighbourhood
from marketplace.payments.providers import payment_settings
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_for_listing
from marketplace.selectors.people import entitlements_for, profile_and_subscription
from marketplace.services import agencies, daily_reports, engagement, listings, people, viewings
from marketplace.services.media import media_request_upload
from marketplace.units import Area

DEFAULT_PASSWORD = "Shikhar-Demo-2026"
LISTING_COUNT = 60
VIEW_DAYS = 21
# How long seeding waits for the media pipeline to process the photos of the listed properties, so that
# "ready" means their cards show covers (a loaded machine takes a minute or more for ~130 photos).
PHOTO_WAIT_SECONDS = 300


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    groups: tuple[str, ...]
    role: str


PEOPLE = (
    DemoPerson("admin@demo.shikhar.np", "Asha Shrestha", (Group.ADMINS,), "admin (TOTP set up at first sign-in)"),
    DemoPerson("broker@demo.shikhar.np", "Bikash Thapa", (Group.BROKERS,), "broker (TOTP set up at first sign-in)"),
    DemoPerson("broker2@demo.shikhar.np", "Sunita Rana", (Group.BROKERS,), "broker"),
    DemoPerson("broker3@demo.shikhar.np", "Rajesh Maharjan", (Group.BROKERS,), "broker (unverified)"),
    DemoPerson("seller@demo.shikhar.np", "Kiran Joshi", (Group.SELLERS,), "seller (read-only view)"),
    DemoPerson("buyer@demo.shikhar.np", "Priya Gurung", (Group.BUYERS,), "buyer (free)"),
    DemoPerson("premium@demo.shikhar.np", "Anil Karki", (Group.BUYERS,), "buyer (premium)"),
    DemoPerson("investor@demo.shikhar.np", "Meera Singh", (Group.BUYERS, Group.INVESTORS), "investor (premium + exclusive)"),
)
BROKER_FIRMS = {
    "broker@demo.shikhar.np": ("Himalayan Realty Pvt. Ltd.", "DLM-2079-0142", True),
    "broker2@demo.shikhar.np": ("Valley Luxury Homes", "DLM-2080-0310", True),
    "broker3@demo.shikhar.np": ("Bagmati Properties", "DLM-2081-0577", False),
}

# Licensed agencies (RESO Office): id -> (name, licence number, days its licence has left, verified, brokers).
# One ends within the warning window, one has ended (no brokers: its listings would be held from approval).
AGENCIES = {
    "demo-agency-himalayan": ("Himalayan Realty Pvt. Ltd.", "DLM-2079-0142", 300, True, ("broker@demo.shikhar.np",)),
    "demo-agency-valley": ("Valley Luxury Homes Pvt. Ltd.", "DLM-2080-0310", 20, True, ("broker2@demo.shikhar.np",)),
    "demo-agency-bagmati": ("Bagmati Properties Pvt. Ltd.", "DLM-2081-0577", 200, True, ("broker3@demo.shikhar.np",)),
    "demo-agency-lapsed": ("Kathmandu Homes and Land", "DLM-2078-0099", -12, True, ()),
}

# How the 60 listings spread over the lifecycle (every state represented).
STATUS_PLAN = ([Status.ACTIVE] * 36 + [Status.COMING_SOON] * 5 + [Status.UNDER_CONTRACT] * 4
               + [Status.CLOSED] * 3 + [Status.PENDING_REVIEW] * 5 + [Status.DRAFT] * 2
               + [Status.REJECTED] * 2 + [Status.WITHDRAWN] * 2 + [Status.EXPIRED])
# Land price per ropani in crore, by neighbourhood (the premium ones lead).
PRICE_PER_ROPANI = {"budhanilkantha": 2.2, "bhaisepati": 1.6, "sanepa": 4.5, "dhumbarahi": 3.2,
                    "bansbari": 3.0, "maharajgunj": 4.8, "lazimpat": 5.0, "baluwatar": 5.5, "jhamsikhel": 4.2,
                    "hattiban": 1.4, "chobhar": 1.1, "thamel": 6.0}
STYLES = {"house": ["Modern family house", "Newari-style brick house", "Contemporary home", "Split-level house"],
          "villa": ["Luxury villa", "Gated-community villa", "Hillside villa", "Courtyard villa"],
          "apartment": ["Penthouse apartment", "Serviced apartment", "Sky-view apartment"],
          "land": ["Residential plot", "Prime land", "Corner plot"],
          "commercial": ["Boutique commercial building", "Office building"]}
# What a building has beside what any plot may (a pool, a lift): buyers search for these words.
BUILT_AMENITIES = {"house": ("swimming_pool", "terrace", "modular_kitchen"),
                   "villa": ("swimming_pool", "gym", "terrace", "gated_community"),
                   "apartment": ("lift", "gym", "swimming_pool", "modular_kitchen")}
VIEWS = ["with Himalaya views", "near the ring road", "on a quiet lane", "with a private garden",
         "with valley views", "close to international schools", "next to embassies"]


@dataclass
class DemoLogins:
    password: str
    accounts: list[tuple[str, str]]


def _guarded(name: str) -> Guard | None:
    try:
        return Guard.get(*Guard.unique_key("demo", name))
    except Guard.DoesNotExist:
        return None


def _mark(name: str, ref: str) -> None:
    Guard(*Guard.unique_key("demo", name), ref=ref).save()


def _cognito_user(resources: Resources, person: DemoPerson, password: str) -> str:
    idp = client("cognito-idp")
    pool = resources.user_pool_id
    try:
        idp.admin_create_user(UserPoolId=pool, Username=person.email, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": person.email},
                                              {"Name": "email_verified", "Value": "true"},
                                              {"Name": "name", "Value": person.name}])
    except ClientError as error:
        if error.response["Error"]["Code"] != "UsernameExistsException":
            raise
    idp.admin_set_user_password(UserPoolId=pool, Username=person.email, Password=password, Permanent=True)
    for group in person.groups:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=person.email, GroupName=group)
    attributes = idp.admin_get_user(UserPoolId=pool, Username=person.email)["UserAttributes"]
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


def _fields(rng: random.Random, index: int, hood: Neighbourhood | None = None) -> dict:
    if hood is None:
        hood = NEIGHBOURHOODS[index % len(NEIGHBOURHOODS)] if index < 48 else rng.choice(NEIGHBOURHOODS[:6])
    kind = rng.choices(list(STYLES), weights=[45, 25, 12, 13, 5])[0]
    aana = rng.choice([4, 5, 6, 8, 8, 10, 12, 16, 20, 24]) if kind != "apartment" else rng.choice([1, 2])
    land = Area.from_rapd(aana // 16, aana % 16, rng.choice([0, 0, 1, 2]), 0)
    per_ropani = PRICE_PER_ROPANI[hood.slug] * rng.uniform(0.85, 1.25)
    building = {"house": 2.0, "villa": 4.5, "apartment": 1.5, "land": 0, "commercial": 6.0}[kind]
    crore = per_ropani * float(land.ropani) + building * rng.uniform(0.8, 1.4)
    price = round(crore * 100) * 100_000  # whole lakh, as quoted
    bedrooms = {"house": rng.randint(3, 6), "villa": rng.randint(4, 8), "apartment": rng.randint(2, 4),
                "land": None, "commercial": None}[kind]
    name = f"{rng.choice(STYLES[kind])} {rng.choice(VIEWS)} in {hood.name}"
    if bedrooms and kind != "commercial":
        name = f"{bedrooms}-bedroom {name[0].lower()}{name[1:]}"
    fields = {
        "title": name[:TITLE_MAX],
        "description": (f"{name}. {rng.choice(['Lalpurja', 'Clear title'])} ready, road access "
                        f"{rng.choice([13, 16, 20, 25])} ft. Viewing by appointment with the listing broker."),
        "property_type": kind, "purpose": "rent" if rng.random() < 0.08 else "sale",
        "price": price if rng.random() > 0.07 else None, "neighborhood": hood.slug,
        "latitude": str(round(hood.latitude + rng.uniform(-0.006, 0.006), 6)),
        "longitude": str(round(hood.longitude + rng.uniform(-0.006, 0.006), 6)),
        "land_area_sqft": land.sqft,
        "road_width_ft": rng.choice([12, 13, 16, 20, 20, 25, 30]),
        "road_surface": rng.choice(["blacktopped", "blacktopped", "paved", "graveled"]),
        "facing": rng.choice(["N", "NE", "E", "SE", "S", "SW", "W", "NW"]),
        "amenities": rng.sample(["garden", "himalaya_view", "valley_view", "servant_quarters", "security",
                                 "solar", "backup_power", "boring_water", "earthquake_resistant",
                                 *BUILT_AMENITIES.get(kind, ())], k=4),
        "documents": ["lalpurja", "trace_map"] + (["naksa_pass"] if kind != "land" else []),
    }
    if fields["price"] is None:
        fields["price_on_request"] = True
    if kind != "land":
        fields.update(bedrooms=bedrooms or 0, bathrooms=(bedrooms or 2) + rng.randint(0, 2),
                      built_up_area_sqft=Decimal(rng.randint(18, 60) * 100),
                      storeys=rng.choice(["2", "2.5", "3", "3.5"]), parking=rng.randint(1, 4),
                      year_built=rng.randint(2012, 2025),
                      furnishing=rng.choice(["unfurnished", "semi_furnished", "furnished"]))
    return fields


def demo_listing_id(index: int) -> str:
    """The same id for the same place in the plan on every run: a ULID (as the domain writes ids) whose
    time is a fixed moment plus ``index`` milliseconds and whose rest comes from the index."""
    moment = datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000 + index
    rest = hashlib.sha256(f"shikhar-demo-listing-{index}".encode()).digest()[:10]
    return str(ULID.from_bytes(int(moment).to_bytes(6, "big") + rest)).lower()


def _path(target: Status, rng: random.Random, premium: bool) -> list[tuple[str, Action, dict]]:
    """The actions (by whom) that take a new draft to ``target`` the way people would."""
    approve = (Action.APPROVE_COMING_SOON, {"premium": premium, "public_at": datetime.now(UTC) + timedelta(
        days=rng.randint(5, 20))}) if target == Status.COMING_SOON else (Action.APPROVE, {"premium": premium})
    after_approval = {
        Status.UNDER_CONTRACT: [("broker", Action.MARK_UNDER_CONTRACT, {})],
        Status.CLOSED: [("broker", Action.MARK_UNDER_CONTRACT, {}), ("broker", Action.CLOSE, {})],
        Status.WITHDRAWN: [("broker", Action.WITHDRAW, {})],
        Status.EXPIRED: [("system", Action.EXPIRE, {})],
    }
    if target == Status.DRAFT:
        return []
    if target == Status.PENDING_REVIEW:
        return [("broker", Action.SUBMIT, {})]
    if target == Status.REJECTED:
        return [("broker", Action.SUBMIT, {}), ("admin", Action.REJECT, {
            "reason": "Photos show another property; please upload this property's photos."})]
    return [("broker", Action.SUBMIT, {}), ("admin", *approve), *after_approval.get(target, [])]


def _drive(listing_id: str, target: Status, *, broker: Actor, admin: Actor, rng: random.Random, premium: bool) -> None:
    """Walk the listing to ``target``. A listing a crashed run left part of the way is carried on: the
    steps it already took are refused by the lifecycle and skipped."""
    path = _path(target, rng, premium)
    if listing_get(listing_id=listing_id).status == target.value:
        return
    actors = {"broker": broker, "admin": admin, "system": SYSTEM}
    for who, action, arguments in path:
        try:
            version = listing_get(listing_id=listing_id, consistent=True).version  # as a person reads it first
            listings.listing_transition(actor=actors[who], listing_id=listing_id, action=action,
                                        expected_version=version, **arguments)
        except IllegalTransition:
            continue  # taken before the crash


LISTED = (Status.ACTIVE, Status.COMING_SOON, Status.UNDER_CONTRACT)


def neighbourhoods_for(plan: list[Status]) -> list[Neighbourhood]:
    """Each planned listing's neighbourhood: the listings of each listed status in turn through every
    neighbourhood (the six the business is known for first), so that buyers find active listings in each
    whatever the shuffle of statuses gave; the others by their place in the plan."""
    turns = {status: itertools.count() for status in LISTED}
    return [NEIGHBOURHOODS[(next(turns[status]) if status in turns else index) % len(NEIGHBOURHOODS)]
            for index, status in enumerate(plan)]


def _plan(rng: random.Random, count: int) -> list[Status]:
    """``count`` target statuses: one of each status first (so even a small demo shows them all),
    then the rest of the market's mix, shuffled."""
    rest = list(STATUS_PLAN)
    for status in Status:
        rest.remove(status)
    rng.shuffle(rest)
    plan = list(Status) + rest
    return plan[:count]


def _people(resources: Resources, password: str) -> tuple[dict[str, str], dict[str, Actor]]:
    """The demo's people (Cognito and profiles), brokers' profiles and subscriptions: (ids, actors) by email."""
    ids: dict[str, str] = {}
    for person in PEOPLE:
        ids[person.email] = _cognito_user(resources, person, password)
        people.user_profile_sync(user_id=ids[person.email], email=person.email, groups=list(person.groups),
                                 name=person.name)
    actors = {p.email: Actor(user_id=ids[p.email], email=p.email, groups=frozenset(p.groups), name=p.name)
              for p in PEOPLE}
    admin = actors["admin@demo.shikhar.np"]
    for email, (company, licence, verified) in BROKER_FIRMS.items():
        if not _guarded(f"broker:{email}"):
            profile = people.broker_profile_create(actor=admin, broker_id=ids[email], name=actors[email].name,
                                                   email=email, licence_number=licence, company=company,
                                                   phone="+977 9801234567")
            if verified:
                people.broker_verify(actor=admin, broker_id=ids[email], verified=True, reason="licence checked",
                                     expected_version=profile.version)
            _mark(f"broker:{email}", ids[email])
    _agencies(admin, ids)
    if not _guarded("subscriptions"):
        year = datetime.now(UTC) + timedelta(days=365)
        for email, tier, reason in (("premium@demo.shikhar.np", Tier.PREMIUM, "demo: paid via eSewa"),
                                    ("investor@demo.shikhar.np", Tier.INVESTOR, "demo: investor programme")):
            _, held = profile_and_subscription(user_id=ids[email])  # a rerun after a crash finds one
            people.subscription_grant(actor=admin, user_id=ids[email], tier=tier, expires_at=year, reason=reason,
                                      expected_version=held.version if held else None)
        _mark("subscriptions", "done")
    return ids, actors


def _agencies(admin: Actor, ids: dict[str, str]) -> None:
    for agency_id, (name, licence, days, verified, members) in AGENCIES.items():
        if _guarded(f"agency:{agency_id}"):
            continue
        try:
            agency = agencies.agency_create(
                actor=admin, agency_id=agency_id, name=name, licence_number=licence, licence_class="company",
                licence_expires_on=date.today() + timedelta(days=days), email=f"info@{agency_id}.example.np",
                evidence=f"DLM published list 2082/83, entry {licence[-4:]}")
        except ValidationError:  # created by a run that crashed before marking it done
            agency = Agency.get(*Agency.key(agency_id))
        if verified and agency.verification != "verified":
            agencies.agency_verify(actor=admin, agency_id=agency_id, decision="verified", expected_version=agency.version,
                                   note="checked against the DLM list of 2082-06-01")
        for n, email in enumerate(members):
            agencies.broker_agency_set(actor=admin, broker_id=ids[email], agency_id=agency_id, principal=n == 0)
        _mark(f"agency:{agency_id}", agency_id)


def seed(*, resources: Resources, progress: Callable[[str], None] = lambda _: None,
         listing_count: int | None = None, photos: bool = True,
         photo_wait_seconds: float = PHOTO_WAIT_SECONDS) -> DemoLogins:
    """Seed people, listings, engagement and (unless ``photos`` is False) photos, which the media
    pipeline's worker processes in the background. A submission counts uploaded photos, so a listing
    is approved before its photos are processed; seeding then waits (at most ``photo_wait_seconds``)
    until every listed property has its cover, and the summary names any still waiting."""
    password = os.environ.get("SHIKHAR_DEMO_PASSWORD", DEFAULT_PASSWORD)
    count = listing_count or int(os.environ.get("SHIKHAR_DEMO_LISTINGS", LISTING_COUNT))
    rng = random.Random(2026)
    progress("Seeding demo people ...")
    ids, actors = _people(resources, password)
    admin = actors["admin@demo.shikhar.np"]
    brokers = [actors[email] for email in BROKER_FIRMS]
    seller_guard = _guarded("seller")
    if seller_guard:
        seller_id = seller_guard.ref
    else:
        seller_id = people.seller_create(actor=brokers[0], name=actors["seller@demo.shikhar.np"].name,
                                         kind="owner", email="seller@demo.shikhar.np",
                                         seller_id=ids["seller@demo.shikhar.np"]).seller_id
        _mark("seller", seller_id)

    plan = _plan(rng, count)
    hoods = neighbourhoods_for(plan)
    listed: list[str] = []
    mine: dict[Status, list[str]] = {}  # the demo broker's listings by status (media in every state)
    for index, target in enumerate(plan):
        fields = _fields(rng, index, hoods[index])
        broker = brokers[index % len(brokers)]
        premium = target in (Status.ACTIVE, Status.COMING_SOON) and rng.random() < 0.3
        exclusive = target == Status.ACTIVE and index % 12 == 2
        listing_id = demo_listing_id(index)
        if not _guarded(f"listing:{index}"):
            if index % 7 == 0:
                fields["seller_id"] = seller_id
            fields["exclusive"] = exclusive
            _listing(listing_id, fields, target, broker=broker, admin=admin, rng=rng, premium=premium,
                     photos=photos, index=index)
            _mark(f"listing:{index}", listing_id)
        if target in (Status.ACTIVE, Status.UNDER_CONTRACT):
            listed.append((listing_id, fields["neighborhood"], exclusive))
        if broker is brokers[0]:
            mine.setdefault(target, []).append(listing_id)
        if (index + 1) % 10 == 0:
            progress(f"  listings {index + 1}/{len(plan)}")

    if not _guarded("engagement"):
        progress("Seeding favorites, inquiries and view stats ...")
        _engagement(rng, listed, actors)
        _mark("engagement", "done")
    if not _guarded("viewings"):
        _viewings(listed, actors)
        _mark("viewings", "done")
    _trust(actors, [listing_id for listing_id, _, exclusive in listed if not exclusive], progress)
    if photos and not _guarded("media-states"):
        progress("Seeding photos waiting for review and uploads the pipeline refuses ...")
        demo_photos.media_states(broker=brokers[0], active=mine.get(Status.ACTIVE, []),
                                 drafts=mine.get(Status.DRAFT, []))
        _mark("media-states", "done")
    # The views above went straight to the table: the reports' daily figures are rebuilt from it. Favorites,
    # inquiries and decisions reach them through the analytics queue's consumer, as every event does.
    daily_reports.rebuild(scopes=(ReportScope.VIEWS,))
    accounts = [(p.email, p.role) for p in PEOPLE]
    covers = _await_covers([listing_id for listing_id, _, _ in listed], timeout=photo_wait_seconds) if photos else ""
    progress(f"Demo data ready: {len(plan)} listings, {len(PEOPLE)} people{covers}.")
    return DemoLogins(password=password, accounts=accounts)


def _await_covers(listing_ids: list[str], *, timeout: float, poll: float = 1.0) -> str:
    """Wait until each listed property has a cover (its photos processed) or ``timeout`` passes; the
    summary's words for what it found."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = [i for i in listing_ids if listing_get(listing_id=i, consistent=True).cover is None]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(poll)
    if not waiting:
        return f"; every listed property ({len(listing_ids)}) has its cover"
    return (f"; {len(waiting)} of {len(listing_ids)} listed properties still wait for the media pipeline to "
            f"process their photos (their covers show once it has)")


def _trust(actors: dict[str, Actor], public: list[str], progress: Callable[[str], None]) -> None:
    """Verified documents and buyers asking for them, an agency's licence evidence, and (where the payment
    stand-ins run) orders paid, pending and cancelled (``local.demo_trust``), each piece once."""
    if not _guarded("documents") and public:
        progress("Seeding documents, licence evidence and orders ...")
        demo_trust.documents_and_requests(actors=actors, listing_ids=public)
        _mark("documents", "done")
    if not _guarded("evidence"):
        demo_trust.licence_evidence(actors["admin@demo.shikhar.np"])
        _mark("evidence", demo_trust.EVIDENCE_AGENCY)
    if payment_settings().esewa_secret_id and not _guarded("orders"):
        demo_trust.orders(actors)
        _mark("orders", "done")


def _listing(listing_id: str, fields: dict, target: Status, *, broker: Actor, admin: Actor, rng: random.Random,
             premium: bool, photos: bool, index: int) -> None:
    """Create (unless a crashed run did), add photos while it is a draft, and drive it to ``target``."""
    try:
        listings.listing_create(actor=broker, fields=fields, listing_id=listing_id)
    except Conflict:
        pass  # created by a run that crashed before marking it done
    if target != Status.DRAFT and listing_get(listing_id=listing_id).status == "draft":  # submitting needs photos
        _photos(listing_id, broker=broker, index=index, premium=premium, send=photos)
    _drive(listing_id, target, broker=broker, admin=admin, rng=rng, premium=premium)


def _photos(listing_id: str, *, broker: Actor, index: int, premium: bool, send: bool = True) -> None:
    """Two photos per listing (a submission needs them) and, for premium listings, a drone shot only
    subscribers see. Those already uploaded (before a crash) are not uploaded again. Without ``send`` the
    upload slots are taken but no file is sent (a quick demo: the media stay awaiting upload)."""
    uploaded = {m.filename for m in media_for_listing(listing_id=listing_id, consistent=True)}
    for n in range(MIN_PHOTOS):
        if f"photo-{n + 1}.jpg" in uploaded:
            continue
        if not send:
            media_request_upload(listing_id=listing_id, kind=MediaKind.PHOTO, actor=broker,
                                 content_type="image/jpeg", size=250_000, filename=f"photo-{n + 1}.jpg")
            continue
        demo_photos.upload(actor=broker, listing_id=listing_id, kind=MediaKind.PHOTO,
                           data=demo_photos.draw(index * 10 + n), filename=f"photo-{n + 1}.jpg")
    if premium and send and "drone.jpg" not in uploaded:
        demo_photos.upload(actor=broker, listing_id=listing_id, kind=MediaKind.DRONE, premium=True,
                           filename="drone.jpg",
                           data=demo_photos.draw(index * 10 + 9, width=2400, height=1350, aerial=True))


def _engagement(rng: random.Random, listed: list[tuple[str, str, bool]], actors: dict[str, Actor]):
    public = [(listing_id, hood) for listing_id, hood, exclusive in listed if not exclusive]
    shoppers = [actors[e] for e in ("buyer@demo.shikhar.np", "premium@demo.shikhar.np", "investor@demo.shikhar.np")]
    for shopper in shoppers:
        rights = entitlements_for(user_id=shopper.user_id)
        for listing_id, _ in rng.sample(public, k=min(6, len(public))):
            engagement.favorite_add(actor=shopper, listing_id=listing_id, entitlements=rights)
        for n, (listing_id, _) in enumerate(rng.sample(public, k=min(3, len(public)))):
            engagement.inquiry_create(
                actor=shopper, listing_id=listing_id, entitlements=rights, idempotency_key=f"demo-{shopper.user_id[:8]}-{n}",
                name=shopper.name, phone="+977 9812345678", email=shopper.email,
                message="Namaste, I would like to arrange a viewing this weekend. Is the price negotiable?",
                preferred_contact_time=rng.choice(["mornings", "after 5 pm", "weekends"]))
    today = date.today()
    with DailyViewStat.batch_write() as batch:
        for listing_id, hood, _ in listed:
            base = rng.randint(3, 40)
            for back in range(VIEW_DAYS):
                day = (today - timedelta(days=back)).isoformat()
                stat = DailyViewStat(listing_id=listing_id, day=day, neighborhood=hood,
                                     views=max(0, int(base * rng.uniform(0.4, 1.6))))
                stat.derive_keys()
                batch.save(stat)


# --- Viewing requests: one waiting for the demo broker's answer, one confirmed, one declined ------------

KATHMANDU = ZoneInfo("Asia/Kathmandu")
VIEWINGS = (("buyer@demo.shikhar.np", "requested"), ("premium@demo.shikhar.np", "confirmed"),
            ("investor@demo.shikhar.np", "declined"))


def _viewings(listed: list[tuple[str, str, bool]], actors: dict[str, Actor]) -> None:
    """Buyers ask the demo broker to view up to three of their listings at 11:00 on the next days; the broker
    confirms one and declines one. Each request has its idempotency key, so a rerun after a crash makes
    no second one."""
    broker = actors["broker@demo.shikhar.np"]
    theirs = [listing_id for listing_id, _, exclusive in listed
              if not exclusive and listing_get(listing_id=listing_id).broker_id == broker.user_id]
    today = datetime.now(KATHMANDU).date()
    slots = [datetime(day.year, day.month, day.day, 11, tzinfo=KATHMANDU)
             for day in (today + timedelta(days=n) for n in (2, 3, 5))]
    if not theirs:
        return
    for n, (email, outcome) in enumerate(VIEWINGS):
        buyer, listing_id = actors[email], theirs[n % len(theirs)]  # a small demo: buyers share a listing
        viewing, _ = viewings.viewing_request_once(
            actor=buyer, listing_id=listing_id, entitlements=entitlements_for(user_id=buyer.user_id), slots=slots,
            idempotency_key=f"demo-viewing-{buyer.user_id[:8]}", name=buyer.name, phone="+977 9812345678",
            message="Namaste, could we see the house with my family?")
        if viewing.state != viewings.ViewingState.REQUESTED or outcome == "requested":
            continue
        if outcome == "confirmed":
            viewings.viewing_confirm(actor=broker, listing_id=listing_id, viewing_id=viewing.viewing_id,
                                     start=viewing.slots[1], expected_version=viewing.version)
        else:
            viewings.viewing_decline(actor=broker, listing_id=listing_id, viewing_id=viewing.viewing_id,
                                     reason="The owners are abroad until next month; please ask again then.",
                                     expected_version=viewing.version)


# --- Listings in memory (the search benchmark and the search index's tests) ---------------------------

def listing_in_memory(rng: random.Random, index: int, *, moment: datetime) -> Listing:
    """A listed listing in the demo's mix, made with the domain's field rules but never written: 8 % coming
    soon (public within 20 days), 5 % under contract, 5 % exclusive, 15 % premium, published ``index``
    minutes before ``moment``. What the search index holds of it is what it would hold after approval."""
    listing = Listing(listing_id=new_id(), broker_id=f"broker-{index % 40}", status=Status.ACTIVE.value)
    listings._apply_fields(listing, clean_listing_fields(_fields(rng, index)))  # as listing_create applies them
    listing.published_at = moment - timedelta(minutes=index)
    roll = rng.random()
    if roll < 0.08:
        listing.status, listing.public_at = Status.COMING_SOON.value, moment + timedelta(days=rng.randint(1, 20))
    elif roll < 0.13:
        listing.status = Status.UNDER_CONTRACT.value
    listing.exclusive = rng.random() < 0.05
    listing.premium = rng.random() < 0.15
    listing.derive_keys()
    return listing
