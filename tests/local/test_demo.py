from local import demo
from marketplace.lifecycle import Status
from marketplace.models import DailyViewStat, Favorite
from marketplace.selectors.listings import listings_by_status
from marketplace.selectors.people import entitlements_for, users_search


def test_a_small_demo_shows_every_state_and_seeding_again_adds_nothing(platform):
    logins = demo.seed(resources=platform, listing_count=12)

    counts = {s.value: len(listings_by_status(status=s, limit=100).items) for s in Status}
    assert all(counts[s.value] >= 1 for s in Status)
    assert sum(counts.values()) == 12
    emails = {p.email for p in users_search(limit=50).items}
    assert {"admin@demo.shikhar.np", "broker@demo.shikhar.np", "buyer@demo.shikhar.np",
            "investor@demo.shikhar.np"} <= emails
    investor = next(p for p in users_search(email_prefix="investor@").items)
    assert entitlements_for(user_id=investor.user_id).exclusive_access
    buyer = next(p for p in users_search(email_prefix="buyer@").items)
    assert not entitlements_for(user_id=buyer.user_id).active
    assert len(list(Favorite.query(f"USER#{buyer.user_id}"))) >= 1
    assert logins.password == demo.DEFAULT_PASSWORD
    assert ("admin@demo.shikhar.np", demo.PEOPLE[0].role) in logins.accounts

    demo.seed(resources=platform, listing_count=12)
    assert {s.value: len(listings_by_status(status=s, limit=100).items) for s in Status} == counts


def test_view_stats_cover_the_last_weeks(platform):
    demo.seed(resources=platform, listing_count=10)
    active = listings_by_status(status=Status.ACTIVE).items[0]
    days = list(DailyViewStat.query(active.pk, DailyViewStat.sk.startswith("VIEWS#")))
    assert len(days) == demo.VIEW_DAYS
