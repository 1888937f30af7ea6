from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest

from marketplace import outbox
from marketplace.errors import Conflict, IllegalTransition, PermissionDenied, ValidationError
from marketplace.lifecycle import Action, Status
from marketplace.selectors.listings import listing_get, listing_history, listings_by_status
from marketplace.services import listings as listing_services
from marketplace.services.listings import (
    listing_create,
    listing_publish_due,
    listing_transition,
    listing_update,
    listings_bulk_transition,
)
from tests.shared.lifecycle import listing_act
from tests.shared.listings import COMPLETE_HOUSE, submit


def _events():
    return [record.detail_type for record in outbox.pending()]


def test_a_broker_creates_a_draft_with_units_and_money_normalised(table, broker):
    listing = listing_create(actor=broker, fields=COMPLETE_HOUSE)

    stored = listing_get(listing_id=listing.listing_id)
    assert stored.status == "draft" and stored.version == 1
    assert stored.price == 45_000_000  # "4.5 crore"
    assert str(stored.land_area_sqft) == "2738"  # 0-8-0-0 = 8 aana
    assert stored.geohash == "tuuwn2y"
    assert [e.action for e in listing_history(listing_id=listing.listing_id)] == ["create"]
    assert _events() == ["ListingCreated"]


def test_bad_fields_are_all_named_and_nothing_is_written(table, broker):
    fields = {**COMPLETE_HOUSE, "price": "lots", "land_area_sqft": "big", "facing": "UP", "bedrooms": -1,
              "latitude": "40.0", "colour": "red"}
    with pytest.raises(ValidationError) as caught:
        listing_create(actor=broker, fields=fields)
    assert set(caught.value.errors) == {"price", "land_area_sqft", "facing", "bedrooms", "latitude", "colour"}
    assert listings_by_status(status="draft").items == []
    assert outbox.pending() == []


def test_only_brokers_create_listings(table, buyer, admin):
    for actor in (buyer, admin):
        with pytest.raises(PermissionDenied):
            listing_create(actor=actor, fields=COMPLETE_HOUSE)


def test_an_incomplete_draft_cannot_be_submitted(table, broker):
    draft = listing_create(actor=broker, fields={"title": "Plot in Bhaisepati", "property_type": "land",
                                                 "neighborhood": "bhaisepati"})
    with pytest.raises(ValidationError) as caught:
        listing_act(actor=broker, listing_id=draft.listing_id, action=Action.SUBMIT)
    assert {"description", "latitude", "longitude", "land_area_sqft", "price"} <= set(caught.value.errors)
    assert "bedrooms" not in caught.value.errors  # land needs no bedrooms
    assert listing_get(listing_id=draft.listing_id).status == "draft"


def test_submit_and_approve_publish_with_history_and_events(pending, admin):
    listing = listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE, premium=True)

    assert listing.status == "active" and listing.premium and listing.published_at is not None
    history = listing_history(listing_id=listing.listing_id)
    assert [e.action for e in history] == ["approve", "submit", "create"]
    assert history[0].actor_id == admin.user_id
    assert history[0].changes.as_dict()["status"] == {"before": "pending_review", "after": "active"}
    assert _events() == ["ListingCreated", "ListingSubmitted", "ListingStatusChanged", "ListingApproved",
                         "ListingStatusChanged"]


def test_reject_needs_a_reason_and_an_edit_returns_the_listing_to_draft(pending, admin, broker):
    with pytest.raises(IllegalTransition):
        listing_act(actor=admin, listing_id=pending.listing_id, action=Action.REJECT, reason="")
    rejected = listing_act(actor=admin, listing_id=pending.listing_id, action=Action.REJECT,
                           reason="Photos are of another house")
    assert rejected.status == "rejected" and rejected.rejection_reason == "Photos are of another house"

    edited = listing_update(actor=broker, listing_id=pending.listing_id, fields={"title": "Four-bedroom house, new photos"},
                            expected_version=rejected.version)
    assert edited.status == "draft" and edited.rejection_reason is None


def test_a_forbidden_action_writes_nothing(active, other_broker, broker):
    before_version = listing_get(listing_id=active.listing_id).version
    before_events = len(outbox.pending())
    with pytest.raises(PermissionDenied):
        listing_act(actor=other_broker, listing_id=active.listing_id, action=Action.WITHDRAW)
    with pytest.raises(IllegalTransition):
        listing_act(actor=broker, listing_id=active.listing_id, action=Action.SUBMIT)
    assert listing_get(listing_id=active.listing_id).version == before_version
    assert len(outbox.pending()) == before_events
    assert len(listing_history(listing_id=active.listing_id)) == 3


def test_while_listed_a_broker_may_change_only_the_price(active, broker):
    with pytest.raises(ValidationError) as caught:
        listing_update(actor=broker, listing_id=active.listing_id, fields={"title": "A new title for it"},
                       expected_version=active.version)
    assert caught.value.field == "title"
    updated = listing_update(actor=broker, listing_id=active.listing_id, fields={"price": "4.2 crore"},
                             expected_version=active.version)
    assert updated.price == 42_000_000 and updated.status == "active"


def test_admins_edit_any_field_without_changing_status(active, admin):
    updated = listing_update(actor=admin, listing_id=active.listing_id, fields={"title": "Corrected title here"},
                             expected_version=active.version)
    assert updated.title == "Corrected title here" and updated.status == "active"
    assert listing_history(listing_id=active.listing_id)[0].action == "admin_edit"


def test_coming_soon_needs_a_future_date_and_publishes_when_it_comes(pending, admin, system):
    with pytest.raises(ValidationError) as caught:
        listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE_COMING_SOON,
                    public_at=datetime.now(UTC) - timedelta(days=1))
    assert caught.value.field == "public_at"
    public_at = datetime.now(UTC) + timedelta(days=7)
    listing = listing_act(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE_COMING_SOON,
                          public_at=public_at)
    assert listing.status == "coming_soon"
    with pytest.raises(IllegalTransition):
        listing_act(actor=system, listing_id=listing.listing_id, action=Action.PUBLISH_DUE)

    assert listing_publish_due(actor=system, at=public_at + timedelta(minutes=1)) == [listing.listing_id]
    assert listing_get(listing_id=listing.listing_id).status == "active"


def test_the_whole_journey_to_closed_and_back(active, broker, admin, system):
    lid = active.listing_id
    assert listing_act(actor=broker, listing_id=lid, action=Action.MARK_UNDER_CONTRACT).status == "under_contract"
    assert listing_act(actor=broker, listing_id=lid, action=Action.BACK_ON_MARKET).status == "active"
    assert listing_act(actor=admin, listing_id=lid, action=Action.UNPUBLISH, reason="Duplicate").status == "withdrawn"
    assert listing_act(actor=broker, listing_id=lid, action=Action.RELIST).status == "draft"
    listing_act(actor=broker, listing_id=lid, action=Action.SUBMIT)
    listing_act(actor=admin, listing_id=lid, action=Action.APPROVE)
    assert listing_act(actor=system, listing_id=lid, action=Action.EXPIRE).status == "expired"
    assert listing_act(actor=broker, listing_id=lid, action=Action.RELIST).status == "draft"
    listing_act(actor=broker, listing_id=lid, action=Action.SUBMIT)
    listing_act(actor=admin, listing_id=lid, action=Action.APPROVE)
    assert listing_act(actor=broker, listing_id=lid, action=Action.CLOSE).status == "closed"
    closed = listing_get(listing_id=lid)
    for actor in (admin, broker):
        with pytest.raises(IllegalTransition) as caught:
            listing_update(actor=actor, listing_id=lid, fields={"title": "Too late for this"},
                           expected_version=closed.version)
        assert "withdraw" not in caught.value.message and "cannot be edited" in caught.value.message


def test_a_stale_version_is_a_conflict_and_loses_nothing(active, admin, second_admin):
    stale = listing_get(listing_id=active.listing_id).version
    listing_update(actor=admin, listing_id=active.listing_id, fields={"title": "Title from the first admin"},
                   expected_version=stale)
    with pytest.raises(Conflict):
        listing_update(actor=second_admin, listing_id=active.listing_id, fields={"description": "From the second"},
                       expected_version=stale)
    stored = listing_get(listing_id=active.listing_id)
    assert stored.title == "Title from the first admin" and stored.description != "From the second"
    assert stored.version == stale + 1


def test_two_concurrent_writers_one_wins_one_is_told(active, admin, broker):
    # Given an admin and the owning broker who both opened version N
    version = listing_get(listing_id=active.listing_id).version
    barrier = Barrier(2)

    def write(actor, fields):
        barrier.wait()
        try:
            listing_update(actor=actor, listing_id=active.listing_id, fields=fields, expected_version=version)
            return "ok"
        except Conflict:
            return "conflict"

    # When both save at the same moment
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda args: write(*args), [(admin, {"title": "Admin's better title"}),
                                                             (broker, {"price": 41_000_000})]))
    # Then exactly one commits and the other gets a conflict; the stored listing is the winner's
    assert sorted(outcomes) == ["conflict", "ok"]
    stored = listing_get(listing_id=active.listing_id)
    assert stored.version == version + 1
    assert (stored.title == "Admin's better title") != (stored.price == 41_000_000)


def test_bulk_actions_report_each_listing(pending, broker, admin):
    second = listing_create(actor=broker, fields=COMPLETE_HOUSE)
    results = listings_bulk_transition(actor=admin, action=Action.APPROVE, versions={
        pending.listing_id: pending.version, second.listing_id: second.version, "nope": 1})
    assert results[pending.listing_id] == "ok"
    assert "cannot approve a listing that is draft" in results[second.listing_id]
    assert results["nope"] == "no such listing"
    assert [l.listing_id for l in listings_by_status(status=Status.ACTIVE).items] == [pending.listing_id]


def test_an_action_at_a_stale_version_is_a_conflict_naming_it_and_writes_nothing(pending, admin, broker):
    # Given an admin who opened the listing, and a broker who withdrew it meanwhile
    opened = pending.version
    listing_transition(actor=broker, listing_id=pending.listing_id, action=Action.WITHDRAW, expected_version=opened)
    stored = listing_get(listing_id=pending.listing_id)
    events, history = len(outbox.pending()), len(listing_history(listing_id=pending.listing_id))

    # When the admin approves what they saw
    with pytest.raises(Conflict) as caught:
        listing_transition(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE, expected_version=opened)

    # Then the conflict names the version, and nothing was written
    assert caught.value.field == "expected_version"
    after = listing_get(listing_id=pending.listing_id)
    assert (after.status, after.version) == ("withdrawn", stored.version)
    assert (len(outbox.pending()), len(listing_history(listing_id=pending.listing_id))) == (events, history)


@pytest.mark.parametrize("version", [None, "3", True])
def test_an_action_without_the_version_read_is_refused(pending, admin, version):
    with pytest.raises(ValidationError) as caught:
        listing_transition(actor=admin, listing_id=pending.listing_id, action=Action.APPROVE, expected_version=version)
    assert caught.value.field == "expected_version"
    assert listing_get(listing_id=pending.listing_id).status == "pending_review"


def test_bulk_actions_take_each_listing_at_the_version_shown(pending, broker, admin):
    second = submit(broker, listing_create(actor=broker, fields=COMPLETE_HOUSE).listing_id)
    shown = {pending.listing_id: pending.version, second.listing_id: second.version}
    listing_transition(actor=admin, listing_id=second.listing_id, action=Action.FEATURE,
                       expected_version=second.version)  # someone changed the second meanwhile

    results = listings_bulk_transition(actor=admin, versions=shown, action=Action.APPROVE)

    assert results[pending.listing_id] == "ok"
    assert "changed by someone else" in results[second.listing_id]
    assert listing_get(listing_id=second.listing_id).status == "pending_review"


def test_a_bulk_action_without_its_reason_touches_no_listing(pending, admin):
    with pytest.raises(IllegalTransition) as caught:
        listings_bulk_transition(actor=admin, versions={pending.listing_id: pending.version}, action=Action.REJECT)
    assert caught.value.field == "reason"
    assert listing_get(listing_id=pending.listing_id).version == pending.version


def test_the_scheduler_publishes_at_the_version_it_read_and_leaves_a_changed_listing_for_next_time(
        pending, admin, broker, system, monkeypatch):
    # Given two coming-soon listings whose date has come, as the scheduler's index read finds them
    public_at = datetime.now(UTC) + timedelta(days=1)
    second = submit(broker, listing_create(actor=broker, fields=COMPLETE_HOUSE).listing_id)
    for listing in (pending, second):
        listing_act(actor=admin, listing_id=listing.listing_id, action=Action.APPROVE_COMING_SOON, public_at=public_at)
    read = listings_by_status(status=Status.COMING_SOON)
    # and the broker takes the first under contract after that read (the index lags behind the table)
    first = listing_get(listing_id=pending.listing_id)
    listing_transition(actor=broker, listing_id=first.listing_id, action=Action.MARK_UNDER_CONTRACT,
                       expected_version=first.version)
    monkeypatch.setattr(listing_services, "listings_by_status", lambda **_: read)

    # When the scheduler's sweep runs
    published = listing_publish_due(actor=system, at=public_at + timedelta(minutes=1))

    # Then the listing changed since the read is left as it is, and the other is published
    assert published == [second.listing_id]
    assert listing_get(listing_id=pending.listing_id).status == "under_contract"
    assert listing_get(listing_id=second.listing_id).status == "active"
