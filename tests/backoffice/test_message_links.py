"""Messages link brokers to back-office pages that exist (a link is useless if it answers 404)."""

from __future__ import annotations

from django.urls import resolve

from marketplace.notifications import ADMIN_AGENCY_PAGE, AGENCY_PAGE, BROKER_LISTING_PAGE, VIEWINGS_PAGE


def test_the_pages_messages_link_brokers_to_are_the_back_office_pages_of_that_listing_and_agency():
    # Given the pages a message about a listing or an agency links its broker to
    listing = BROKER_LISTING_PAGE.format(listing_id="01JLISTING0000000000000000")

    # When the back office resolves them
    listing_page, agency_page = resolve(listing), resolve(AGENCY_PAGE)

    # Then they are the broker's own listing page (for that listing) and the agency page
    assert listing_page.url_name == "broker-listing"
    assert listing_page.kwargs == {"listing_id": "01JLISTING0000000000000000"}
    assert agency_page.url_name == "my-agency"


def test_the_page_messages_link_admins_to_is_that_agencys_page():
    agency_page = resolve(ADMIN_AGENCY_PAGE.format(agency_id="01JAGENCY00000000000000000"))
    assert agency_page.url_name == "agency" and agency_page.kwargs == {"agency_id": "01JAGENCY00000000000000000"}


def test_the_viewing_requests_page_messages_link_brokers_to_exists():
    assert resolve(VIEWINGS_PAGE).url_name == "viewings"
