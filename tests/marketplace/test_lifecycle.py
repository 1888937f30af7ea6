"""The lifecycle, checked against a spec written out here by hand (not derived from the table)."""

import pytest

from marketplace.actors import SYSTEM, Actor, Group
from marketplace.errors import IllegalTransition, PermissionDenied
from marketplace.lifecycle import RESO_STANDARD_STATUS, Action, Status, allowed_actions, check

OWNER = Actor(user_id="b1", groups=frozenset({Group.BROKERS}))
OTHER_BROKER = Actor(user_id="b2", groups=frozenset({Group.BROKERS}))
ADMIN = Actor(user_id="a1", groups=frozenset({Group.ADMINS}))
BUYER = Actor(user_id="u1", groups=frozenset({Group.BUYERS, Group.INVESTORS}))
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
    assert set(allowed_actions(status="pending_review", actor=ADMIN, owner_id="b1")) == {
        Action.APPROVE, Action.APPROVE_COMING_SOON, Action.REJECT, Action.REQUEST_CHANGES, Action.FEATURE,
        Action.UNFEATURE, Action.ADMIN_EDIT}
    assert set(allowed_actions(status="active", actor=OWNER, owner_id="b1")) == {
        Action.EDIT_PRICE, Action.WITHDRAW, Action.MARK_UNDER_CONTRACT, Action.CLOSE}
    assert allowed_actions(status="active", actor=OTHER_BROKER, owner_id="b1") == []


def test_unknown_actions_are_illegal():
    with pytest.raises(IllegalTransition):
        check("teleport", status="draft", actor=ADMIN, owner_id="b1")
