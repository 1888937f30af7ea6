"""Price and status history: each change of a listed listing becomes a RESO history item, written with
the change itself; drafts and reviews leave none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.errors import Conflict
from marketplace.history import price_move
from marketplace.lifecycle import Action
from marketplace.selectors.history import broker_price_moves, listing_history
from marketplace.selectors.listings import listing_get
from marketplace.services.listings import listing_transition, listing_update
from tests.shared.lifecycle import listing_act
from tests.shared.listings import submit


def _types(listing_id: str) -> list[tuple]:
    return [(item.change_type, item.status, item.previous_price, item.price)
            for item in listing_history(listing_id=listing_id)]


def _reprice(actor, listing_id: str, price: str):
    version = listing_get(listing_id=listing_id, consistent=True).version
    return listing_update(actor=actor, listing_id=listing_id, fields={"price": price}, expected_version=version)


def test_a_draft_and_its_review_leave_no_market_history(broker, draft):
    # given a draft whose price changed before it was submitted
    _reprice(broker, draft.listing_id, "4 crore")
    # when it is submitted
    submit(broker, draft.listing_id)
    # then nothing has been on the market yet, so nothing is in its history
    assert _types(draft.listing_id) == []


def test_approval_price_cut_contract_and_back_on_market_each_leave_one_item(broker, active):
    # given an approved listing at 4.5 crore
    listing_id = active.listing_id
    # when its broker cuts the price, goes under contract and comes back on the market
    _reprice(broker, listing_id, "4.1 crore")
    listing_act(actor=broker, listing_id=listing_id, action=Action.MARK_UNDER_CONTRACT)
    listing_act(actor=broker, listing_id=listing_id, action=Action.BACK_ON_MARKET)
    # then each is one item in RESO's vocabulary, in order, with the prices before and after
    assert _types(listing_id) == [
        ("NewListing", "active", None, 45_000_000),
        ("PriceChange", "active", 45_000_000, 41_000_000),
        ("ActiveUnderContract", "under_contract", None, 41_000_000),
        ("BackOnMarket", "active", None, 41_000_000),
    ]


def test_price_on_request_is_a_price_change_to_no_price(broker, active):
    listing_id = active.listing_id
    version = listing_get(listing_id=listing_id, consistent=True).version
    listing_update(actor=broker, listing_id=listing_id, fields={"price_on_request": True}, expected_version=version)
    assert _types(listing_id)[-1] == ("PriceChange", "active", 45_000_000, None)


def test_an_edit_that_keeps_the_price_leaves_no_item(admin, active):
    version = listing_get(listing_id=active.listing_id, consistent=True).version
    listing_update(actor=admin, listing_id=active.listing_id, fields={"title": "A new title for the house"},
                   expected_version=version)
    assert [t for t, *_ in _types(active.listing_id)] == ["NewListing"]


def test_a_refused_change_writes_no_history(broker, active):
    # given a broker who read the listing before someone else changed it
    stale = listing_get(listing_id=active.listing_id, consistent=True).version
    _reprice(broker, active.listing_id, "4.2 crore")
    # when the stale write is refused
    with pytest.raises(Conflict):
        listing_transition(actor=broker, listing_id=active.listing_id, action=Action.CLOSE, expected_version=stale)
    # then its history item went with it (same transaction)
    assert [t for t, *_ in _types(active.listing_id)] == ["NewListing", "PriceChange"]


def test_withdrawn_then_relisted_and_approved_again_is_listed_anew(broker, admin, active):
    listing_id = active.listing_id
    for actor, action in ((broker, Action.WITHDRAW), (broker, Action.RELIST), (broker, Action.SUBMIT),
                          (admin, Action.APPROVE)):
        listing_act(actor=actor, listing_id=listing_id, action=action)
    assert [t for t, *_ in _types(listing_id)] == ["NewListing", "Withdrawn", "NewListing"]


def test_coming_soon_published_by_the_clock_is_dated_by_the_clock(broker, admin, system, pending):
    public_at = datetime.now(UTC) + timedelta(days=3)
    listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE_COMING_SOON, public_at=public_at)
    listing_act(actor=system, listing_id=pending.listing_id, action=Action.PUBLISH_DUE, at=public_at)
    items = listing_history(listing_id=pending.listing_id)
    assert [i.change_type for i in items] == ["NewListing", "Active"]
    assert items[-1].at == public_at


def test_broker_analytics_say_how_much_and_after_how_long(broker, other_broker, active):
    # given a listing cut from 4.5 to 4.14 crore (8%)
    _reprice(broker, active.listing_id, "4.14 crore")
    # when the broker's price moves are read
    moves = broker_price_moves(broker_id=broker.user_id)
    # then the listing's move is there, in words, and no other broker sees it
    assert moves[active.listing_id].words == "reduced 8% after 0 days"
    assert broker_price_moves(broker_id=other_broker.user_id) == {}


class _Item:
    def __init__(self, change_type, at, price):
        self.change_type, self.at, self.price = change_type, at, price


def test_price_move_counts_from_the_latest_listing_to_the_latest_change():
    listed = datetime(2026, 1, 1, tzinfo=UTC)
    items = [_Item("PriceChange", listed + timedelta(days=41), 46_000_000),
             _Item("NewListing", listed, 50_000_000),
             _Item("PriceChange", listed + timedelta(days=10), 48_000_000)]
    assert price_move(items).words == "reduced 8% after 41 days"
    assert price_move([_Item("NewListing", listed, 50_000_000),
                       _Item("PriceChange", listed + timedelta(days=1), 52_500_000)]).words == "raised 5% after 1 day"
    assert price_move([_Item("NewListing", listed, 50_000_000)]) is None
