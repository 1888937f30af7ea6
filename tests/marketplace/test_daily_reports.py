"""Daily report figures: kept by the view counter and the daily-reports consumer, counted once per event,
rebuilt from the table, and read by the reports in a fixed number of calls whatever the window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from marketplace import scheduler
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import ANONYMOUS
from marketplace.events import Queue
from marketplace.lifecycle import Action
from marketplace.models import DailyReport, Decision, OwnerDailyViews, ReportScope, ViewsOwner
from marketplace.selectors import reports
from marketplace.services import daily_reports, engagement
from marketplace.services import listings as listing_services
from marketplace.services.people import seller_create
from tests.shared.daily_reports import deliver_daily_reports
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit

TODAY = datetime.now(UTC).date()


def _rows(slug: str, window: reports.Window) -> list[tuple]:
    return reports.REPORTS[slug].rows(window, None)


def _approved(broker, admin, **fields):
    listing = listing_services.listing_create(actor=broker, fields={**COMPLETE_HOUSE, **fields})
    submit(broker, listing.listing_id)
    return listing_act(actor=admin, listing_id=listing.listing_id, action=Action.APPROVE)


def test_views_reach_the_days_figures_when_the_clock_rolls_them_up(table, broker, admin):
    # Given a listing viewed three times yesterday and once today
    listing = _approved(broker, admin)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    for _ in range(3):
        engagement.listing_record_view(listing_id=listing.listing_id, neighborhood="budhanilkantha", day=yesterday)
    engagement.listing_record_view(listing_id=listing.listing_id, neighborhood="budhanilkantha")
    before = _rows("views-per-day", reports.Window.last(7, today=TODAY))

    # When the clock ticks and the reports read the last week
    scheduler.tick()
    window = reports.Window.last(7, today=TODAY)

    # Then views per day, per listing (by title) and per neighbourhood say so (and did not before the tick)
    assert sum(n for _, n in before) == 0
    assert _rows("views-per-day", window)[-2:] == [(TODAY - timedelta(days=1), 3), (TODAY, 1)]
    assert _rows("views-per-listing", window) == [(listing.title, listing.listing_id, 4)]
    demand = {row[0]: row for row in _rows("demand", window)}
    assert demand["Budhanilkantha"][1:3] == (1, 4)


def test_a_views_day_holds_its_counts_per_listing_in_one_string_and_days_kept_as_maps_still_count(
        table, broker, admin):
    # Given a listing viewed today, and a day rolled up when the counts per listing were a map
    listing = _approved(broker, admin)
    older = (TODAY - timedelta(days=2)).isoformat()
    for kept in (DailyReport(scope=ReportScope.VIEWS.value, day=older, listings={listing.listing_id: 5},
                             neighbourhoods={"budhanilkantha": 5}, total=5),
                 OwnerDailyViews(owner=ViewsOwner.BROKER.value, owner_id=broker.user_id, day=older,
                                 listings={listing.listing_id: 5}, total=5)):
        kept.derive_keys()
        kept.save()
    engagement.listing_record_view(listing_id=listing.listing_id, neighborhood="budhanilkantha")

    # When the clock rolls today up
    scheduler.tick()

    # Then today's items hold the listing's views as one string value, not a map of typed values
    table_name = settings().table_name
    for pk, sk in (DailyReport.key(ReportScope.VIEWS, TODAY.isoformat()),
                   OwnerDailyViews.key(ViewsOwner.BROKER, broker.user_id, TODAY.isoformat())):
        raw = client("dynamodb").get_item(TableName=table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"]
        assert raw["listing_views"] == {"S": f"{listing.listing_id} 1"}
    # and the week's figures add both days up, whichever way each is kept
    window = reports.Window.last(7, today=TODAY)
    assert _rows("views-per-listing", window) == [(listing.title, listing.listing_id, 6)]
    seen = reports.owner_views(owner=ViewsOwner.BROKER, owner_id=broker.user_id, since=window.since, until=TODAY)
    assert seen.per_listing == {listing.listing_id: 6}


def test_a_redelivered_event_is_counted_once(table):
    # Given a favorite's event, delivered twice (at-least-once delivery)
    detail = {"event_id": "01JEVENT", "occurred_at": f"{TODAY.isoformat()}T10:00:00.000000Z",
              "data": {"listing_id": "l1", "neighborhood": "sanepa"}}

    # When the consumer sees it both times
    first = daily_reports.record_event(detail_type="FavoriteAdded", detail=detail)
    again = daily_reports.record_event(detail_type="FavoriteAdded", detail=json.loads(json.dumps(detail)))

    # Then it counted once
    assert (first, again) == (True, False)
    day = DailyReport.get(*DailyReport.key(ReportScope.FAVORITES, TODAY.isoformat()))
    assert (day.counts("listings"), day.counts("neighbourhoods")) == ({"l1": 1}, {"sanepa": 1})


def test_decisions_favorites_and_inquiries_reach_the_reports_through_their_queue(platform, broker, admin,
                                                                                          buyer):
    # Given a listing approved, then favorited and asked about by a buyer
    listing = _approved(broker, admin)
    engagement.favorite_add(actor=buyer, listing_id=listing.listing_id, entitlements=ANONYMOUS)
    engagement.inquiry_create(actor=buyer, listing_id=listing.listing_id, entitlements=ANONYMOUS,
                              idempotency_key=None, name="Priya", phone="+977 9812345678", email="p@example.np",
                              message="Is the price negotiable?", preferred_contact_time="")

    # When the daily-reports queue's consumer has handled the events
    deliver_daily_reports(platform.queues[Queue.DAILY_REPORTS])
    window = reports.Window.last(30, today=TODAY)

    # Then the turnaround names the listing and the admin, and demand counts the favorite and the inquiry
    (turnaround,) = _rows("turnaround", window)
    assert turnaround[:4] == (listing.title, listing.listing_id, "approve", admin.email)
    assert turnaround[6] is not None and turnaround[6] >= 0
    demand = {row[0]: row for row in _rows("demand", window)}
    assert demand["Budhanilkantha"][3:5] == (1, 1)
    brokers = _rows("brokers", window)
    assert [(b[3], b[4], b[7]) for b in brokers] == [(1, 1, 100.0)]


def test_a_decision_joins_its_day_as_one_string_beside_decisions_kept_as_maps(platform, broker, admin):
    # Given today's decisions item as it was kept before, with one earlier decision as a map
    earlier = Decision(listing_id="listing-0", title="Older villa", broker_id=broker.user_id, decision="reject",
                       by=admin.email, submitted_at=datetime.now(UTC) - timedelta(hours=3),
                       decided_at=datetime.now(UTC) - timedelta(hours=2))
    kept = DailyReport(scope=ReportScope.DECISIONS.value, day=TODAY.isoformat(), decisions=[earlier])
    kept.derive_keys()
    kept.save()

    # When a listing is approved and the daily-reports consumer handles the event
    listing = _approved(broker, admin)
    deliver_daily_reports(platform.queues[Queue.DAILY_REPORTS])

    # Then the approval is one string on the day's item (not a map of typed values)
    pk, sk = DailyReport.key(ReportScope.DECISIONS, TODAY.isoformat())
    raw = client("dynamodb").get_item(TableName=settings().table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"]
    (line,) = raw["decision_lines"]["L"]
    assert list(line) == ["S"] and listing.listing_id in line["S"]
    # and the reports read both decisions, whole
    turnaround = _rows("turnaround", reports.Window.last(7, today=TODAY))
    assert [row[:4] for row in turnaround] == [(listing.title, listing.listing_id, "approve", admin.email),
                                               ("Older villa", "listing-0", "reject", admin.email)]
    assert turnaround[1][4] == earlier.submitted_at and turnaround[0][6] >= 0


def test_rebuild_recomputes_the_figures_from_the_table(platform, broker, admin, buyer):
    # Given figures kept as things happened
    listing = _approved(broker, admin)
    engagement.listing_record_view(listing_id=listing.listing_id, neighborhood="budhanilkantha")
    engagement.favorite_add(actor=buyer, listing_id=listing.listing_id, entitlements=ANONYMOUS)
    deliver_daily_reports(platform.queues[Queue.DAILY_REPORTS])
    scheduler.tick()
    kept = {slug: _rows(slug, reports.Window.last(30, today=TODAY)) for slug in reports.REPORTS}
    kept_broker = _owner_days(ViewsOwner.BROKER, broker.user_id)

    # When every figure is deleted and rebuilt from the table
    for item in [*DailyReport.scan(), *OwnerDailyViews.scan()]:
        item.delete()
    written = daily_reports.rebuild()
    window = reports.Window.last(30, today=TODAY)

    # Then the reports and the broker's views say the same (a decision's moment is the audit entry's,
    # microseconds from its event's)
    assert written == 3  # views, favorites, decisions of today
    assert _owner_days(ViewsOwner.BROKER, broker.user_id) == kept_broker == {TODAY.isoformat(): {listing.listing_id: 1}}
    rebuilt = {slug: _rows(slug, window) for slug in reports.REPORTS}
    (kept_decision,), (rebuilt_decision,) = kept.pop("turnaround"), rebuilt.pop("turnaround")
    assert rebuilt == kept
    assert rebuilt_decision[:4] == kept_decision[:4]
    assert all(abs(rebuilt_decision[n] - kept_decision[n]) < timedelta(seconds=1) for n in (4, 5))


def test_a_report_page_costs_the_same_calls_for_a_week_and_a_year(table, broker, admin, dynamodb_calls):
    # Given views on some days of the past year
    listing = _approved(broker, admin)
    days = [(TODAY - timedelta(days=back)).isoformat() for back in (0, 5, 40, 200, 360)]
    for day in days:
        engagement.listing_record_view(listing_id=listing.listing_id, neighborhood="budhanilkantha", day=day)
    daily_reports.roll_up_views(days=days)

    def calls(days: int) -> dict[str, int]:
        dynamodb_calls.reset()
        window = reports.Window.last(days, today=TODAY)
        for report in reports.REPORTS.values():
            report.rows(window, report.shown)
        return dynamodb_calls.count()

    # When every report is computed for a week and for a year
    week, year = calls(7), calls(365)

    # Then the calls are the same: one Query per scope, one for what is listed now, the broker directory,
    # one BatchGet for the titles
    assert week == year
    assert year == {"Query": 4 + 1 + 1, "BatchGetItem": 1}
    assert sum(n for _, n in _rows("views-per-day", reports.Window.last(365, today=TODAY))) == 5


# -- each broker's and seller's share of the day's views ---------------------------------------------------

def _owner_days(owner: ViewsOwner, owner_id: str) -> dict[str, dict[str, int]]:
    since = TODAY - timedelta(days=29)
    return {day.day: day.counts() for day in OwnerDailyViews.window(owner, owner_id, since=since.isoformat(),
                                                                      until=TODAY.isoformat())}


def test_the_roll_up_keeps_each_brokers_and_sellers_views_per_day(table, broker, other_broker):
    # Given a listing of a seller's and another broker's listing, viewed yesterday and today
    seller = seller_create(actor=broker, name="Kiran Joshi", seller_id="seller-sub-1")
    sold_for = listing_services.listing_create(actor=broker, fields={**COMPLETE_HOUSE, "seller_id": seller.seller_id})
    other = listing_services.listing_create(actor=other_broker, fields=COMPLETE_HOUSE)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    for listing_id, day, times in ((sold_for.listing_id, yesterday, 3), (sold_for.listing_id, None, 1),
                                   (other.listing_id, None, 2)):
        for _ in range(times):
            engagement.listing_record_view(listing_id=listing_id, neighborhood="budhanilkantha", day=day)

    # When the clock ticks, twice (a retried tick)
    scheduler.tick()
    once = {o: _owner_days(*o) for o in ((ViewsOwner.BROKER, broker.user_id), (ViewsOwner.SELLER, seller.seller_id),
                                         (ViewsOwner.BROKER, other_broker.user_id))}
    scheduler.tick()

    # Then each owner has their listings' views per day, counted once
    assert once[(ViewsOwner.BROKER, broker.user_id)] == {yesterday: {sold_for.listing_id: 3},
                                                          TODAY.isoformat(): {sold_for.listing_id: 1}}
    assert once[(ViewsOwner.SELLER, seller.seller_id)] == once[(ViewsOwner.BROKER, broker.user_id)]
    assert once[(ViewsOwner.BROKER, other_broker.user_id)] == {TODAY.isoformat(): {other.listing_id: 2}}
    assert {o: _owner_days(*o) for o in once} == once
    seen = reports.owner_views(owner=ViewsOwner.BROKER, owner_id=broker.user_id, since=TODAY - timedelta(days=6),
                               until=TODAY)
    assert (seen.total, seen.per_listing, len(seen.per_day)) == (4, {sold_for.listing_id: 4}, 7)


def test_a_listing_given_to_another_seller_leaves_the_first_sellers_day(table, broker):
    # Given a listing of one seller, viewed today and rolled up
    first = seller_create(actor=broker, name="Kiran Joshi", seller_id="seller-sub-1")
    second = seller_create(actor=broker, name="Sita Rai", seller_id="seller-sub-2")
    listing = listing_services.listing_create(actor=broker, fields={**COMPLETE_HOUSE, "seller_id": first.seller_id})
    engagement.listing_record_view(listing_id=listing.listing_id)
    scheduler.tick()
    before = _owner_days(ViewsOwner.SELLER, first.seller_id)

    # When the broker records that it is the other seller's, and the clock ticks
    listing_services.listing_update(actor=broker, listing_id=listing.listing_id, fields={"seller_id": second.seller_id},
                                    expected_version=listing.version)
    scheduler.tick()

    # Then today's views are the second seller's only
    assert before == {TODAY.isoformat(): {listing.listing_id: 1}}
    assert _owner_days(ViewsOwner.SELLER, first.seller_id) == {}
    assert _owner_days(ViewsOwner.SELLER, second.seller_id) == {TODAY.isoformat(): {listing.listing_id: 1}}

