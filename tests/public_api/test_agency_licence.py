"""The listing detail shows the broker's agency (RESO Office) and its licence as it is now."""

from __future__ import annotations

from marketplace.services import agencies
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
