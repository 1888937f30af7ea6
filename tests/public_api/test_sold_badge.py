"""Sold and let listings in search: cards and the detail carry a "Sold"/"Rented" badge with the closing date,
from the search index and from the DynamoDB path alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.config import reload_settings
from marketplace.lifecycle import Action, Status
from marketplace.search_index import writer
from marketplace.services import freshness
from public_api import search_index
from public_api.functions.search_index_writer import CARDS
from tests.public_api.conftest import get
from tests.public_api.test_search_index import _writer_takes_its_queue
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing


@pytest.fixture
def closed(lister):
    """A sold house and a let flat, closed just now."""
    sold = make_listing(lister, status=Status.ACTIVE, title="Sold family house")
    let = make_listing(lister, status=Status.ACTIVE, title="Let flat", purpose="rent", price="1.5 lakh",
                       property_type="apartment")
    return {name: listing_act(actor=lister, listing_id=listing.listing_id, action=Action.CLOSE)
            for name, listing in (("sold", sold), ("let", let))}


def _cards(api, path: str) -> dict[str, dict]:
    response = get(api, path)
    assert response.status_code == 200, response.text
    return {card["listing_id"]: card for card in response.json()["items"]}


def _badge(listing) -> dict:
    return {"label": {"sale": "Sold", "rent": "Rented"}[listing.purpose],
            "closed_at": listing.closed_at.isoformat().replace("+00:00", "Z")}


@pytest.mark.parametrize("indexed", [True, False], ids=["search index", "DynamoDB path"])
def test_cards_show_the_badge_with_the_closing_date(api, closed, reindex, indexed):
    if indexed:
        reindex()
    else:
        search_index.reset()

    page = get(api, "/v1/listings?limit=50").json()

    assert (page["total"] is not None) == indexed  # the DynamoDB path counts no total
    cards = {card["listing_id"]: card for card in page["items"]}

    for listing in closed.values():
        card = cards[listing.listing_id]
        assert card["status"] == "closed"
        assert _badge_of(card) == _badge(listing)


def _badge_of(card: dict) -> dict:
    closed = dict(card["closed"])
    closed["closed_at"] = closed["closed_at"].replace("+00:00", "Z")
    return closed


def test_the_detail_shows_the_badge_and_an_open_listing_has_none(api, closed, market):
    sold = get(api, f"/v1/listings/{closed['sold'].listing_id}").json()
    assert _badge_of(sold) == _badge(closed["sold"])
    assert get(api, f"/v1/listings/{market['public'].listing_id}").json()["closed"] is None


def test_once_its_days_are_over_it_is_gone_from_search_and_detail(api, closed, reindex, monkeypatch):
    # Given the index holds the sold listing, kept up by its writer from the search-index queue
    monkeypatch.setenv("SHIKHAR_SEARCH_PUBLISH_SECONDS", "0")
    reload_settings()
    reindex()
    assert closed["sold"].listing_id in _cards(api, "/v1/listings?limit=50")
    index_writer = writer.Writer(CARDS)

    # When the sweep takes it out of search (ListingLeftSearch) and the writer applies its queue
    freshness.sweep(at=datetime.now(UTC) + timedelta(days=31))
    _writer_takes_its_queue(index_writer)

    # Then search, the feed and its detail no longer have it

    assert closed["sold"].listing_id not in _cards(api, "/v1/listings?limit=50")
    assert closed["sold"].listing_id not in _cards(api, "/v1/feed?limit=50")
    assert get(api, f"/v1/listings/{closed['sold'].listing_id}").status_code == 404
