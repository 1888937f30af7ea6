"""The listing lifecycle: one transition table, and the only place that knows it.

Each transition says who may take it, from where to where, whether it needs a reason, which event it
tells, where the back office offers it and what it sets besides the status (``EFFECTS``, registered
beside ``TRANSITIONS``, and ``GUARDS``: what it needs beyond the table). The status predicates the
services and views ask (editable, takes new media, media need review) are declared here too. All of it
is pure: the services load, call ``check`` and ``apply``, and write.

Local statuses each map to one RESO StandardStatus so a RESO feed can be produced.
Who may act: the owning broker, an admin, or the system scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from marketplace.actors import Actor
from marketplace.config import settings
from marketplace.errors import IllegalTransition, PermissionDenied, ValidationError
from marketplace.event_types import EventType
from marketplace.licensing import NO_LICENCE, Licence, listing_requires_licence, refusal
from marketplace.listing_fields import PRICE_FIELDS, invalid, missing_for_submission


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
    CONFIRM = "confirm"  # the broker says the property is still available (an expired one returns to search)
    LEAVE_SEARCH = "leave_search"  # a sold or let listing's days in search are over
    HOLD_UNLICENSED = "hold_unlicensed"  # a coming-soon listing its agency's licence no longer covers


class Surface(StrEnum):
    """Where the back office offers an action."""

    BUTTONS = "buttons"  # the listing page's action buttons (broker's and admin's)
    REVIEW = "review"  # the moderation review page's decision form
    BULK = "bulk"  # the moderation queue's bulk buttons
    FORM = "form"  # taken by saving the listing form, never a button
    SCHEDULE = "schedule"  # the platform's clock


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change
    roles: frozenset[Role]
    needs_reason: bool = False
    event: EventType = EventType.LISTING_STATUS_CHANGED
    offered: frozenset[Surface] = frozenset({Surface.BUTTONS})
    label: str = ""
    destructive: bool = False  # shown as a danger button
    # Approving serves the processed media versions waiting for review, which the admin saw with the
    # listing on the review page; uploads still processing keep waiting (then in the media review queue).
    approves_media: bool = False

    @property
    def is_decision(self) -> bool:
        """A moderation decision on a listing waiting for review (reports time them)."""
        return Surface.REVIEW in self.offered

    def reason_missing(self, reason: str | None) -> IllegalTransition | None:
        """The reason rule, for one listing or many: the error to show when a needed reason is missing."""
        if self.needs_reason and not (reason and reason.strip()):
            return IllegalTransition(f"{self.label} needs a reason the broker will read", field="reason")
        return None


def _t(action, sources, target, roles, *, event=EventType.LISTING_STATUS_CHANGED, offered=(Surface.BUTTONS,),
       label="", **flags) -> Transition:
    return Transition(Action(action), frozenset(sources), target, frozenset(roles), event=event,
                      offered=frozenset(offered), label=label or action.replace("_", " ").capitalize(), **flags)


S = Status
OWNER, ADMIN, SYSTEM_ROLE = Role.OWNER, Role.ADMIN, Role.SYSTEM
DECIDE = (Surface.BUTTONS, Surface.REVIEW)

TRANSITIONS: tuple[Transition, ...] = (
    _t("edit", EDITABLE_BY_BROKER, S.DRAFT, {OWNER}, event=EventType.LISTING_UPDATED, offered={Surface.FORM}),
    _t("edit_price", LISTED, None, {OWNER}, event=EventType.LISTING_UPDATED, offered={Surface.FORM}),
    _t("submit", {S.DRAFT}, S.PENDING_REVIEW, {OWNER}, event=EventType.LISTING_SUBMITTED,
       label="Submit for review"),
    _t("approve", {S.PENDING_REVIEW}, S.ACTIVE, {ADMIN}, event=EventType.LISTING_APPROVED,
       offered={*DECIDE, Surface.BULK}, approves_media=True),
    _t("approve_coming_soon", {S.PENDING_REVIEW}, S.COMING_SOON, {ADMIN}, event=EventType.LISTING_APPROVED,
       offered=DECIDE, label="Approve as coming soon", approves_media=True),
    _t("request_changes", {S.PENDING_REVIEW}, S.DRAFT, {ADMIN}, needs_reason=True,
       event=EventType.LISTING_CHANGES_REQUESTED, offered=DECIDE),
    _t("reject", {S.PENDING_REVIEW}, S.REJECTED, {ADMIN}, needs_reason=True, event=EventType.LISTING_REJECTED,
       offered={*DECIDE, Surface.BULK}, destructive=True),
    _t("withdraw", {S.PENDING_REVIEW, *LISTED}, S.WITHDRAWN, {OWNER}),
    _t("mark_under_contract", {S.ACTIVE, S.COMING_SOON}, S.UNDER_CONTRACT, {OWNER}),
    _t("back_on_market", {S.UNDER_CONTRACT}, S.ACTIVE, {OWNER}),
    _t("close", {S.ACTIVE, S.UNDER_CONTRACT}, S.CLOSED, {OWNER}),
    _t("relist", {S.WITHDRAWN, S.EXPIRED}, S.DRAFT, {OWNER}),
    _t("feature", {S.PENDING_REVIEW, *LISTED}, None, {ADMIN}, event=EventType.LISTING_FEATURED),
    _t("unfeature", {S.PENDING_REVIEW, *LISTED}, None, {ADMIN}, event=EventType.LISTING_FEATURED),
    _t("admin_edit", set(Status) - {S.CLOSED}, None, {ADMIN}, event=EventType.LISTING_UPDATED,
       offered={Surface.FORM}),
    _t("unpublish", LISTED, S.WITHDRAWN, {ADMIN}, needs_reason=True, destructive=True),
    _t("expire", {S.ACTIVE}, S.EXPIRED, {SYSTEM_ROLE}, offered={Surface.SCHEDULE}),
    _t("publish_due", {S.COMING_SOON}, S.ACTIVE, {SYSTEM_ROLE}, offered={Surface.SCHEDULE}),
    # Going public is a publishing like an approval: when the date comes and the licensed-deal rule holds the
    # listing (its agency's licence expired, was revoked or awaits verification since it was approved), the
    # clock withdraws it with the refusal as its note, instead of leaving a coming-soon listing past its date
    # (which reads show as public); its broker is told why (ListingHeld). An admin's change that leaves the licence
    # invalid takes the same step at once (``services.listings.listings_hold_unlicensed``). The broker relists it,
    # and its approval meets the rule again.
    _t("hold_unlicensed", {S.COMING_SOON}, S.WITHDRAWN, {SYSTEM_ROLE}, needs_reason=True,
       event=EventType.LISTING_HELD, offered={Surface.SCHEDULE}, label="Held back: licence"),
    # Listings that stay true (marketplace.services.freshness): one click confirms an active listing, or
    # reinstates one the clock expired for want of confirmation (unchanged since it was approved).
    _t("confirm", {S.ACTIVE, S.EXPIRED}, S.ACTIVE, {OWNER}, event=EventType.LISTING_CONFIRMED,
       label="Still available"),
    # A sold or let listing stays in search with its badge for ``Settings.sold_shown_days``; then the clock
    # takes it out (its status stays closed).
    _t("leave_search", {S.CLOSED}, None, {SYSTEM_ROLE}, event=EventType.LISTING_LEFT_SEARCH,
       offered={Surface.SCHEDULE}),
)

_BY_ACTION = {t.action: t for t in TRANSITIONS}

# Moderation decisions (approve, approve as coming soon, request changes, reject): what reports time.
DECISIONS = frozenset(t.action for t in TRANSITIONS if t.is_decision)
APPROVALS = frozenset(t.action for t in TRANSITIONS if t.is_decision and t.target in LISTED)
# Statuses in which someone may still change the listing's fields (the edit transitions' sources).
EDITABLE = frozenset().union(*(t.sources for t in TRANSITIONS if Surface.FORM in t.offered))
# A closed listing is kept as it was sold or let, an expired one waits to be relisted: no new media.
MEDIA_FROZEN = frozenset({Status.CLOSED, Status.EXPIRED})


# Why a listing outside EDITABLE refuses every change of its fields, price and media (services and pages).
NOT_EDITABLE = ("a closed listing is kept as it was sold or let and cannot be edited (its fields, price and "
                "media); start a new listing for the property")


def editable(status: Status | str) -> bool:
    return Status(status) in EDITABLE


def changeable_fields(status: Status | str, *, admin: bool) -> frozenset[str] | None:
    """The listing fields a person may change on a listing in ``status`` (None: every one): none once it is
    closed, only the price while its broker has it listed (``services.listings`` refuses the rest)."""
    if not editable(status):
        return frozenset()
    if not admin and Status(status) in LISTED:
        return frozenset(PRICE_FIELDS)
    return None


def leads_to_review(status: Status | str | None) -> bool:
    """Whether the broker's form still leads to a submission for review (what the form's "to submit" marks
    are for): a new listing, or one the broker's edit returns to draft."""
    return status is None or Status(status) in EDITABLE_BY_BROKER


def check_editable(status: Status | str) -> None:
    """Refuse any change to a listing that is no longer editable (by anyone: the admin's correction too)."""
    if not editable(status):
        raise IllegalTransition(NOT_EDITABLE, field="status")


def takes_new_media(status: Status | str) -> bool:
    return Status(status) not in MEDIA_FROZEN


def media_needs_review(status: Status | str) -> bool:
    """Media added while buyers can find the listing wait for an admin before they are served; the
    listing keeps its reviewed media meanwhile."""
    return Status(status) in LISTED


# ---- what an action sets besides the status -------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One action's inputs: the moment (the scheduler's clock, or now) and what the actor gave."""

    moment: datetime
    reason: str | None = None
    public_at: datetime | None = None
    premium: bool | None = None
    # Photos the broker has uploaded: asked only by the submit guard (a read the others do not need).
    photos: Callable[[], int] = field(default=lambda: 0)
    # The licence the listing's broker acts under: asked only by the licensed-deal guard, and only for a
    # listing that needs one (two reads the others do not need).
    licence: Callable[[], Licence] = field(default=lambda: NO_LICENCE)


Effect = Callable[[Any, Move], None]  # (listing, move): sets the listing's fields


def _submitted(listing, move: Move) -> None:
    listing.submitted_at = move.moment
    listing.change_note = None


def _confirmed(listing, move: Move) -> None:
    """The broker (or the approving admin) vouches that the property is available now."""
    listing.last_confirmed_at = move.moment


def _approved(listing, move: Move) -> None:
    listing.published_at = listing.published_at or move.moment
    listing.rejection_reason = None
    _confirmed(listing, move)
    if move.premium is not None:
        listing.premium = move.premium


def _approved_coming_soon(listing, move: Move) -> None:
    listing.public_at = move.public_at
    _approved(listing, move)


def _featured(listing, move: Move) -> None:
    listing.premium = True


def _unfeatured(listing, move: Move) -> None:
    listing.premium = False


def _rejected(listing, move: Move) -> None:
    listing.rejection_reason = move.reason.strip()


def _noted(listing, move: Move) -> None:
    listing.change_note = move.reason.strip()


def _back_on_market(listing, move: Move) -> None:
    listing.published_at = listing.published_at or move.moment
    _confirmed(listing, move)


def _relisted(listing, move: Move) -> None:
    listing.published_at = None
    listing.public_at = None


def _closed(listing, move: Move) -> None:
    """Sold or let: buyers still find it, badged with this date, until the clock takes it out of search."""
    listing.closed_at = move.moment
    listing.search_left_at = None


def _left_search(listing, move: Move) -> None:
    listing.search_left_at = move.moment


def shown_after_closing(listing, *, at: datetime) -> bool:
    """A sold or let listing buyers still find (a Listing or its card): closed less than
    ``Settings.sold_shown_days`` ago and not yet taken out of search by the clock."""
    return (listing.status == Status.CLOSED and listing.closed_at is not None
            and listing.search_left_at is None
            and listing.closed_at > at - timedelta(days=settings().sold_shown_days))


EFFECTS: dict[Action, Effect] = {
    Action.SUBMIT: _submitted,
    Action.APPROVE: _approved,
    Action.APPROVE_COMING_SOON: _approved_coming_soon,
    Action.FEATURE: _featured,
    Action.UNFEATURE: _unfeatured,
    Action.REJECT: _rejected,
    Action.REQUEST_CHANGES: _noted,
    Action.UNPUBLISH: _noted,
    Action.HOLD_UNLICENSED: _noted,
    Action.BACK_ON_MARKET: _back_on_market,
    Action.RELIST: _relisted,
    Action.CONFIRM: _confirmed,
    Action.CLOSE: _closed,
    Action.LEAVE_SEARCH: _left_search,
}


def _complete(listing, move: Move) -> None:
    missing = missing_for_submission(listing, photos=move.photos())
    if missing:
        raise invalid(missing)


def _future_public_date(listing, move: Move) -> None:
    if move.public_at is None or move.public_at <= move.moment:
        raise ValidationError("a coming-soon listing needs a public date in the future", field="public_at")


def _public_date_come(listing, move: Move) -> None:
    if listing.public_at is None or listing.public_at > move.moment:
        raise IllegalTransition("this listing's public date has not come yet", field="public_at")


def _publishable_now(listing, move: Move) -> None:
    """A coming-soon listing goes public on its date only if an approval then would pass: the licensed-deal
    rule is asked again at that moment (``move.moment``, the clock's)."""
    _public_date_come(listing, move)
    require_licence(listing, move)


def require_licence(listing, move: Move) -> None:
    """Above the licensed-deal threshold (``marketplace.licensing``), the broker's agency must hold a valid
    licence: an expired, revoked or unverified one holds the listing back."""
    if not listing_requires_licence(listing):
        return
    licence = move.licence()
    if not licence.valid:
        raise IllegalTransition(refusal(licence, neighborhood=listing.neighborhood), field="agency")


def _approvable(listing, move: Move) -> None:
    require_licence(listing, move)


def _reinstatable(listing, move: Move) -> None:
    """Reinstating an expired listing returns it to search: the licensed-deal rule holds it as it holds an
    approval. Confirming an active one needs nothing."""
    if listing.status == Status.EXPIRED:
        require_licence(listing, move)


def _in_search_after_closing(listing, move: Move) -> None:
    if listing.closed_at is None or listing.search_left_at is not None:
        raise IllegalTransition("this listing is not in search", field="status")


def _approvable_coming_soon(listing, move: Move) -> None:
    _future_public_date(listing, move)
    require_licence(listing, move)


# What an action needs beyond the table (raise before anything changes).
GUARDS: dict[Action, Effect] = {
    Action.SUBMIT: _complete,
    Action.APPROVE: _approvable,
    Action.APPROVE_COMING_SOON: _approvable_coming_soon,
    Action.PUBLISH_DUE: _publishable_now,
    Action.CONFIRM: _reinstatable,
    Action.LEAVE_SEARCH: _in_search_after_closing,
}


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


def check_reason(action: Action | str, reason: str | None) -> Transition:
    """The reason rule alone (a bulk action checks it once before touching any listing)."""
    rule = transition(action)
    error = rule.reason_missing(reason)
    if error:
        raise error
    return rule


def check(action: Action | str, *, status: Status | str, actor: Actor, owner_id: str,
          reason: str | None = None) -> Transition:
    """Return the transition if ``actor`` may take ``action`` from ``status``; raise otherwise."""
    rule = transition(action)
    if not rule.roles & roles_of(actor, owner_id=owner_id):
        raise PermissionDenied(f"{actor.email or actor.user_id} may not {rule.action.value} this listing")
    if Status(status) not in rule.sources:
        raise IllegalTransition(f"cannot {rule.action.value} a listing that is {Status(status).value}",
                                field="status")
    return check_reason(rule.action, reason)


def apply(rule: Transition, listing, move: Move) -> list[EventType]:
    """Take a checked transition on ``listing`` (in memory): its guard, its effect, its status. Returns the
    events it tells: its own, and ListingStatusChanged as well when the status changed."""
    if move.public_at is not None and move.public_at.utcoffset() is None:
        raise ValidationError("give the public date with its time zone (e.g. 2026-12-01T09:00+05:45)",
                              field="public_at")
    if rule.action in GUARDS:
        GUARDS[rule.action](listing, move)
    source = listing.status
    if rule.action in EFFECTS:
        EFFECTS[rule.action](listing, move)
    if rule.target is not None and rule.target != source:
        listing.status = rule.target.value
        listing.status_changed_at = move.moment
    events = [rule.event]
    if listing.status != source and rule.event != EventType.LISTING_STATUS_CHANGED:
        events.append(EventType.LISTING_STATUS_CHANGED)
    return events


def allowed_actions(*, status: Status | str, actor: Actor, owner_id: str, on: Surface | None = None,
                    role: Role | None = None) -> list[Action]:
    """What this actor may do next (offered ``on`` one surface, acting as one ``role``): drives the
    buttons the back office shows and the choices its forms accept."""
    roles = roles_of(actor, owner_id=owner_id)
    if role is not None:
        roles &= {role}
    return [t.action for t in TRANSITIONS if Status(status) in t.sources and t.roles & roles
            and (on is None or on in t.offered)]


def actions_on(surface: Surface, *, role: Role | None = None) -> list[Transition]:
    """Every transition a surface may offer (a form's choices, whatever the listing's status)."""
    return [t for t in TRANSITIONS if surface in t.offered and (role is None or role in t.roles)]
