"""Sold and let listings stay in search with their badge for the configured days, then the freshness sweep
takes them out of every buyer-facing path (the feed and market indexes, the search index's document),
reading only the listings whose days are over."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from marketplace import outbox
from marketplace.config import reload_settings
from marketplace.entitlements import ANONYMOUS, can_see
from marketplace.errors import ValidationError
from marketplace.lifecycle import Action, Status
from marketplace.models import Listing
from marketplace.search_index.documents import document_of
from marketplace.selectors.listings import listing_get
from marketplace.selectors.search import ListingFilters, listing_search
from marketplace.services import engagement, freshness, viewings
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing

DAY = timedelta(days=1)


def _close(broker, listing_id: str, *, at: datetime | None = None) -> Listing:
    return listing_act(actor=broker, listing_id=listing_id, action=Action.CLOSE, at=at)


def _in_feed(listing_id: str) -> bool:
    return listing_id in {card.listing_id for card in Listing.feed()}


def _in_market(listing: Listing) -> bool:
    return listing.listing_id in {card.listing_id for card in Listing.in_market(listing.neighborhood)}


def _searched(listing_id: str, *, at: datetime) -> bool:
    page = listing_search(filters=ListingFilters(), at=at)
    return listing_id in {card.listing_id for card in page.items}


@pytest.fixture
def shown_days(monkeypatch):
    """Set ``Settings.sold_shown_days`` for one test."""
    def set_days(days: int) -> None:
        monkeypatch.setenv("SHIKHAR_SOLD_SHOWN_DAYS", str(days))
        reload_settings()
    yield set_days
    monkeypatch.undo()
    reload_settings()


def test_a_sold_listing_stays_in_search_with_its_closing_date(active, broker):
    closed = _close(broker, active.listing_id)

    assert closed.status == Status.CLOSED and closed.closed_at is not None
    assert _in_feed(closed.listing_id) and _in_market(closed)
    assert _searched(closed.listing_id, at=datetime.now(UTC))
    card = next(card for card in Listing.feed() if card.listing_id == closed.listing_id)
    assert card.closed_at == closed.closed_at  # the badge's date is on the card itself
    assert document_of(closed) is not None
    assert can_see(closed, ANONYMOUS)


def test_after_its_days_the_sweep_takes_it_out_of_every_search_path(active, broker, shown_days):
    shown_days(30)
    closed = _close(broker, active.listing_id)
    later = datetime.now(UTC) + 31 * DAY

    assert not can_see(closed, ANONYMOUS, at=later)  # reads leave it out by its date before the sweep runs
    assert not _searched(closed.listing_id, at=later)

    result = freshness.sweep(at=later)

    assert result["left_search"] == [closed.listing_id]
    stored = listing_get(listing_id=closed.listing_id, consistent=True)
    assert stored.status == Status.CLOSED and stored.search_left_at is not None
    assert not _in_feed(stored.listing_id) and not _in_market(stored)
    assert document_of(stored) is None
    told = [json.loads(record.detail)["data"] for record in outbox.pending() if record.detail_type == "ListingLeftSearch"]
    assert [data["listing_id"] for data in told] == [closed.listing_id]  # the search index writer's cue
    assert freshness.sweep(at=later + DAY)["left_search"] == []


def test_a_listing_within_its_days_is_left_in_search(active, broker, shown_days):
    shown_days(30)
    closed = _close(broker, active.listing_id)

    assert freshness.sweep(at=datetime.now(UTC) + 29 * DAY)["left_search"] == []
    assert _in_feed(closed.listing_id)
    assert can_see(listing_get(listing_id=closed.listing_id), ANONYMOUS, at=datetime.now(UTC) + 29 * DAY)


def test_the_sweep_reads_only_the_listings_whose_days_are_over(table, broker, shown_days, dynamodb_calls):
    shown_days(30)
    now = datetime.now(UTC)
    old = [_close(broker, make_listing(broker, status=Status.ACTIVE).listing_id, at=now - 40 * DAY) for _ in range(2)]
    recent = [_close(broker, make_listing(broker, status=Status.ACTIVE).listing_id) for _ in range(3)]
    dynamodb_calls.reset()

    left = freshness.listings_leave_search_after_closing(actor=freshness.SYSTEM, at=now)

    assert sorted(left) == sorted(listing.listing_id for listing in old)
    # Per due listing, the sweep's read and the transition's read at its version; none for the others.
    assert dynamodb_calls.count().get("GetItem") == 2 * len(old)
    assert all(_in_feed(listing.listing_id) for listing in recent)


def test_the_days_are_configuration(active, broker, shown_days):
    shown_days(0)
    closed = _close(broker, active.listing_id)

    assert not can_see(closed, ANONYMOUS)
    assert freshness.sweep(at=datetime.now(UTC) + timedelta(seconds=1))["left_search"] == [closed.listing_id]
    assert not _in_feed(closed.listing_id)


def test_a_withdrawn_listing_leaves_search_at_once(active, broker):
    listing_act(actor=broker, listing_id=active.listing_id, action=Action.WITHDRAW)
    assert not _in_feed(active.listing_id)
    assert document_of(listing_get(listing_id=active.listing_id, consistent=True)) is None


def test_a_sold_listing_in_search_takes_no_inquiry_or_viewing_but_may_be_saved(active, broker, buyer):
    closed = _close(broker, active.listing_id)

    with pytest.raises(ValidationError, match="has been sold") as refused:
        engagement.inquiry_create(actor=buyer, listing_id=closed.listing_id, entitlements=ANONYMOUS,
                                  idempotency_key=None, name="Priya", phone="+977 9812345678", email="p@example.np",
                                  message="Is the price negotiable?", preferred_contact_time="")
    assert refused.value.field == "listing_id"
    with pytest.raises(ValidationError, match="has been sold"):
        viewings.viewing_request(actor=buyer, listing_id=closed.listing_id, entitlements=ANONYMOUS,
                                 slots=[datetime.now(UTC).replace(microsecond=0) + 2 * DAY], name="Priya",
                                 email="p@example.np", message="Mornings suit me")
    assert engagement.favorite_add(actor=buyer, listing_id=closed.listing_id, entitlements=ANONYMOUS)
