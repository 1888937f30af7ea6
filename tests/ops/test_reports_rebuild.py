"""``python -m ops reports rebuild``: the daily report figures recomputed from what the table holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.models import DailyReport, DailyViewStat, OwnerDailyViews, ReportScope, ViewsOwner
from marketplace.services import daily_reports, engagement
from marketplace.services.listings import listing_create
from ops.cli import main
from tests.shared.listings import COMPLETE_HOUSE
from tests.shared.people import BROKER


def test_rebuild_backfills_figures_for_data_written_before_they_existed(seeded, capsys):
    # Given favorites and inquiries (seeded an hour ago) and views counted per listing on two days, with
    # no daily figures yet
    today = datetime.now(UTC).date()
    for back, views in ((0, 4), (3, 6)):
        stat = DailyViewStat(listing_id="listing-1", day=(today - timedelta(days=back)).isoformat(),
                             neighborhood="sanepa", views=views)
        stat.derive_keys()
        stat.save()
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).date().isoformat()

    # When the command runs, first as a dry run
    dry = main(["reports", "rebuild", "--dry-run"])
    dry_output = capsys.readouterr().out
    after_dry_run = list(DailyReport.scan())
    code = main(["reports", "rebuild"])

    # Then the dry run wrote nothing, and the rebuild wrote a views item per day and a favorites and an
    # inquiries item for the day they were made
    assert (dry, code) == (0, 0)
    assert after_dry_run == []
    written = {(d.scope, d.day): d for d in DailyReport.scan()}
    assert "would write 4 daily report items" in dry_output and "wrote 4 daily report items" in capsys.readouterr().out
    assert written[(ReportScope.VIEWS.value, today.isoformat())].counts("listings") == {"listing-1": 4}
    assert written[(ReportScope.VIEWS.value, (today - timedelta(days=3)).isoformat())].counts("neighbourhoods") \
        == {"sanepa": 6}
    assert sum(written[(ReportScope.FAVORITES.value, hour_ago)].counts("listings").values()) == 24
    assert sum(written[(ReportScope.INQUIRIES.value, hour_ago)].counts("listings").values()) == 6


def test_rebuilding_twice_changes_nothing(seeded):
    main(["reports", "rebuild"])
    first = sorted((d.pk, d.sk, str(d.counts("listings"))) for d in DailyReport.scan())

    main(["reports", "rebuild"])

    assert sorted((d.pk, d.sk, str(d.counts("listings"))) for d in DailyReport.scan()) == first


def test_owners_backfill_gives_each_broker_their_views_per_day(table, capsys):
    # Given a broker's listing viewed on two days, rolled up before brokers' own figures were kept
    listing = listing_create(actor=BROKER, fields=COMPLETE_HOUSE)
    today = datetime.now(UTC).date()
    days = [today.isoformat(), (today - timedelta(days=9)).isoformat()]
    for day in days:
        engagement.listing_record_view(listing_id=listing.listing_id, day=day)
    daily_reports.roll_up_views(days=days)
    for item in OwnerDailyViews.scan():
        item.delete()

    # When the command runs, first as a dry run
    dry = main(["reports", "owners-backfill", "--dry-run"])
    dry_output = capsys.readouterr().out
    after_dry_run = list(OwnerDailyViews.scan())
    code = main(["reports", "owners-backfill"])
    again = main(["reports", "owners-backfill"])  # safe to run again: each day is replaced whole

    # Then the dry run wrote nothing, and the backfill wrote the broker's two days
    assert (dry, code, again, after_dry_run) == (0, 0, 0, [])
    assert "would write 2 broker and seller daily views items" in dry_output
    assert "wrote 2 broker and seller daily views items" in capsys.readouterr().out
    broker_days = OwnerDailyViews.window(ViewsOwner.BROKER, BROKER.user_id, since=days[1], until=days[0])
    assert [(d.day, d.counts()) for d in broker_days] == [(day, {listing.listing_id: 1}) for day in reversed(days)]
