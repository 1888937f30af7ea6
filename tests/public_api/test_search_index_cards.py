"""The page a search answers from the index's stored presented cards (as the writer stores them, spliced into the
body) is the page the presenter's cards make when the resolver serialises them: covers, closed badges, coming-soon
dates ahead and passed, prices on request, premium and exclusive listings, in every visibility, with or without
a price in another currency; and so is the page made from listings (the DynamoDB path)."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from local.demo import listing_in_memory
from marketplace.config import reload_settings
from marketplace.entitlements import ANONYMOUS, Entitlements
from marketplace.exchange_rates import Conversion, Rate, RateSheet
from marketplace.lifecycle import Status
from marketplace.models import CoverImage, Listing
from marketplace.search_index import database, query
from marketplace.search_index.documents import IndexCard
from marketplace.search_index.query import IndexSearch
from public_api import card_pages, search_index
from public_api.functions.search_index_writer import CARDS
from public_api.presenters import card_of, converted, stored_card_schema
from public_api.schemas.listings import ListingPage

NOW = datetime.now(UTC)  # a closed listing stays in search for some days from now: the clock is real
INVESTOR = Entitlements(tier="investor", active=True, expires_at=NOW + timedelta(days=60))
COUNT = 60


def _varied(listing: Listing, index: int) -> Listing:
    """Each listing made different in what a card shows: a cover (with or without its placeholder), closed
    (sold or let), a coming-soon date already passed, a price on request, a confirmation."""
    if index % 2:
        listing.cover = CoverImage(media_id=f"media-{index}", placeholder="LKO2?U%2Tw=w" if index % 4 == 1 else None,
                                   dominant_color="#a0b0c0", variants={
                                       "w400_webp": {"key": f"public/{index}/w400.webp", "width": 400, "height": 300,
                                                     "format": "webp"},
                                       "w1200_jpeg": {"key": f"public/{index}/w1200.jpg", "width": 1200, "height": 900,
                                                      "format": "jpeg"}})
    if index % 7 == 3:
        listing.status, listing.closed_at = Status.CLOSED.value, NOW - timedelta(days=1, minutes=index)
    elif index % 11 == 5:
        listing.status, listing.public_at = Status.COMING_SOON.value, NOW - timedelta(hours=index)
    if index % 5 == 2:
        listing.price_on_request = True
    if index % 3 == 0 and listing.status == Status.ACTIVE.value:
        listing.last_confirmed_at = NOW - timedelta(days=index % 30)
    return listing


@pytest.fixture(scope="module")
def listings() -> list[Listing]:
    rng = random.Random(41)
    return [_varied(listing_in_memory(rng, index, moment=NOW), index) for index in range(COUNT)]


def _index(listings: list[Listing], **how):
    connection = database.empty()
    for listing in listings:
        database.put_listing(connection, listing, listing_id=listing.listing_id, **how)
    return query.prepare(database.analysed(connection))


def _every_page(connection, *, entitlements: Entitlements, at: datetime) -> list:
    items, cursor = [], None
    while True:
        page = query.search(connection, request=IndexSearch(sort="price_asc"), entitlements=entitlements, limit=25,
                            cursor=cursor, at=at)
        items += page.items
        cursor = page.cursor
        if cursor is None:
            return items


def _resolvers_page(listings: list[Listing], *, at: datetime, conversion: Conversion | None) -> dict:
    """The page as the route answered it before its body was spliced: the presenter's cards in a ``ListingPage``,
    dumped to JSON as the resolver dumps a returned model (no broker here has an agency)."""
    cards = [converted(card_of(listing, at=at), conversion) for listing in listings]
    page = ListingPage(items=cards, next_cursor=None, total=len(cards), facets={"bedrooms": {"3": 1}})
    return json.loads(json.dumps(page.model_dump(mode="json", by_alias=True)))


def test_pages_from_stored_presented_cards_are_the_presenters_pages(table, listings):
    # given the index as the writer builds it (each card presented when written) and one without presented cards
    presented, plain = _index(listings, present=CARDS.present), _index(listings)
    kinds = {"closed": Status.CLOSED.value, "coming soon": Status.COMING_SOON.value}
    assert {name for name, status in kinds.items() if any(item.status == status for item in listings)} == set(kinds)
    conversion = Conversion(currency="USD", sheet=RateSheet(rate_date=date(2026, 11, 30), published_on="2026-11-30", rates={
        "USD": Rate(unit=1, buy=Decimal("141.5"), sell=Decimal("142.1"))}))
    # when every page is read from each, by anyone and by an investor, while the coming-soon dates are still ahead
    # and after they passed, and answered as the route answers (with a price in another currency too)
    for entitlements in (ANONYMOUS, INVESTOR):
        for at in (NOW, NOW + timedelta(days=30)):
            stored, reference = (_every_page(c, entitlements=entitlements, at=at) for c in (presented, plain))
            assert stored and all(isinstance(item, IndexCard) for item in stored)
            assert not any(isinstance(item, IndexCard) for item in reference)
            for rate in (None, conversion):
                expected = _resolvers_page(reference, at=at, conversion=rate)
                for items in (stored, reference):
                    search_index.reset()
                    body = card_pages.page_json(items, cursor=None, total=len(items), facets={"bedrooms": {"3": 1}},
                                                at=at, conversion=rate)
                    # then the page, its cards' order and every field of every card are the same
                    assert json.loads(body) == expected
                    assert ListingPage.model_validate_json(body).model_dump(mode="json") == expected
    # and the pages held what the cards differ in
    shown = json.loads(card_pages.page_json(_every_page(presented, entitlements=INVESTOR, at=NOW), cursor=None,
                                            total=None, at=NOW, conversion=conversion))["items"]
    assert any(card["cover"] and card["cover"]["variants"] for card in shown) and any(card["cover"] is None for card in shown)
    assert any(card["closed"] for card in shown) and any(card["price"]["on_request"] for card in shown)
    assert any(card["coming_soon_until"] for card in shown) and any(card["premium"] for card in shown)
    assert any(card["price"]["approx"] for card in shown)


@pytest.fixture
def media_domain(monkeypatch):
    """Sets the public media URL the cards' covers are built from, as a deployment would; restored after."""
    def moved_to(url: str) -> None:
        monkeypatch.setenv("SHIKHAR_PUBLIC_MEDIA_URL", url)
        reload_settings()
        stored_card_schema.cache_clear()
    yield moved_to
    monkeypatch.undo()
    reload_settings()
    stored_card_schema.cache_clear()


def test_the_stored_cards_fingerprint_changes_with_what_the_cards_say(media_domain):
    # given the fingerprint of the cards as presented now
    original, before = os.environ["SHIKHAR_PUBLIC_MEDIA_URL"], stored_card_schema()
    # when a deployment moves the public media to another domain (the covers' URLs change, not the card's shape)
    media_domain("https://media.shikhar.example/media")
    # then the fingerprint differs, so an index of the old cards is not read and is rebuilt
    assert stored_card_schema() != before
    # and it is the same again for the same cards
    media_domain(original)
    assert stored_card_schema() == before
