"""The listing detail shows the broker's agency (RESO Office) and its licence as it is now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.lifecycle import Action, Status
from marketplace.selectors.listings import listing_get
from marketplace.services import agencies
from public_api import search_index
from tests.public_api.conftest import get
from tests.shared.agencies import licensed_agency, valid_until
from tests.shared.lifecycle import listing_act
from tests.shared.listings import make_listing
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


def _coming_soon_past_its_date(lister, **fields):
    """Approved as coming soon two days ago, while the licence was valid; its public date came two minutes
    ago and the clock has not run since."""
    now = datetime.now(UTC)
    listing = make_listing(lister, status=Status.PENDING_REVIEW, neighborhood="sanepa", **fields)
    return listing_act(actor=ADMIN, listing_id=listing.listing_id, action=Action.APPROVE_COMING_SOON,
                       public_at=now - timedelta(minutes=2), at=now - timedelta(days=2))


def test_a_coming_soon_listing_whose_licence_ended_by_the_calendar_is_not_shown_before_the_clock_holds_it(
        api, lister):
    # Given the lister's agency, whose licence ended yesterday (no event: the calendar passed its date), and
    # two of their coming-soon listings past their date: one above the threshold, one below it
    lapsed = licensed_agency(name="Lapsed Realty", expires_on=valid_until(-1))
    agencies.broker_agency_set(actor=ADMIN, broker_id=lister.user_id, agency_id=lapsed.agency_id)
    above = _coming_soon_past_its_date(lister, price="6 crore")
    below = _coming_soon_past_its_date(lister, price="2 crore")

    # When a buyer opens them before the clock's next tick
    # Then the one the licensed-deal rule holds is not found, as once the clock withdraws it; the other shows
    assert get(api, f"/v1/listings/{above.listing_id}").status_code == 404
    assert get(api, f"/v1/listings/{below.listing_id}").status_code == 200
    assert listing_get(listing_id=above.listing_id, consistent=True).status == Status.COMING_SOON
