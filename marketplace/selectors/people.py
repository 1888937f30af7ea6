"""People reads: profiles with their subscription (one Query), directories, expiring subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.entitlements import Entitlements, entitlements_of
from marketplace.errors import NotFound
from marketplace.models import BrokerProfile, Item, Seller, Subscription, UserProfile, iso
from marketplace.pagination import Page, decode_cursor, page_of


def profile_and_subscription(*, user_id: str) -> tuple[UserProfile | None, Subscription | None]:
    """The profile and subscription share a partition: one Query."""
    profile = subscription = None
    for item in Item.query(f"USER#{user_id}", Item.sk.between("PROFILE", "SUBSCRIPTION")):
        if isinstance(item, UserProfile):
            profile = item
        elif isinstance(item, Subscription):
            subscription = item
    return profile, subscription


def entitlements_for(*, user_id: str | None) -> Entitlements:
    if not user_id:
        return entitlements_of(None)
    try:
        subscription = Subscription.get(*Subscription.key(user_id))
    except Subscription.DoesNotExist:
        subscription = None
    return entitlements_of(subscription)


def users_search(*, email_prefix: str = "", limit: int = 50, cursor: str | None = None) -> Page[UserProfile]:
    scope = f"gsi5:USERS:{email_prefix.lower()}"
    condition = UserProfile.gsi5sk.startswith(email_prefix.lower()) if email_prefix else None
    result = UserProfile.collection_index.query("USERS", condition, limit=limit,
                                                last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def user_get(*, user_id: str) -> UserProfile:
    try:
        return UserProfile.get(*UserProfile.key(user_id))
    except UserProfile.DoesNotExist:
        raise NotFound("no such user", field="user_id") from None


def brokers_list(*, limit: int = 100, cursor: str | None = None) -> Page[BrokerProfile]:
    scope = "gsi5:BROKERS"
    return page_of(BrokerProfile.collection_index.query("BROKERS", limit=limit,
                                                        last_evaluated_key=decode_cursor(cursor, scope=scope)),
                   scope=scope)


def broker_get(*, broker_id: str) -> BrokerProfile:
    try:
        return BrokerProfile.get(*BrokerProfile.key(broker_id))
    except BrokerProfile.DoesNotExist:
        raise NotFound("no such broker", field="broker_id") from None


def sellers_list(*, limit: int = 100) -> list[Seller]:
    return list(Seller.collection_index.query("SELLERS", limit=limit))


def subscriptions_expiring(*, within: timedelta, at: datetime | None = None) -> list[Subscription]:
    """Subscriptions whose term ends between now and ``within`` from now, soonest first."""
    moment = at or datetime.now(UTC)
    return list(Subscription.collection_index.query(
        "SUBSCRIPTIONS", Subscription.gsi5sk.between(iso(moment), iso(moment + within) + "~")))
