"""The listing detail shows the broker's agency (RESO Office) and its licence as it is now."""

from __future__ import annotations

from datetime import datetime

import pytest

from marketplace.selectors.listings import listing_get
from marketplace.services import agencies
from public_api import search_index
from tests.public_api.conftest import get
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.people import ADMIN


def test_the_detail_shows_the_agencys_licence_as_it_is_now(api, market, lister):
    # Given the lister moves to an agency whose licence ended yesterday
    lapsed = licensed_agency(name="Lapsed Realty", expires_on=valid_until(-1))
    agencies.broker_agency_set(actor=ADMIN, broker_id=lister.user_id, agency_id=lapsed.agency_id)

    # When a buyer opens one of their listings
    detail = get(api, f"/v1/listings/{market['public'].listing_id}").json()

    # Then the broker's agency shows with its expired licence
    assert detail["broker"]["agency"] == {
        "agency_id": lapsed.agency_id, "name": "Lapsed Realty", "licence_number": lapsed.licence_number,
        "licence_status": "expired", "licence_valid_until": lapsed.licence_expires_on}


def test_a_broker_without_an_agency_shows_none(api, market, lister):
    agencies.broker_agency_set(actor=ADMIN, broker_id=lister.user_id, agency_id=None)
    detail = get(api, f"/v1/listings/{market['public'].listing_id}").json()
    assert detail["broker"]["agency"] is None


@pytest.mark.parametrize("path", ["/v1/listings?limit=50", "/v1/feed?limit=50"])
@pytest.mark.parametrize("indexed", [True, False], ids=["search index", "DynamoDB path"])
def test_cards_show_the_agency_its_licence_and_the_last_confirmation(api, market, lister, reindex, path, indexed):
    # Given the lister's agency, whose licence ends in ten days
    ending = licensed_agency(name="Ending Realty", expires_on=valid_until(10))
    agencies.broker_agency_set(actor=ADMIN, broker_id=lister.user_id, agency_id=ending.agency_id)
    if indexed:
        reindex()
    else:
        search_index.reset()

    # When a buyer searches (or reads the feed)
    cards = {card["listing_id"]: card for card in get(api, path).json()["items"]}

    # Then each card names the agency, its licence state and when the broker last confirmed the listing
    card = cards[market["public"].listing_id]
    assert card["agency"] == {
        "agency_id": ending.agency_id, "name": "Ending Realty", "licence_number": ending.licence_number,
        "licence_status": "expiring", "licence_valid_until": ending.licence_expires_on}
    stored = listing_get(listing_id=market["public"].listing_id)
    assert datetime.fromisoformat(card["last_confirmed_at"]) == stored.last_confirmed_at


def test_a_card_of_a_broker_without_an_agency_shows_none(api, market, lister, reindex):
    agencies.broker_agency_set(actor=ADMIN, broker_id=lister.user_id, agency_id=None)
    reindex()
    cards = {card["listing_id"]: card for card in get(api, "/v1/listings?limit=50").json()["items"]}
    assert cards[market["public"].listing_id]["agency"] is None
