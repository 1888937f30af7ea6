"""The listing lifecycle: one transition table, and the only place that knows it.

Local statuses each map to one RESO StandardStatus so a RESO feed can be produced.
Who may act: the owning broker, an admin, or the system scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marketplace.actors import Actor
from marketplace.errors import IllegalTransition, PermissionDenied


class Status(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    ACTIVE = "active"
    COMING_SOON = "coming_soon"
    UNDER_CONTRACT = "under_contract"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


RESO_STANDARD_STATUS: dict[Status, str] = {
    Status.DRAFT: "Incomplete",
    Status.PENDING_REVIEW: "Incomplete",
    Status.REJECTED: "Incomplete",
    Status.ACTIVE: "Active",
    Status.COMING_SOON: "Coming Soon",
    Status.UNDER_CONTRACT: "Active Under Contract",
    Status.CLOSED: "Closed",
    Status.WITHDRAWN: "Withdrawn",
    Status.EXPIRED: "Expired",
}

# Listed statuses are the ones buyers can find (subject to entitlements).
LISTED = frozenset({Status.ACTIVE, Status.COMING_SOON, Status.UNDER_CONTRACT})
# Statuses in which the broker may change any field; the listing returns to draft (an edit during
# review pulls it back from the queue). While listed, a broker may change only the price.
EDITABLE_BY_BROKER = frozenset({Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED, Status.WITHDRAWN,
                                Status.EXPIRED})


class Role(StrEnum):
    OWNER = "owner"  # the broker who owns the listing
    ADMIN = "admin"
    SYSTEM = "system"


class Action(StrEnum):
    EDIT = "edit"
    EDIT_PRICE = "edit_price"
    SUBMIT = "submit"
    APPROVE = "approve"
    APPROVE_COMING_SOON = "approve_coming_soon"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    WITHDRAW = "withdraw"
    MARK_UNDER_CONTRACT = "mark_under_contract"
    BACK_ON_MARKET = "back_on_market"
    CLOSE = "close"
    RELIST = "relist"
    FEATURE = "feature"
    UNFEATURE = "unfeature"
    ADMIN_EDIT = "admin_edit"
    UNPUBLISH = "unpublish"
    EXPIRE = "expire"
    PUBLISH_DUE = "publish_due"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change
    roles: frozenset[Role]
    needs_reason: bool = False
    event: str = "ListingStatusChanged"


def _t(action, sources, target, roles, *, needs_reason=False, event="ListingStatusChanged"):
    return Transition(Action(action), frozenset(sources), target, frozenset(roles), needs_reason, event)


S = Status
OWNER, ADMIN, SYSTEM_ROLE = Role.OWNER, Role.ADMIN, Role.SYSTEM

TRANSITIONS: tuple[Transition, ...] = (
    _t("edit", EDITABLE_BY_BROKER, S.DRAFT, {OWNER}, event="ListingUpdated"),
    _t("edit_price", LISTED, None, {OWNER}, event="ListingUpdated"),
    _t("submit", {S.DRAFT}, S.PENDING_REVIEW, {OWNER}, event="ListingSubmitted"),
    _t("approve", {S.PENDING_REVIEW}, S.ACTIVE, {ADMIN}, event="ListingApproved"),
    _t("approve_coming_soon", {S.PENDING_REVIEW}, S.COMING_SOON, {ADMIN}, event="ListingApproved"),
    _t("reject", {S.PENDING_REVIEW}, S.REJECTED, {ADMIN}, needs_reason=True, event="ListingRejected"),
    _t("request_changes", {S.PENDING_REVIEW}, S.DRAFT, {ADMIN}, needs_reason=True,
       event="ListingChangesRequested"),
    _t("withdraw", {S.PENDING_REVIEW, *LISTED}, S.WITHDRAWN, {OWNER}),
    _t("mark_under_contract", {S.ACTIVE, S.COMING_SOON}, S.UNDER_CONTRACT, {OWNER}),
    _t("back_on_market", {S.UNDER_CONTRACT}, S.ACTIVE, {OWNER}),
    _t("close", {S.ACTIVE, S.UNDER_CONTRACT}, S.CLOSED, {OWNER}),
    _t("relist", {S.WITHDRAWN, S.EXPIRED}, S.DRAFT, {OWNER}),
    _t("feature", {S.PENDING_REVIEW, *LISTED}, None, {ADMIN}, event="ListingFeatured"),
    _t("unfeature", {S.PENDING_REVIEW, *LISTED}, None, {ADMIN}, event="ListingFeatured"),
    _t("admin_edit", set(Status) - {S.CLOSED}, None, {ADMIN}, event="ListingUpdated"),
    _t("unpublish", LISTED, S.WITHDRAWN, {ADMIN}, needs_reason=True),
    _t("expire", {S.ACTIVE}, S.EXPIRED, {SYSTEM_ROLE}),
    _t("publish_due", {S.COMING_SOON}, S.ACTIVE, {SYSTEM_ROLE}),
)

_BY_ACTION = {t.action: t for t in TRANSITIONS}


def transition(action: Action | str) -> Transition:
    try:
        return _BY_ACTION[Action(action)]
    except ValueError as exc:
        raise IllegalTransition(f"unknown listing action {action!r}", field="action") from exc


def roles_of(actor: Actor, *, owner_id: str) -> frozenset[Role]:
    roles = set()
    if actor.is_system:
        roles.add(Role.SYSTEM)
    if actor.is_admin:
        roles.add(Role.ADMIN)
    if actor.is_broker and actor.user_id == owner_id:
        roles.add(Role.OWNER)
    return frozenset(roles)


def check(action: Action | str, *, status: Status | str, actor: Actor, owner_id: str,
          reason: str | None = None) -> Transition:
    """Return the transition if ``actor`` may take ``action`` from ``status``; raise otherwise."""
    rule = transition(action)
    if not rule.roles & roles_of(actor, owner_id=owner_id):
        raise PermissionDenied(f"{actor.email or actor.user_id} may not {rule.action.value} this listing")
    if Status(status) not in rule.sources:
        raise IllegalTransition(f"cannot {rule.action.value} a listing that is {Status(status).value}",
                                field="status")
    if rule.needs_reason and not (reason and reason.strip()):
        raise IllegalTransition(f"{rule.action.value} needs a reason", field="reason")
    return rule


def allowed_actions(*, status: Status | str, actor: Actor, owner_id: str) -> list[Action]:
    """What this actor may do next: drives the buttons the back office shows."""
    roles = roles_of(actor, owner_id=owner_id)
    return [t.action for t in TRANSITIONS if Status(status) in t.sources and t.roles & roles]
