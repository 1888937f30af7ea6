"""Saved-search and favorites alerts on listing events, digests, and who may see what in them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from local.workers import WORKERS
from marketplace.actors import Actor, Group
from marketplace.alerts import digests
from marketplace.alerts.matching import matching_searches
from marketplace.alerts.searches import Frequency, saved_search_create, saved_search_update
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import ANONYMOUS
from marketplace.lifecycle import Action, Status
from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import ListingFilters
from marketplace.services import people
from marketplace.services.engagement import favorite_add
from marketplace.services.listings import listing_publish_due, listing_update
from tests.shared.agencies import licensed_agency
from tests.shared.alerts import deliver_alerts, deliver_digests, sqs_event
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to, wait_for_mail
from tests.shared.people import ADMIN


def _buyer(name: str, *, tier: str | None = None) -> Actor:
    actor = Actor(user_id=f"buyer-{name}", email=f"{name}@example.np", groups=frozenset({Group.BUYERS}), name=name)
    people.user_profile_sync(user_id=actor.user_id, email=actor.email, groups=[Group.BUYERS], name=name.title())
    if tier:
        people.subscription_grant(actor=ADMIN, user_id=actor.user_id, tier=tier, reason="paid",
                                  starts_at=datetime.now(UTC) - timedelta(days=1),
                                  expires_at=datetime.now(UTC) + timedelta(days=30), expected_version=None)
    return actor


def _save(actor: Actor, frequency: str = Frequency.INSTANT, **filters) -> str:
    neighborhoods = filters.pop("neighborhoods", ("sanepa",))
    request = IndexSearch(filters=ListingFilters(neighborhoods=neighborhoods, **filters))
    return saved_search_create(actor=actor, name=f"{frequency} search", query={"neighborhood": list(neighborhoods)},
                               request=request, frequency=frequency).search_id


SANEPA_HOUSE = {"neighborhood": "sanepa", "price": "4 crore", "latitude": "27.6847", "longitude": "85.3064"}


@pytest.fixture(autouse=True)
def licensed_broker(request):
    """Luxury listings in a metropolitan city need a licensed agency: the broker's is."""
    if "broker" in request.fixturenames:
        request.getfixturevalue("platform")
        licensed_agency(request.getfixturevalue("broker"))


@pytest.fixture
def ram(platform):
    return _buyer("ram")


def test_an_approved_listing_reaches_the_matching_instant_search_once(ram, broker):
    # Given an instant search for Sanepa houses under 5 crore, and one for Bhaisepati
    _save(ram, property_type="house", max_price=50_000_000)
    sita = _buyer("sita")
    _save(sita, neighborhoods=("bhaisepati",))
    gita = _buyer("gita")
    _save(gita, max_price=30_000_000)  # the listing costs more

    # When a Sanepa house at 4 crore is approved (and the queue delivers its events twice)
    listing = make_listing(broker, status=Status.ACTIVE, **SANEPA_HOUSE)
    deliver_alerts(twice=True)

    # Then only Ram hears of it, once, with the listing and an unsubscribe link
    [alert] = mail_to("ram@example.np")
    assert listing.title in alert.subject and "Rs 4 crore" in alert.text and "/v1/unsubscribe?token=" in alert.text
    assert alert.headers["List-Unsubscribe"].startswith("<")
    assert mail_to("sita@example.np") == [] and mail_to("gita@example.np") == []


def test_an_alert_never_repeats_a_listing_for_the_same_search(ram, broker):
    _save(ram)
    listing = make_listing(broker, status=Status.ACTIVE, **SANEPA_HOUSE)
    deliver_alerts()

    # When the price drops and it goes under contract and back on the market
    current = listing_act(actor=broker, listing_id=listing.listing_id, action=Action.MARK_UNDER_CONTRACT)
    listing_act(actor=broker, listing_id=current.listing_id, action=Action.BACK_ON_MARKET)
    deliver_alerts()

    # Then the search was told once
    assert len(mail_to("ram@example.np")) == 1


def test_early_access_and_exclusive_listings_reach_only_entitled_buyers(ram, broker, system):
    premium, investor = _buyer("priya", tier="premium"), _buyer("ivan", tier="investor")
    for buyer in (ram, premium, investor):
        _save(buyer)

    # A coming-soon listing: premium and investor buyers hear now; Ram when its public date comes (an hour
    # ahead, so a slow machine never reaches it before the first delivery; the scheduler is asked as if then)
    public_at = datetime.now(UTC) + timedelta(hours=1)
    soon = make_listing(broker, status=Status.COMING_SOON, public_at=public_at, **SANEPA_HOUSE)
    deliver_alerts()
    assert mail_to("ram@example.np") == []
    assert len(mail_to("priya@example.np")) == 1 and len(mail_to("ivan@example.np")) == 1
    assert listing_publish_due(actor=system, at=public_at + timedelta(seconds=1)) == [soon.listing_id]
    deliver_alerts()
    assert len(mail_to("ram@example.np")) == 1 and len(mail_to("priya@example.np")) == 1  # not twice

    # An exclusive listing: only the investor
    make_listing(broker, status=Status.ACTIVE, exclusive=True, title="Off-market villa", **SANEPA_HOUSE)
    deliver_alerts()
    assert [m for m in mail_to("ivan@example.np") if "Off-market villa" in m.subject]
    assert not [m for m in mail_to("priya@example.np") + mail_to("ram@example.np") if "Off-market" in m.subject]


def test_matching_reads_four_partitions_of_the_match_index(ram, broker, dynamodb_calls):
    for number in range(30):
        other = _buyer(f"b{number}")
        _save(other, neighborhoods=("sanepa", "bhaisepati")[number % 2:][:1], property_type="house")
    listing = make_listing(broker, status=Status.ACTIVE, **SANEPA_HOUSE)

    dynamodb_calls.reset()
    matches = matching_searches(listing)

    assert len(matches) == 15
    assert dynamodb_calls.count() == {"Query": 4}


def _sent(delivered: dict) -> dict:
    """Buyers and listings the digest worker sent."""
    return {"buyers": delivered["sent"]["buyers"], "listings": delivered["sent"]["listings"]}


def test_a_daily_search_is_told_in_the_next_digest_once_with_at_most_fourteen_listings(ram, broker):
    # Given a daily search and 16 matching listings approved during the day
    _save(ram, frequency=Frequency.DAILY)
    for number in range(16):
        make_listing(broker, status=Status.ACTIVE, title=f"Sanepa house {number}", **SANEPA_HOUSE)
    deliver_alerts()
    assert mail_to("ram@example.np") == []  # nothing before the digest

    # When the daily digest runs (its message delivered twice), and runs again the next morning
    first = deliver_digests(Frequency.DAILY, twice=True)
    again = deliver_digests(Frequency.DAILY, at=datetime.now(UTC) + timedelta(days=1))

    # Then one message with the 14 newest, and nothing more
    [digest] = mail_to("ram@example.np")
    assert first["queued"]["buyers"] == 1 and _sent(first) == {"buyers": 1, "listings": digests.MAX_LISTINGS}
    assert again["queued"]["buyers"] == 0 and _sent(again) == {"buyers": 0, "listings": 0}
    assert sum(f"Sanepa house {n}\n" in digest.text or f"Sanepa house {n} (" in digest.text for n in range(16)) == 14
    assert "Sanepa house 15" in digest.text and "Sanepa house 0 (" not in digest.text


def test_the_digest_schedule_queues_buyers_in_batches_and_each_buyer_gets_one_message(ram, broker, monkeypatch):
    # Given three buyers with daily searches, two buyers to a queue message
    monkeypatch.setattr(digests, "CHUNK", 2)
    buyers = [ram, _buyer("sita"), _buyer("gita")]
    for buyer in buyers:
        _save(buyer, frequency=Frequency.DAILY)
    make_listing(broker, status=Status.ACTIVE, title="Sanepa house", **SANEPA_HOUSE)
    deliver_alerts()

    # When the schedule runs and the worker takes each message
    delivered = deliver_digests(Frequency.DAILY)

    # Then two messages carried the three buyers, and each buyer has one digest
    assert delivered["queued"]["buyers"] == 3 and delivered["queued"]["messages"] == 2
    assert _sent(delivered) == {"buyers": 3, "listings": 3}
    assert [len(mail_to(f"{name}@example.np")) for name in ("ram", "sita", "gita")] == [1, 1, 1]


def test_a_redelivered_batch_never_sends_a_buyer_a_second_digest_in_the_same_period(ram, broker):
    # Given the daily digest's message handled once
    _save(ram, frequency=Frequency.DAILY)
    make_listing(broker, status=Status.ACTIVE, title="First house", **SANEPA_HOUSE)
    deliver_alerts()
    digests.digest_enqueue(frequency=Frequency.DAILY)
    sqs, url = client("sqs"), settings().digest_queue_url
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert digests.handle_message(message["Body"])["buyers"] == 1

    # When a new match arrives and the same message comes again (its deletion was lost)
    make_listing(broker, status=Status.ACTIVE, title="Second house", **SANEPA_HOUSE)
    deliver_alerts()
    again = digests.handle_message(message["Body"])

    # Then no second digest today; the new match waits for tomorrow's, and comes then
    assert again["already"] == 1 and again["buyers"] == 0 and len(mail_to("ram@example.np")) == 1
    tomorrow = deliver_digests(Frequency.DAILY, at=datetime.now(UTC) + timedelta(days=1))
    assert _sent(tomorrow) == {"buyers": 1, "listings": 1}
    latest, first = mail_to("ram@example.np")
    assert "Second house" in latest.text and "First house" not in latest.text and "First house" in first.text


def test_a_buyer_whose_digest_failed_fails_only_their_message_and_is_sent_on_its_retry(ram, broker, monkeypatch):
    # Given two buyers in two messages, and SES refusing Ram's address once
    monkeypatch.setattr(digests, "CHUNK", 1)
    sita = _buyer("sita")
    for buyer in (ram, sita):
        _save(buyer, frequency=Frequency.DAILY)
    make_listing(broker, status=Status.ACTIVE, title="Sanepa house", **SANEPA_HOUSE)
    deliver_alerts()
    refused, send = [], digests.send_email

    def refuse_ram_once(*, to, **kwargs):
        if to == ram.email and not refused:
            refused.append(to)
            raise RuntimeError("Throttling: Maximum sending rate exceeded")
        return send(to=to, **kwargs)

    monkeypatch.setattr(digests, "send_email", refuse_ram_once)

    # When the worker gets both messages in one SQS event
    digests.digest_enqueue(frequency=Frequency.DAILY)
    sqs, url = client("sqs"), settings().digest_queue_url
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    response = digests.batch_handler(sqs_event(messages))

    # Then only Ram's message is reported failed; Sita has her digest
    ram_message = next(m["MessageId"] for m in messages if ram.user_id in m["Body"])
    assert response == {"batchItemFailures": [{"itemIdentifier": ram_message}]}
    assert len(mail_to("sita@example.np")) == 1 and mail_to("ram@example.np") == []

    # And its redelivery (both messages again) sends Ram's digest and nothing more to Sita
    assert digests.batch_handler(sqs_event(messages)) == {"batchItemFailures": []}
    assert len(mail_to("ram@example.np")) == 1 and len(mail_to("sita@example.np")) == 1


def test_make_runs_digest_worker_sends_what_the_schedule_queued(ram, broker):
    # Given a daily search with a match waiting, and the local platform's digest queue worker running
    _save(ram, frequency=Frequency.DAILY)
    make_listing(broker, status=Status.ACTIVE, title="Sanepa house", **SANEPA_HOUSE)
    deliver_alerts()
    [worker] = [w for w in WORKERS if w.__name__ == f"consume-{digests.QUEUE}"]
    stop = threading.Event()
    running = threading.Thread(target=worker, args=(stop,), daemon=True)
    running.start()
    try:
        # When the schedule runs
        queued = digests.handler({"frequency": "daily"})

        # Then the worker sends Ram's digest
        [digest] = wait_for_mail("ram@example.np")
    finally:
        stop.set()
        running.join(timeout=30)
    assert queued["buyers"] == 1 and "Sanepa house" in digest.text


@pytest.mark.parametrize(("frequency", "utc", "period"), [
    ("daily", "2026-12-01T01:15:00", "2026-12-01"),
    ("daily", "2026-11-30T18:30:00", "2026-12-01"),  # already the 1st in Kathmandu (UTC+5:45)
    ("weekly", "2026-12-06T01:15:00", "2026-12-06"),  # a Sunday
    ("weekly", "2026-12-09T03:00:00", "2026-12-06"),  # that week's Sunday
])
def test_a_digest_period_is_the_kathmandu_day_or_the_week_from_its_sunday(frequency, utc, period):
    assert digests.period_of(frequency, datetime.fromisoformat(utc).replace(tzinfo=UTC)) == period


def test_a_listing_already_sent_instantly_is_not_repeated_in_the_digest_of_that_search(ram, broker):
    # Given a listing sent at once, then the search switched to a daily digest
    search_id = _save(ram)
    first = make_listing(broker, status=Status.ACTIVE, title="First house", **SANEPA_HOUSE)
    deliver_alerts()
    saved_search_update(actor=ram, search_id=search_id, frequency=Frequency.DAILY)

    # When the first listing's price drops and a second one is approved
    listing_update(actor=broker, listing_id=first.listing_id, fields={"price": "3.9 crore"},
                   expected_version=first.version)
    make_listing(broker, status=Status.ACTIVE, title="Second house", **SANEPA_HOUSE)
    deliver_alerts()
    result = deliver_digests(Frequency.DAILY)

    # Then the digest holds only the second
    digest, instant = mail_to("ram@example.np")  # newest first
    assert _sent(result)["listings"] == 1 and "Second house" in digest.text and "First house" not in digest.text
    assert "First house" in instant.subject


def test_a_price_drop_on_a_favorite_arrives_once_and_so_does_a_status_change(ram, broker):
    listing = make_listing(broker, status=Status.ACTIVE, **SANEPA_HOUSE)
    favorite_add(actor=ram, listing_id=listing.listing_id, entitlements=ANONYMOUS)
    deliver_alerts()

    dropped = listing_update(actor=broker, listing_id=listing.listing_id, fields={"price": "3.6 crore"},
                             expected_version=listing.version)
    deliver_alerts(twice=True)
    listing_act(actor=broker, listing_id=dropped.listing_id, action=Action.MARK_UNDER_CONTRACT)
    deliver_alerts()

    told = [m for m in mail_to("ram@example.np") if "saved" in m.subject]
    assert len(told) == 2
    assert any("Rs 4 crore to Rs 3.6 crore" in m.text for m in told)
    assert any("under contract" in m.text for m in told)


@pytest.mark.parametrize(("utc", "expected"), [
    ("2026-12-01T01:15:00", ["daily"]),  # a Tuesday, 07:00 in Kathmandu
    ("2026-12-06T01:15:30", ["daily", "weekly"]),  # a Sunday
    ("2026-12-01T01:00:00", []), ("2026-12-01T07:00:00", []),
])
def test_digests_are_due_at_seven_in_the_morning_in_kathmandu(utc, expected):
    assert digests.due(datetime.fromisoformat(utc).replace(tzinfo=UTC)) == expected


def test_admins_get_the_daily_moderation_summary_and_nothing_when_the_queue_is_empty(platform, broker):
    from tests.shared.people import sign_up

    admin = sign_up("moderator@example.np", (Group.ADMINS,))
    assert digests.handler({"frequency": "daily"})["moderation"]["admins"] == 0  # empty queue: nobody told
    make_listing(broker, status=Status.PENDING_REVIEW)
    make_listing(broker, status=Status.PENDING_REVIEW)

    result = digests.handler({"frequency": "daily"})

    [summary] = mail_to(admin.email)
    assert result["moderation"] == {"pending": 2, "oldest_hours": 0, "admins": 1}
    assert "2 listings waiting" in summary.subject and "/admin/moderation/" in summary.text
