"""People: profiles, groups (in Cognito), brokers, sellers and subscriptions. Admin-only where it
changes someone else; every change is audited; subscription changes emit SubscriptionChanged."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from marketplace import db
from marketplace.actors import PAYMENTS, Actor, Group
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.entitlements import PAID_TIERS, TIER_NAMES, Tier
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.formatting import word_list
from marketplace.ids import new_id
from marketplace.listing_fields import invalid
from marketplace.models import BrokerProfile, Guard, Seller, Subscription, UserProfile
from marketplace.services.search_keys import broker_key_rewrite

_LICENCE = re.compile(r"^[A-Za-z0-9/\-]{3,32}$")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only admins may do this")


def user_profile_sync(*, user_id: str, email: str, groups: list[str] | frozenset[str], name: str = "",
                      phone: str | None = None) -> UserProfile:
    """Create or refresh a profile from verified sign-in claims (idempotent; called at sign-in)."""
    try:
        profile = UserProfile.get(*UserProfile.key(user_id))
        changed = (profile.email != email or sorted(profile.groups) != sorted(groups)
                   or bool(name and profile.name != name) or bool(phone and profile.phone != phone))
    except UserProfile.DoesNotExist:
        profile, changed = UserProfile(user_id=user_id, email=email), True
    profile.email, profile.groups = email, sorted(groups)
    profile.name = name or profile.name
    profile.phone = phone or profile.phone
    if changed:
        profile.updated_at = datetime.now(UTC)
        db.save(profile)
    return profile


def user_groups_change(*, actor: Actor, user_id: str, expected_groups: list[str], add: list[str] = (),
                       remove: list[str] = (), reason: str = "") -> UserProfile:
    """An admin changes someone's groups in Cognito (the source of truth) and on their profile.
    ``expected_groups`` are the groups the admin's page showed: what the change is made against, so a
    change made meanwhile (by another admin) is never undone unseen. (The groups, not a version: the
    profile also changes at each sign-in, which is no reason to refuse.)"""
    _require_admin(actor)
    if any(g not in {x.value for x in Group} for g in [*add, *remove]):
        raise ValidationError(f"must be {word_list((g.label for g in Group), last='or')}", field="groups")
    if actor.user_id == user_id and Group.ADMINS.value in remove:
        raise ValidationError("you cannot remove your own admin role", field="groups")
    profile = UserProfile.get_or_not_found(user_id, consistent=True)
    if set(profile.groups) != set(expected_groups):
        raise Conflict(db.stale_message("list of groups"), field="expected_groups")
    idp = client("cognito-idp")
    pool = settings().user_pool_id
    # By ``sub``, never by email: people may change their email, the sub never changes (the pool signs
    # in with email as an alias, so the sub is the user name).
    for group in add:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user_id, GroupName=group)
    for group in remove:
        idp.admin_remove_user_from_group(UserPoolId=pool, Username=user_id, GroupName=group)
    before = {"groups": list(profile.groups)}
    profile.groups = sorted((set(profile.groups) | set(add)) - set(remove))
    profile.updated_at = datetime.now(UTC)
    with db.transaction() as tx:
        tx.save(profile)
        tx.save(audit_entry(actor=actor, entity_type="user", entity_id=user_id, action="change_groups",
                            before=before, after={"groups": profile.groups}, reason=reason or None))
    return profile


def broker_profile_create(*, actor: Actor, broker_id: str, name: str, email: str, licence_number: str,
                          company: str, phone: str = "") -> BrokerProfile:
    """A broker's profile; the licence number is unique across brokers."""
    if not (actor.is_admin or actor.user_id == broker_id):
        raise PermissionDenied("only the broker or an admin may create this profile")
    errors = {}
    if not _LICENCE.match(licence_number or ""):
        errors["licence_number"] = "must be 3-32 letters, digits, '/' or '-'"
    if not (name or "").strip():
        errors["name"] = "is required"
    if not (company or "").strip():
        errors["company"] = "is required"
    if errors:
        raise invalid(errors)
    profile = BrokerProfile(broker_id=broker_id, name=name.strip(), email=email, phone=phone,
                            licence_number=licence_number.strip().upper(), company=company.strip())
    guard = Guard(*Guard.unique_key("licence", profile.licence_number), ref=broker_id)
    try:
        with db.transaction(conflict_message=None) as tx:
            tx.create(guard)
            tx.save(profile)
            tx.save(audit_entry(actor=actor, entity_type="broker", entity_id=broker_id, action="create",
                                after={"name": profile.name, "licence_number": profile.licence_number,
                                       "company": profile.company}))
    except db.ConditionFailed as failed:
        if failed.item is guard:
            raise ValidationError("another broker has this licence number", field="licence_number") from None
        raise Conflict("this broker already has a profile") from None
    return profile


def broker_verify(*, actor: Actor, broker_id: str, verified: bool, expected_version: int,
                  reason: str = "") -> BrokerProfile:
    """An admin verifies a broker's licence (or withdraws it) as the page showed the broker: a profile
    changed since (by the broker or another admin) is refused, nothing written."""
    _require_admin(actor)
    profile = BrokerProfile.get_or_not_found(broker_id, consistent=True)
    db.check_version(profile, expected_version, noun="broker")
    before = {"verified": profile.verified}
    profile.verified = verified
    profile.verified_at = datetime.now(UTC) if verified else None
    profile.verified_by = actor.user_id if verified else None
    with db.transaction(conflict_message=db.stale_message("broker"), conflict_field="expected_version") as tx:
        tx.save(profile)
        tx.save(audit_entry(actor=actor, entity_type="broker", entity_id=broker_id,
                            action="verify" if verified else "unverify", before=before,
                            after={"verified": verified}, reason=reason or None))
        tx.save(to_outbox(DomainEvent(EventType.BROKER_VERIFIED, {"broker_id": broker_id, "verified": verified})))
    return profile


def broker_rename(*, actor: Actor, broker_id: str, name: str, expected_version: int) -> BrokerProfile:
    """The broker (or an admin) changes the broker's name as the page showed the profile; then every
    listing of theirs gets the new name's search key (``Listing.broker_key``), so the admin's listings
    search finds them by it at once."""
    if not (actor.is_admin or actor.user_id == broker_id):
        raise PermissionDenied("only the broker or an admin may rename this broker")
    if not (name or "").strip():
        raise ValidationError("is required", field="name")
    profile = BrokerProfile.get_or_not_found(broker_id, consistent=True)
    db.check_version(profile, expected_version, noun="broker")
    before = {"name": profile.name}
    profile.name = name.strip()
    with db.transaction(conflict_message=db.stale_message("broker"), conflict_field="expected_version") as tx:
        tx.save(profile)
        tx.save(audit_entry(actor=actor, entity_type="broker", entity_id=broker_id, action="rename",
                            before=before, after={"name": profile.name}))
    broker_key_rewrite(broker_id=broker_id, name=profile.name)
    return profile


def seller_create(*, actor: Actor, name: str, kind: str = "owner", email: str = "", phone: str = "",
                  seller_id: str | None = None) -> Seller:
    """A broker (or admin) records the owner or developer they list for. ``seller_id`` is the seller's
    Cognito sub when they will sign in."""
    if not (actor.is_broker or actor.is_admin):
        raise PermissionDenied("only brokers and admins record sellers")
    if not (name or "").strip():
        raise ValidationError("is required", field="name")
    if kind not in ("owner", "developer"):
        raise ValidationError("must be owner or developer", field="kind")
    seller = Seller(seller_id=seller_id or new_id(), name=name.strip(), kind=kind, email=email, phone=phone,
                    created_by=actor.user_id)
    with db.transaction(conflict_message="this seller already exists") as tx:
        tx.create(seller)
        tx.save(audit_entry(actor=actor, entity_type="seller", entity_id=seller.seller_id, action="create",
                            after={"name": seller.name, "kind": kind}))
    return seller


def _subscription(user_id: str, expected_version: int | None) -> Subscription:
    """The person's subscription at the version its changer read (None: they had none), or nothing is
    written: two admins, or an admin and a payment, never overwrite each other's term silently."""
    if expected_version is not None and (isinstance(expected_version, bool) or not isinstance(expected_version, int)):
        raise ValidationError("the version you opened must be a whole number: reload and try again",
                              field="expected_version")
    subscription = (Subscription.get_or_none(user_id, consistent=True)
                    or Subscription(user_id=user_id, tier=Tier.FREE.value))
    if subscription.version != expected_version:
        raise Conflict(db.stale_message("subscription"), field="expected_version")
    return subscription


def _save_subscription(*, actor: Actor, subscription: Subscription, action: str, before: dict, reason: str,
                       also: Callable[[db.Transaction], None] | None = None):
    if not (reason or "").strip():
        raise ValidationError("a reason is required", field="reason")
    subscription.reason = reason.strip()
    subscription.granted_by = actor.user_id
    subscription.updated_at = datetime.now(UTC)
    after = {"tier": subscription.tier, "starts_at": subscription.starts_at, "expires_at": subscription.expires_at}
    with db.transaction(conflict_message=db.stale_message("subscription"), conflict_field="expected_version") as tx:
        tx.save(subscription)
        tx.save(audit_entry(actor=actor, entity_type="subscription", entity_id=subscription.user_id,
                            action=action, before=before, after=after, reason=reason))
        tx.save(to_outbox(DomainEvent(EventType.SUBSCRIPTION_CHANGED, {
            "user_id": subscription.user_id, "tier": subscription.tier, "action": action,
            "expires_at": subscription.expires_at.isoformat() if subscription.expires_at else None})))
        if also:
            also(tx)
    return subscription


def _snapshot(subscription: Subscription) -> dict:
    return {"tier": subscription.tier, "starts_at": subscription.starts_at, "expires_at": subscription.expires_at}


def subscription_grant(*, actor: Actor, user_id: str, tier: str, expires_at: datetime, reason: str,
                       expected_version: int | None, starts_at: datetime | None = None,
                       also: Callable[[db.Transaction], None] | None = None) -> Subscription:
    """An admin grants a prepaid term (a payment verified by hand) or a complimentary one; a payment verified
    with its provider grants through here too (``PAYMENTS``), its order's writes committed with the grant
    (``also`` adds them to the transaction). ``expected_version`` is the subscription's version as read
    (None: the person had none)."""
    if actor != PAYMENTS:
        _require_admin(actor)
    if tier not in PAID_TIERS:
        raise ValidationError(f"must be {word_list((TIER_NAMES[t] for t in PAID_TIERS), last='or')}", field="tier")
    start = starts_at or datetime.now(UTC)
    if expires_at <= start:
        raise ValidationError("must be after the start", field="expires_at")
    subscription = _subscription(user_id, expected_version)
    before = _snapshot(subscription)
    subscription.tier, subscription.starts_at, subscription.expires_at = Tier(tier).value, start, expires_at
    return _save_subscription(actor=actor, subscription=subscription, action="grant", before=before, reason=reason,
                              also=also)


def subscription_extend(*, actor: Actor, user_id: str, expires_at: datetime, reason: str,
                        expected_version: int | None) -> Subscription:
    _require_admin(actor)
    subscription = _subscription(user_id, expected_version)
    if subscription.tier == Tier.FREE or subscription.expires_at is None:
        raise ValidationError("there is no subscription to extend: grant one", field="tier")
    if expires_at <= subscription.expires_at:
        raise ValidationError("must be later than the current expiry", field="expires_at")
    before = _snapshot(subscription)
    subscription.expires_at = expires_at
    return _save_subscription(actor=actor, subscription=subscription, action="extend", before=before, reason=reason)


def subscription_revoke(*, actor: Actor, user_id: str, reason: str, expected_version: int | None) -> Subscription:
    """Ends access now (the term is kept in the audit log)."""
    _require_admin(actor)
    subscription = _subscription(user_id, expected_version)
    if subscription.tier == Tier.FREE:
        raise ValidationError("there is no subscription to revoke", field="tier")
    before = _snapshot(subscription)
    subscription.expires_at = datetime.now(UTC)
    return _save_subscription(actor=actor, subscription=subscription, action="revoke", before=before, reason=reason)
