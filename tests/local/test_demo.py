import random
import threading
from collections import Counter
from datetime import date

import pytest
import requests

from local import demo, demo_photos, demo_trust, workers
from local.payment_providers import PaymentProviders
from local.provision import MEDIA_QUEUES, provision_payments
from marketplace.actors import Actor
from marketplace.aws import client
from marketplace.lifecycle import Action, Status
from marketplace.models import DailyViewStat, Favorite
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.payments import providers
from marketplace.selectors import reports
from marketplace.selectors.listings import listing_get, listings_by_status
from marketplace.selectors.media import media_awaiting_review, media_failures, media_for_listing
from marketplace.selectors.payments import OrderFilters, orders_search
from marketplace.selectors.people import entitlements_for, users_search
from marketplace.services import agencies, documents, viewings
from media_pipeline import runner
from tests.shared.listings import make_listing
from tests.shared.people import BROKER


def test_a_small_demo_shows_every_state_and_seeding_again_adds_nothing(platform):
    logins = demo.seed(resources=platform, listing_count=12, photos=False)

    counts = {s.value: len(listings_by_status(status=s, limit=100).items) for s in Status}
    assert all(counts[s.value] >= 1 for s in Status)
    assert sum(counts.values()) == 12
    emails = {p.email for p in users_search(limit=50).items}
    assert {"admin@demo.shikhar.np", "broker@demo.shikhar.np", "buyer@demo.shikhar.np",
            "investor@demo.shikhar.np"} <= emails
    investor = next(p for p in users_search(text="investor@").items)
    assert entitlements_for(user_id=investor.user_id).exclusive_access
    buyer = next(p for p in users_search(text="buyer@").items)
    assert not entitlements_for(user_id=buyer.user_id).active
    assert len(list(Favorite.query(f"USER#{buyer.user_id}"))) >= 1
    assert logins.password == demo.DEFAULT_PASSWORD
    assert ("admin@demo.shikhar.np", demo.PEOPLE[0].role) in logins.accounts

    views = reports.REPORTS["views-per-day"].rows(reports.Window.last(demo.VIEW_DAYS, today=date.today()), None)
    seeded_views = sum(int(s.views) for s in DailyViewStat.scan())
    assert seeded_views > 0 and sum(n for _, n in views) == seeded_views  # the reports see the seeded views

    # the demo broker has viewing requests to answer, and answered
    broker = next(p for p in users_search(text="broker@demo").items)
    asked = sorted(v.state for v in viewings.viewings_for_broker(broker_id=broker.user_id))
    assert asked == ["confirmed", "declined", "requested"]

    demo.seed(resources=platform, listing_count=12, photos=False)
    assert {s.value: len(listings_by_status(status=s, limit=100).items) for s in Status} == counts
    assert len(viewings.viewings_for_broker(broker_id=broker.user_id)) == len(asked)


def test_a_seeding_run_that_crashed_after_creating_a_listing_duplicates_nothing_on_rerun(platform, monkeypatch):
    # Given a first run that dies right after a listing was created and submitted, before it was approved
    real_transition = demo.listings.listing_transition

    def crash_on_first_approval(**arguments):
        if arguments["action"] == Action.APPROVE:
            raise KeyboardInterrupt  # the process dies: nothing after this runs
        return real_transition(**arguments)

    monkeypatch.setattr(demo.listings, "listing_transition", crash_on_first_approval)
    try:
        demo.seed(resources=platform, listing_count=12, photos=False)
    except KeyboardInterrupt:
        pass
    monkeypatch.undo()
    created = sum(len(listings_by_status(status=s, limit=100).items) for s in Status)
    assert created >= 1

    # When seeding runs again
    demo.seed(resources=platform, listing_count=12, photos=False)

    # Then there are exactly the planned listings, each in its planned state, none twice
    counts = {s: len(listings_by_status(status=s, limit=100).items) for s in Status}
    assert sum(counts.values()) == 12
    assert all(counts[s] >= 1 for s in Status)
    first = listing_get(listing_id=demo.demo_listing_id(0))
    assert first.status == demo._plan(random.Random(2026), 12)[0].value


def test_view_stats_cover_the_last_weeks(platform):
    demo.seed(resources=platform, listing_count=10, photos=False)
    active = listings_by_status(status=Status.ACTIVE).items[0]
    days = list(DailyViewStat.query(active.pk, DailyViewStat.sk.startswith("VIEWS#")))
    assert len(days) == demo.VIEW_DAYS


def _process_uploads(platform) -> None:
    """What the pipeline's worker does in ``make run``: every raw-upload notification handled."""
    sqs = client("sqs")
    for queue in MEDIA_QUEUES:
        url = platform.queues[queue]
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                runner.handle_message(message["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_demo_photos_go_through_the_media_pipeline_and_become_covers(platform):
    # Given a small demo with photos (draft, pending review, active), seeded while no pipeline worker runs
    said = []
    demo.seed(resources=platform, listing_count=3, progress=said.append, photo_wait_seconds=0)
    # Then its summary says the listed property still waits for its photos (an approval counts uploads)
    assert said[-1] == ("Demo data ready: 3 listings, 8 people; 1 of 1 listed properties still wait for the media "
                        "pipeline to process their photos (their covers show once it has).")
    # When the pipeline's worker handles the raw-upload notifications
    _process_uploads(platform)
    # Then the pending and active listings have two ready photos each, and the active one a cover
    active = listings_by_status(status=Status.ACTIVE).items[0]
    pending = listings_by_status(status=Status.PENDING_REVIEW).items[0]
    for listing in (active, pending):
        media = media_for_listing(listing_id=listing.listing_id)
        assert [(m.kind, m.state) for m in media] == [("photo", "ready"), ("photo", "ready")]
        assert listing_get(listing_id=listing.listing_id).ready_photos == 2
    assert listing_get(listing_id=active.listing_id).cover.media_id == media_for_listing(
        listing_id=active.listing_id)[0].media_id
    # and the demo broker's draft shows the PDF sent as a photo, refused with the pipeline's reason
    draft = listings_by_status(status=Status.DRAFT).items[0]
    [brochure] = media_for_listing(listing_id=draft.listing_id)
    assert (brochure.filename, brochure.state) == ("brochure.pdf", "failed")
    assert brochure.failure_reason.startswith("the file is a PDF document, not a photo")


def test_the_demo_is_ready_only_once_its_listed_properties_have_covers(platform):
    # Given the media pipeline's worker running beside the seeding, as in ``make run``
    stop = threading.Event()
    pipeline = [threading.Thread(target=workers.sqs_consumer(queue, runner.handle_message, batch=1), args=(stop,),
                                 daemon=True) for queue in MEDIA_QUEUES]
    for thread in pipeline:
        thread.start()
    said = []
    try:
        # When the demo is seeded
        demo.seed(resources=platform, listing_count=4, progress=said.append)
    finally:
        stop.set()
        for thread in pipeline:
            thread.join(timeout=10)
    # Then by the time it says ready, every listed property (active, under contract) shows its cover
    listed = [listing for status in (Status.ACTIVE, Status.UNDER_CONTRACT)
              for listing in listings_by_status(status=status).items]
    assert len(listed) == 1 and all(listing_get(listing_id=l.listing_id, consistent=True).cover for l in listed)
    assert said[-1] == "Demo data ready: 4 listings, 8 people; every listed property (1) has its cover."


def test_demo_media_wait_for_an_admins_review_or_fail_with_the_pipelines_reason(platform):
    # Given three listed properties and a draft of one broker
    active = [make_listing(BROKER, status=Status.ACTIVE).listing_id for _ in range(3)]
    draft = make_listing(BROKER).listing_id
    # When the demo adds its media in those states and the pipeline's worker handles the uploads
    demo_photos.media_states(broker=BROKER, active=active, drafts=[draft])
    _process_uploads(platform)
    # Then two new photos of listed properties wait in the admins' media queue, the listings unchanged
    waiting = media_awaiting_review()
    assert sorted((m.listing_id, m.filename) for m in waiting) == sorted(
        [(active[0], "terrace.jpg"), (active[1], "garden.jpg")])
    assert all(m.state == "ready" and m.in_review for m in waiting)
    # and two uploads were refused, each with the reason the broker and the admins' dashboard show
    failed = {m.filename: (m.listing_id, m.failure_reason) for m in media_failures()}
    too_small = "the image is 900x600 pixels; a photo needs at least 1024 pixels on its long edge"
    assert failed["old-scan.jpg"] == (active[2], too_small)
    assert failed["brochure.pdf"][0] == draft and "PDF document" in failed["brochure.pdf"][1]
    assert len(failed) == 2


@pytest.fixture
def payment_stand_ins(platform, monkeypatch):
    """The eSewa and Khalti stand-ins running and the platform pointed at them, as ``make run`` does."""
    server = PaymentProviders(port=0).start()
    environment = provision_payments(providers_environment=server.environment(), return_url="http://127.0.0.1:1")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    providers.reset()
    yield server
    providers.reset()
    server.stop()


def test_the_demo_has_verified_documents_licence_evidence_and_orders_in_every_state(platform, payment_stand_ins):
    # When the demo is seeded with the payment stand-ins running (twice: the second adds nothing)
    demo.seed(resources=platform, listing_count=12, photos=False)
    demo.seed(resources=platform, listing_count=12, photos=False)

    # Then three listed properties have their documents verified, with their deeds, and buyers asking for them
    verified = [listing for status in (Status.ACTIVE, Status.UNDER_CONTRACT)
                for listing in listings_by_status(status=status, limit=100).items if listing.documents_verified_at]
    assert len(verified) == len(demo_trust.DEEDS)
    admin = next(p for p in users_search(text="admin@").items)
    deeds = [documents.documents_of_listing(listing_id=listing.listing_id) for listing in verified]
    assert all({d.kind for d in deed if d.state == "uploaded"} == {"title", "building_permit"} for deed in deeds)
    asked = [access.state for listing in verified
             for access in documents.access_requests_for_listing(actor=_actor(admin), listing_id=listing.listing_id)]
    assert sorted(asked) == ["granted", "requested", "requested"]
    # an agency's licence certificate is on file, opened through a signed link
    [evidence] = agencies.agency_evidence_files(actor=_actor(admin), agency_id=demo_trust.EVIDENCE_AGENCY)
    link = agencies.agency_evidence_link(actor=_actor(admin), agency_id=demo_trust.EVIDENCE_AGENCY,
                                         file_id=evidence.file_id)
    assert requests.get(link.url, timeout=10).content.startswith(b"%PDF-")
    # and orders went through the stand-ins: two paid (eSewa, Khalti), one cancelled, two waiting
    orders = orders_search(filters=OrderFilters(), limit=50).items
    assert sorted((o.provider, o.state) for o in orders) == [
        ("esewa", "completed"), ("esewa", "pending"), ("khalti", "completed"), ("khalti", "failed"),
        ("khalti", "pending")]
    premium = next(p for p in users_search(text="premium@").items)
    assert entitlements_for(user_id=premium.user_id).premium_media


def _actor(profile) -> Actor:
    return Actor(user_id=profile.user_id, email=profile.email, groups=frozenset(profile.groups))


@pytest.mark.parametrize("shuffle", range(5))
def test_buyers_find_active_listings_in_every_neighbourhood_whatever_the_demos_shuffle(shuffle):
    # given the demo's mix of statuses in any order
    plan = list(demo.STATUS_PLAN)
    random.Random(shuffle).shuffle(plan)

    # when each planned listing gets its neighbourhood
    hoods = demo.neighbourhoods_for(plan)

    # then every neighbourhood has active listings (the demo's 36 in turn: three each)
    active = Counter(hood.slug for hood, status in zip(hoods, plan, strict=True) if status == Status.ACTIVE)
    assert set(active) == {hood.slug for hood in NEIGHBOURHOODS}
    assert min(active.values()) >= plan.count(Status.ACTIVE) // len(NEIGHBOURHOODS)
