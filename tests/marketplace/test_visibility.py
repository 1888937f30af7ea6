"""Who sees which listing: the pure rules (``entitlements_of``, ``can_see``, ``search_plan``, the
search's visibility condition), and a property that ``can_see`` and the search Query's visibility filter
agree on any listing and any entitlements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marketplace import db
from marketplace.entitlements import ANONYMOUS, Entitlements, can_see, entitlements_of
from marketplace.errors import ValidationError
from marketplace.ids import new_id
from marketplace.lifecycle import Status
from marketplace.models import Listing
from marketplace.selectors.search import ListingFilters, search_plan, visibility_condition

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
PREMIUM = Entitlements(tier="premium", expires_at=AT + DAY, active=True)
INVESTOR = Entitlements(tier="investor", expires_at=AT + DAY, active=True)


@dataclass
class Term:
    """What ``entitlements_of`` reads of a subscription."""

    tier: str
    starts_at: datetime | None
    expires_at: datetime | None


def card(status: Status = Status.ACTIVE, *, exclusive: bool = False, public_at: datetime | None = None,
         closed_at: datetime | None = None) -> Listing:
    return Listing(listing_id=new_id(), title="House", property_type="house", neighborhood="sanepa",
                   broker_id="broker-1", status=status.value, exclusive=exclusive, public_at=public_at,
                   closed_at=closed_at)


# ---- entitlements_of ---------------------------------------------------------------------------------

@pytest.mark.parametrize("subscription", [None, Term("free", None, AT + DAY)])
def test_no_paid_subscription_entitles_to_nothing(subscription):
    assert entitlements_of(subscription, at=AT) == ANONYMOUS


def test_a_current_premium_term_gives_early_access_and_premium_media_but_not_exclusives():
    given = entitlements_of(Term("premium", AT - DAY, AT + DAY), at=AT)
    assert (given.active, given.early_access, given.premium_media, given.exclusive_access) == (True, True, True, False)


def test_a_current_investor_term_gives_everything():
    given = entitlements_of(Term("investor", None, AT + DAY), at=AT)
    assert (given.early_access, given.premium_media, given.exclusive_access) == (True, True, True)


@pytest.mark.parametrize(("starts_at", "expires_at"), [
    (AT - 2 * DAY, AT - DAY),  # over
    (AT - DAY, AT),  # ends this very second
    (AT + DAY, AT + 2 * DAY),  # not begun
    (None, None),  # no end date: never granted properly
])
def test_a_term_outside_its_dates_entitles_to_nothing(starts_at, expires_at):
    given = entitlements_of(Term("investor", starts_at, expires_at), at=AT)
    assert not (given.active or given.early_access or given.premium_media or given.exclusive_access)
    assert given.as_dict()["tier"] == "free"


# ---- can_see ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", sorted(set(Status) - {Status.ACTIVE, Status.COMING_SOON, Status.UNDER_CONTRACT}))
def test_nobody_sees_a_listing_that_is_not_listed(status):
    assert not can_see(card(status), INVESTOR, at=AT)


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.UNDER_CONTRACT])
def test_everyone_sees_an_ordinary_listed_listing(status):
    assert can_see(card(status), ANONYMOUS, at=AT)


def test_only_investors_see_an_exclusive_listing():
    exclusive = card(exclusive=True)
    assert [can_see(exclusive, e, at=AT) for e in (ANONYMOUS, PREMIUM, INVESTOR)] == [False, False, True]


@pytest.mark.parametrize(("public_at", "seen_by_everyone"), [
    (AT + timedelta(minutes=1), False), (None, False), (AT, True), (AT - DAY, True)])
def test_coming_soon_is_early_access_until_its_public_date(public_at, seen_by_everyone):
    listing = card(Status.COMING_SOON, public_at=public_at)
    assert can_see(listing, ANONYMOUS, at=AT) is seen_by_everyone
    assert can_see(listing, PREMIUM, at=AT)


# ---- search_plan ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sort", "forward"), [("price_asc", True), ("price_desc", False)])
def test_price_order_reads_the_neighbourhoods_market_by_price(sort, forward):
    plan = search_plan(ListingFilters(neighborhoods=("sanepa",), sort=sort, min_price=100, max_price=900))
    assert (plan.pattern, plan.neighborhood, plan.forward, plan.price_range) == (
        Listing.in_market, "sanepa", forward, (100, 900))


def test_one_neighbourhood_with_a_price_bound_reads_its_market_when_no_order_is_asked():
    plan = search_plan(ListingFilters(neighborhoods=("sanepa", "sanepa"), max_price=900))
    assert (plan.pattern, plan.neighborhood, plan.price_range) == (Listing.in_market, "sanepa", (None, 900))


def test_premium_only_reads_latest_premium_and_anything_else_the_feed_newest_first():
    premium = search_plan(ListingFilters(premium=True, neighborhoods=("sanepa", "bhaisepati")))
    anything = search_plan(ListingFilters(neighborhoods=("sanepa", "bhaisepati"), min_price=100))
    assert (premium.pattern, premium.forward, premium.neighborhood_filter) == (
        Listing.latest_premium, False, ("sanepa", "bhaisepati"))
    assert (anything.pattern, anything.forward, anything.neighborhood_filter) == (
        Listing.feed, False, ("sanepa", "bhaisepati"))


def test_a_cursor_scope_names_the_partition_and_the_order():
    scopes = {search_plan(f).scope for f in (
        ListingFilters(neighborhoods=("sanepa",), sort="price_asc"),
        ListingFilters(neighborhoods=("sanepa",), sort="price_desc"),
        ListingFilters(neighborhoods=("bhaisepati",), sort="price_asc"),
        ListingFilters(premium=True), ListingFilters())}
    assert len(scopes) == 5
    assert search_plan(ListingFilters(sort="newest")).scope == search_plan(ListingFilters(facing="S")).scope


@pytest.mark.parametrize(("filters", "field"), [
    (ListingFilters(sort="price_asc"), "sort"),
    (ListingFilters(neighborhoods=("sanepa", "bhaisepati"), sort="price_desc"), "sort"),
    (ListingFilters(sort="cheapest"), "sort"),
    (ListingFilters(neighborhoods=("atlantis",)), "neighborhood"),
    (ListingFilters(min_price=900, max_price=100), "max_price"),
    (ListingFilters(radius_km=2.0), "radius_km"),
    (ListingFilters(near=(27.7, 85.3), radius_km=0), "radius_km"),
])
def test_filters_that_no_plan_serves_name_their_field(filters, field):
    with pytest.raises(ValidationError) as refused:
        search_plan(filters)
    assert refused.value.field == field


# ---- the visibility condition -----------------------------------------------------------------------

def _attributes_read(condition) -> set[str]:
    names: dict = {}
    condition.serialize(names, {})
    return set(names)


def test_the_visibility_condition_filters_what_the_entitlements_do_not_grant():
    # Everyone: a sold or let listing whose days in search are over (before the sweep takes it out).
    closed = {"status", "closed_at"}
    assert _attributes_read(visibility_condition(ANONYMOUS, at=AT)) == {"exclusive", "public_at", *closed}
    assert _attributes_read(visibility_condition(PREMIUM, at=AT)) == {"exclusive", *closed}
    assert _attributes_read(visibility_condition(INVESTOR, at=AT)) == closed


# ---- can_see and the Query agree --------------------------------------------------------------------

entitlements = st.builds(Entitlements, tier=st.sampled_from(["free", "premium", "investor"]),
                         expires_at=st.just(AT + DAY), active=st.booleans())
# Listed statuses most of the time (the others never reach the feed); public dates around the moment of
# the search, that very microsecond included.
statuses = st.one_of(st.sampled_from([Status.ACTIVE, Status.COMING_SOON, Status.UNDER_CONTRACT]),
                     st.sampled_from(list(Status)))
public_dates = st.one_of(st.none(), st.sampled_from([-DAY, -timedelta(microseconds=1), timedelta(0),
                                                      timedelta(microseconds=1), DAY]).map(lambda offset: AT + offset))
# Closing dates around the end of a sold listing's days in search (the default 30), that microsecond included.
SHOWN = timedelta(days=30)
closing_dates = st.one_of(st.none(), st.sampled_from([-SHOWN - DAY, -SHOWN - timedelta(microseconds=1), -SHOWN,
                                                      -SHOWN + timedelta(microseconds=1), -DAY])
                          .map(lambda offset: AT + offset))
listings = st.builds(card, status=statuses, exclusive=st.booleans(), public_at=public_dates, closed_at=closing_dates)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(listings, min_size=1, max_size=8), who=entitlements)
@example(batch=[card(Status.COMING_SOON, public_at=AT), card(Status.COMING_SOON, public_at=AT + DAY)], who=ANONYMOUS)
@example(batch=[card(exclusive=True), card(Status.COMING_SOON, public_at=AT + DAY)], who=PREMIUM)
@example(batch=[card(Status.CLOSED, closed_at=AT - SHOWN), card(Status.CLOSED, closed_at=AT - SHOWN + DAY),
                card(Status.CLOSED)], who=ANONYMOUS)
def test_can_see_and_the_searchs_visibility_filter_agree(table, batch, who):
    # Given listings stored as the services store them (only listed ones reach the feed)
    for listing in batch:
        db.save(listing)
    ids = [listing.listing_id for listing in batch]

    # When the feed is queried with the visibility filter for these entitlements
    mine = Listing.listing_id.is_in(*ids)
    visible = visibility_condition(who, at=AT)
    found = {card.listing_id for card in Listing.feed(filter_condition=mine if visible is None else visible & mine)}

    # Then it returns exactly the listings can_see lets this person see
    assert found == {listing.listing_id for listing in batch if can_see(listing, who, at=AT)}
