"""Listings that stay true in the back office: the broker's inventory lists what to confirm, one click
confirms it; an expired listing is reinstated from its page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.formatting import local
from marketplace.lifecycle import Action, Status
from marketplace.selectors.listings import listing_get
from marketplace.services import freshness
from tests.shared.lifecycle import listing_act


def _approved_days_ago(listing_factory, people, days: int):
    pending = listing_factory(status="pending_review", title=f"House approved {days} days ago")
    return listing_act(actor=people["admin"].actor, listing_id=pending.listing_id, action=Action.APPROVE,
                       at=datetime.now(UTC) - timedelta(days=days))


def test_the_inventory_asks_to_confirm_an_ageing_listing_and_one_click_confirms_it(signed_in, listing_factory, people):
    # Given an active listing last confirmed 35 days ago and one approved today
    old = _approved_days_ago(listing_factory, people, 35)
    listing_factory(status="active", title="Fresh house")
    broker = signed_in("broker")

    page = broker.get("/broker/")
    assert [listing.listing_id for listing, _ in page.context["to_confirm"]] == [old.listing_id]
    assert "Still available?" in page.content.decode()

    # When the broker clicks "Still available" from the inventory (at the version shown)
    response = broker.post(f"/broker/listings/{old.listing_id}/action/",
                           {"action": "confirm", "expected_version": old.version, "next": "inventory"})

    # Then it is confirmed now, stays active and leaves the list
    assert response.status_code == 302 and response["Location"] == "/broker/"
    stored = listing_get(listing_id=old.listing_id, consistent=True)
    assert stored.status == Status.ACTIVE and stored.last_confirmed_at > datetime.now(UTC) - timedelta(minutes=5)
    assert broker.get("/broker/").context["to_confirm"] == []


def test_a_stale_confirmation_is_refused(signed_in, listing_factory, people):
    old = _approved_days_ago(listing_factory, people, 35)
    response = signed_in("broker").post(f"/broker/listings/{old.listing_id}/action/",
                                        {"action": "confirm", "expected_version": old.version - 1}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert listing_get(listing_id=old.listing_id).last_confirmed_at == old.last_confirmed_at


def test_an_expired_listing_is_reinstated_from_its_page(signed_in, listing_factory, people):
    old = _approved_days_ago(listing_factory, people, 50)
    assert freshness.sweep()["expired"] == [old.listing_id]
    broker = signed_in("broker")
    expired = listing_get(listing_id=old.listing_id, consistent=True)

    page = broker.get(f"/broker/listings/{old.listing_id}/")
    assert "Expired: nobody confirmed" in page.content.decode()
    assert "confirm" in [t.action for t in page.context["actions"]]

    broker.post(f"/broker/listings/{old.listing_id}/action/", {"action": "confirm", "expected_version": expired.version})
    assert listing_get(listing_id=old.listing_id, consistent=True).status == Status.ACTIVE


def test_a_sold_listing_says_until_when_buyers_find_it_with_its_badge(signed_in, listing_factory, people):
    # Given a listing its broker marked sold 10 days ago
    active = listing_factory(status="active", title="Sold villa")
    closed_on = datetime.now(UTC) - timedelta(days=10)
    listing_act(actor=people["broker"].actor, listing_id=active.listing_id, action=Action.CLOSE, at=closed_on)
    until = local(closed_on + timedelta(days=30)).strftime("%-d %b %Y")  # pages show Kathmandu dates

    # When the broker and an admin open it / Then both see the sale and until when it stays in search
    broker = signed_in("broker")  # stays signed in: a second sign-in would wait for the next TOTP step
    mine = broker.get(f"/broker/listings/{active.listing_id}/").content.decode()
    assert "Sold</span> on" in mine and f"buyers find it with this badge until {until}" in mine
    theirs = signed_in("admin").get(f"/admin/listings/{active.listing_id}/").content.decode()
    assert f"in search until {until}" in theirs

    # When the sweep has taken it out of search / Then the page says so
    freshness.sweep(at=datetime.now(UTC) + timedelta(days=21))
    assert "no longer in search" in broker.get(f"/broker/listings/{active.listing_id}/").content.decode()
