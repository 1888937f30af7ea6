"""Listings that stay true: reconfirmation asked at 30 days, expiry at 45 (out of search), one-click
confirmation and reinstatement at the version read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from marketplace import outbox
from marketplace.config import reload_settings
from marketplace.errors import Conflict, IllegalTransition, PermissionDenied
from marketplace.lifecycle import Action, Status
from marketplace.models import Listing
from marketplace.selectors.freshness import listings_to_confirm
from marketplace.selectors.listings import listing_get
from marketplace.services import freshness
from marketplace.services.listings import listing_transition
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing

DAY = timedelta(days=1)


def _in_feed(listing_id: str) -> bool:
    return listing_id in {card.listing_id for card in Listing.feed()}


def _asked() -> list[dict]:
    return [json.loads(record.detail)["data"] for record in outbox.pending()
            if record.detail_type == "ListingReconfirmationDue"]


def test_approval_records_the_confirmation(active):
    assert active.last_confirmed_at is not None
    assert active.confirmed_at == active.last_confirmed_at


def test_a_listing_unconfirmed_for_30_days_asks_its_broker_once(active, broker):
    fresh = make_listing(broker, status=Status.ACTIVE, title="Fresh house")
    later = datetime.now(UTC) + 31 * DAY

    result = freshness.sweep(at=later)

    assert result["expired"] == [] and sorted(result["asked"]) == sorted([active.listing_id, fresh.listing_id])
    assert {data["listing_id"] for data in _asked()} == {active.listing_id, fresh.listing_id}
    assert {data["broker_id"] for data in _asked()} == {broker.user_id}
    assert freshness.sweep(at=later + DAY)["asked"] == []  # asked once per confirmation
    assert listing_get(listing_id=active.listing_id).status == Status.ACTIVE


def test_a_listing_confirmed_recently_is_not_asked(active, broker):
    listing_act(actor=broker, listing_id=active.listing_id, action=Action.CONFIRM, at=datetime.now(UTC) + 20 * DAY)
    assert freshness.sweep(at=datetime.now(UTC) + 31 * DAY) == {"expired": [], "asked": [], "left_search": []}
    assert _asked() == []


def test_at_45_days_it_expires_and_leaves_search(active):
    assert _in_feed(active.listing_id)

    result = freshness.sweep(at=datetime.now(UTC) + 46 * DAY)

    assert result["expired"] == [active.listing_id]
    stored = listing_get(listing_id=active.listing_id, consistent=True)
    assert stored.status == Status.EXPIRED
    assert not _in_feed(active.listing_id)
    kinds = [record.detail_type for record in outbox.pending()]
    assert "ListingStatusChanged" in kinds  # the search index's writer drops it on this event


def test_the_broker_reinstates_an_expired_listing_with_one_click_at_the_version_read(active, broker, other_broker):
    freshness.sweep(at=datetime.now(UTC) + 46 * DAY)
    expired = listing_get(listing_id=active.listing_id, consistent=True)
    with pytest.raises(PermissionDenied):
        listing_transition(actor=other_broker, listing_id=expired.listing_id, action=Action.CONFIRM,
                           expected_version=expired.version)
    with pytest.raises(Conflict):
        listing_transition(actor=broker, listing_id=expired.listing_id, action=Action.CONFIRM,
                           expected_version=expired.version - 1)

    back = listing_transition(actor=broker, listing_id=expired.listing_id, action=Action.CONFIRM,
                              expected_version=expired.version)

    assert back.status == Status.ACTIVE and back.last_confirmed_at > active.last_confirmed_at
    assert _in_feed(back.listing_id)


def test_reinstating_above_the_threshold_needs_a_valid_licence(table, broker, admin):
    agency = licensed_agency(broker, expires_on=valid_until(40))
    listing = make_listing(broker, status=Status.ACTIVE, neighborhood="sanepa", price="6 crore")
    freshness.sweep(at=datetime.now(UTC) + 46 * DAY)
    expired = listing_get(listing_id=listing.listing_id, consistent=True)
    assert expired.status == Status.EXPIRED and agency.expires_on < (datetime.now(UTC) + 46 * DAY).date()
    with pytest.raises(IllegalTransition, match="licence expired"):
        listing_transition(actor=broker, listing_id=listing.listing_id, action=Action.CONFIRM,
                           expected_version=expired.version, at=datetime.now(UTC) + 46 * DAY)


def test_the_broker_sees_what_to_confirm(active, broker):
    assert listings_to_confirm(broker_id=broker.user_id) == []
    due = listings_to_confirm(broker_id=broker.user_id, at=datetime.now(UTC) + 31 * DAY)
    assert [listing.listing_id for listing in due] == [active.listing_id]


def test_the_ages_are_configuration(active, monkeypatch):
    monkeypatch.setenv("SHIKHAR_LISTING_EXPIRE_DAYS", "10")
    reload_settings()
    try:
        assert freshness.sweep(at=datetime.now(UTC) + 11 * DAY)["expired"] == [active.listing_id]
    finally:
        monkeypatch.undo()
        reload_settings()
