"""The lifecycle, checked against a spec written out here by hand (not derived from the table)."""

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.actors import SYSTEM, Actor, Group
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.event_types import EventType
from marketplace.lifecycle import (
    DECISIONS,
    EFFECTS,
    GUARDS,
    RESO_STANDARD_STATUS,
    TRANSITIONS,
    Action,
    Move,
    Role,
    Status,
    Surface,
    actions_on,
    allowed_actions,
    apply,
    check,
    check_reason,
    editable,
    media_needs_review,
    takes_new_media,
)
from marketplace.models import Listing
from tests.shared.people import ADMIN, BROKER, BUYER, OTHER_BROKER

OWNER = BROKER  # the listing's broker
ROLES = {"owner": OWNER, "other_broker": OTHER_BROKER, "admin": ADMIN, "system": SYSTEM, "buyer": BUYER}

D, P, A, C, U, X, R, W, E = ("draft", "pending_review", "active", "coming_soon", "under_contract", "closed",
                             "rejected", "withdrawn", "expired")
# action -> (who, from which statuses, to which status or None for unchanged)
SPEC = {
    "edit": ("owner", {D, P, R, W, E}, D),
    "edit_price": ("owner", {A, C, U}, None),
    "submit": ("owner", {D}, P),
    "approve": ("admin", {P}, A),
    "approve_coming_soon": ("admin", {P}, C),
    "reject": ("admin", {P}, R),
    "request_changes": ("admin", {P}, D),
    "withdraw": ("owner", {P, A, C, U}, W),
    "mark_under_contract": ("owner", {A, C}, U),
    "back_on_market": ("owner", {U}, A),
    "close": ("owner", {A, U}, X),
    "relist": ("owner", {W, E}, D),
    "feature": ("admin", {P, A, C, U}, None),
    "unfeature": ("admin", {P, A, C, U}, None),
    "admin_edit": ("admin", {D, P, A, C, U, R, W, E}, None),
    "unpublish": ("admin", {A, C, U}, W),
    "expire": ("system", {A}, E),
    "publish_due": ("system", {C}, A),
    "hold_unlicensed": ("system", {C}, W),  # its date came after its agency's licence lapsed
    "confirm": ("owner", {A, E}, A),  # still available: confirms an active listing, reinstates an expired one
    "leave_search": ("system", {X}, None),  # a sold or let listing's days in search are over
}


def test_the_spec_covers_every_action():
    assert set(SPEC) == {a.value for a in Action}


@pytest.mark.parametrize("action", sorted(SPEC))
@pytest.mark.parametrize("status", [s.value for s in Status])
@pytest.mark.parametrize("role", sorted(ROLES))
def test_who_may_do_what_from_where(action, status, role):
    who, sources, target = SPEC[action]
    actor = ROLES[role]
    reason = "a reason"
    if role == who and status in sources:
        rule = check(action, status=status, actor=actor, owner_id=OWNER.user_id, reason=reason)
        assert (rule.target.value if rule.target else None) == target
    elif role != who:
        with pytest.raises(PermissionDenied):
            check(action, status=status, actor=actor, owner_id=OWNER.user_id, reason=reason)
    else:
        with pytest.raises(IllegalTransition):
            check(action, status=status, actor=actor, owner_id=OWNER.user_id, reason=reason)


@pytest.mark.parametrize("action", ["reject", "request_changes", "unpublish"])
def test_reasons_are_required_where_a_person_must_be_told_why(action):
    with pytest.raises(IllegalTransition) as caught:
        check(action, status=min(SPEC[action][1]), actor=ADMIN,
              owner_id=OWNER.user_id, reason="   ")
    assert caught.value.field == "reason"


def test_every_status_maps_to_one_reso_standard_status():
    reso = {"Active", "Active Under Contract", "Pending", "Closed", "Coming Soon", "Hold", "Withdrawn",
            "Canceled", "Expired", "Incomplete", "Delete"}
    assert set(RESO_STANDARD_STATUS) == set(Status)
    assert set(RESO_STANDARD_STATUS.values()) <= reso
    assert RESO_STANDARD_STATUS[Status.DRAFT] == "Incomplete"
    assert RESO_STANDARD_STATUS[Status.UNDER_CONTRACT] == "Active Under Contract"


def test_allowed_actions_drive_the_buttons():
    assert set(allowed_actions(status="pending_review", actor=ADMIN, owner_id=OWNER.user_id)) == {
        Action.APPROVE, Action.APPROVE_COMING_SOON, Action.REJECT, Action.REQUEST_CHANGES, Action.FEATURE,
        Action.UNFEATURE, Action.ADMIN_EDIT}
    assert set(allowed_actions(status="active", actor=OWNER, owner_id=OWNER.user_id)) == {
        Action.EDIT_PRICE, Action.WITHDRAW, Action.MARK_UNDER_CONTRACT, Action.CLOSE, Action.CONFIRM}
    assert allowed_actions(status="active", actor=OTHER_BROKER, owner_id=OWNER.user_id) == []


def test_unknown_actions_are_illegal():
    with pytest.raises(IllegalTransition):
        check("teleport", status="draft", actor=ADMIN, owner_id=OWNER.user_id)


# ---- the pure rules beside the table: effects, guards, events, surfaces, predicates ---------------------

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _listing(status: str, **fields) -> Listing:
    """A listing in memory: the rules read and set its fields, never the table."""
    return Listing(listing_id="l1", broker_id=OWNER.user_id, status=status, property_type="house", status_changed_at=None,
                   **fields)


def test_every_effect_and_guard_belongs_to_a_transition_and_every_event_is_typed():
    actions = {t.action for t in TRANSITIONS}
    assert set(EFFECTS) <= actions and set(GUARDS) <= actions
    assert all(isinstance(t.event, EventType) for t in TRANSITIONS)


def test_approving_publishes_sets_premium_and_tells_approval_and_status_change():
    listing = _listing("pending_review", rejection_reason="old")

    events = apply(check("approve", status="pending_review", actor=ADMIN, owner_id=OWNER.user_id), listing,
                   Move(moment=NOW, premium=True))

    assert (listing.status, listing.status_changed_at, listing.published_at) == ("active", NOW, NOW)
    assert (listing.premium, listing.rejection_reason) == (True, None)
    assert events == [EventType.LISTING_APPROVED, EventType.LISTING_STATUS_CHANGED]


def test_an_action_that_keeps_the_status_tells_only_its_own_event():
    listing = _listing("active")

    events = apply(check("feature", status="active", actor=ADMIN, owner_id=OWNER.user_id), listing, Move(moment=NOW))

    assert (listing.status, listing.premium, listing.status_changed_at) == ("active", True, None)
    assert events == [EventType.LISTING_FEATURED]


def test_a_plain_status_change_is_told_once():
    listing = _listing("active")
    events = apply(check("withdraw", status="active", actor=OWNER, owner_id=OWNER.user_id), listing, Move(moment=NOW))
    assert (listing.status, events) == ("withdrawn", [EventType.LISTING_STATUS_CHANGED])


def test_reasons_land_where_the_broker_reads_them_and_relisting_forgets_the_dates():
    rejected, noted = _listing("pending_review"), _listing("active")
    apply(check("reject", status="pending_review", actor=ADMIN, owner_id=OWNER.user_id, reason=" Blurry "), rejected,
          Move(moment=NOW, reason=" Blurry "))
    apply(check("unpublish", status="active", actor=ADMIN, owner_id=OWNER.user_id, reason="Duplicate"), noted,
          Move(moment=NOW, reason="Duplicate"))
    relisted = _listing("withdrawn", published_at=NOW, public_at=NOW)
    apply(check("relist", status="withdrawn", actor=OWNER, owner_id=OWNER.user_id), relisted, Move(moment=NOW))
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "Blurry")
    assert (noted.status, noted.change_note) == ("withdrawn", "Duplicate")
    assert (relisted.status, relisted.published_at, relisted.public_at) == ("draft", None, None)


@pytest.mark.parametrize("action, status, move, field", [
    ("approve_coming_soon", "pending_review", Move(moment=NOW), "public_at"),
    ("approve_coming_soon", "pending_review", Move(moment=NOW, public_at=NOW - timedelta(days=1)), "public_at"),
    ("approve_coming_soon", "pending_review", Move(moment=NOW, public_at=datetime(2027, 1, 1)), "public_at"),
    ("publish_due", "coming_soon", Move(moment=NOW), "public_at"),
    ("submit", "draft", Move(moment=NOW, photos=lambda: 0), "title"),
])
def test_a_guard_refuses_before_anything_changes(action, status, move, field):
    listing = _listing(status, public_at=NOW + timedelta(days=1) if status == "coming_soon" else None)
    before = dict(listing.attribute_values)
    actor = {"approve_coming_soon": ADMIN, "publish_due": SYSTEM, "submit": OWNER}[action]

    with pytest.raises((ValidationError, IllegalTransition)) as caught:
        apply(check(action, status=status, actor=actor, owner_id=OWNER.user_id), listing, move)

    assert field == caught.value.field or field in getattr(caught.value, "errors", {})
    assert listing.attribute_values == before


def test_one_reason_rule_for_one_listing_and_for_many():
    for action, label in (("reject", "Reject"), ("request_changes", "Request changes"), ("unpublish", "Unpublish")):
        with pytest.raises(IllegalTransition) as caught:
            check_reason(action, "  ")
        assert (caught.value.field, caught.value.message) == ("reason", f"{label} needs a reason the broker will read")
    assert check_reason("approve", None).action == Action.APPROVE


def test_each_surface_offers_what_is_written_here():
    pending = {"status": "pending_review", "actor": ADMIN, "owner_id": OWNER.user_id}
    assert allowed_actions(**pending, on=Surface.REVIEW) == [
        Action.APPROVE, Action.APPROVE_COMING_SOON, Action.REQUEST_CHANGES, Action.REJECT]
    assert allowed_actions(**pending, on=Surface.BULK) == [Action.APPROVE, Action.REJECT]
    assert set(allowed_actions(**pending, on=Surface.BUTTONS)) == {
        Action.APPROVE, Action.APPROVE_COMING_SOON, Action.REQUEST_CHANGES, Action.REJECT, Action.FEATURE,
        Action.UNFEATURE}
    assert allowed_actions(status="draft", actor=OWNER, owner_id=OWNER.user_id, on=Surface.BUTTONS) == [Action.SUBMIT]
    assert allowed_actions(status="active", actor=OWNER, owner_id=OWNER.user_id, on=Surface.FORM) == [Action.EDIT_PRICE]
    assert {t.action for t in actions_on(Surface.BUTTONS, role=Role.OWNER)} == {
        Action.SUBMIT, Action.WITHDRAW, Action.MARK_UNDER_CONTRACT, Action.BACK_ON_MARKET, Action.CLOSE,
        Action.RELIST, Action.CONFIRM}
    assert DECISIONS == {"approve", "approve_coming_soon", "reject", "request_changes"}
    assert [t.label for t in actions_on(Surface.REVIEW)] == [
        "Approve", "Approve as coming soon", "Request changes", "Reject"]


def test_an_admin_who_is_also_the_broker_sees_only_the_brokers_buttons_as_the_broker():
    both = Actor(user_id=OWNER.user_id, groups=frozenset({Group.BROKERS, Group.ADMINS}))
    assert allowed_actions(status="pending_review", actor=both, owner_id=OWNER.user_id, on=Surface.BUTTONS,
                           role=Role.OWNER) == [Action.WITHDRAW]


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_status_predicates(status):
    assert editable(status) == (status != X)
    assert takes_new_media(status) == (status not in (X, E))
    assert media_needs_review(status) == (status in (A, C, U))
