"""Who a message goes to: an address, a name, preferences and a language, for buyers (their profile and
preferences, one Query each or one BatchGet for many) and brokers (their broker profile)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from marketplace.actors import Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.models import BrokerProfile, DeliveryPreferences, UserProfile
from marketplace.table import Item


@dataclass(frozen=True)
class Recipient:
    user_id: str
    email: str = ""
    name: str = ""
    language: str = "en"
    email_on: bool = True
    push_on: bool = True
    apps: tuple[str, ...] = ()  # the buyer apps they registered: their push goes to those apps' topics


def people(user_ids: Iterable[str]) -> dict[str, Recipient]:
    """Buyers (or anyone with a profile) by id: one BatchGetItem of profiles and preferences per 50."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    keys = [UserProfile.key(i) for i in ids] + [DeliveryPreferences.key(i) for i in ids]
    profiles: dict[str, UserProfile] = {}
    preferences: dict[str, DeliveryPreferences] = {}
    for item in Item.batch_get(keys):
        (profiles if isinstance(item, UserProfile) else preferences)[item.user_id] = item
    return {i: _recipient(i, profiles.get(i) or _from_user_pool(i), preferences.get(i)) for i in ids}


@dataclass(frozen=True)
class _PoolUser:
    email: str
    name: str = ""


def _from_user_pool(user_id: str) -> _PoolUser | None:
    """A buyer who never had a profile written (the apps sign in with access tokens, which carry no
    address): their address from the user pool (ListUsers by ``sub``)."""
    pool = settings().user_pool_id
    if not pool:
        return None
    users = client("cognito-idp").list_users(UserPoolId=pool, Filter=f'sub = "{user_id}"', Limit=1)["Users"]
    attributes = {a["Name"]: a["Value"] for user in users for a in user["Attributes"]}
    return _PoolUser(email=attributes["email"], name=attributes.get("name", "")) if attributes.get("email") else None


def admins() -> list[str]:
    """The user ids of the admins group (the user pool is where groups live; ListUsersInGroup)."""
    pool = settings().user_pool_id
    if not pool:
        return []
    pages = client("cognito-idp").get_paginator("list_users_in_group").paginate(UserPoolId=pool, GroupName=Group.ADMINS)
    return [a["Value"] for page in pages for user in page["Users"] for a in user["Attributes"] if a["Name"] == "sub"]


def agency_brokers(agency_id: str) -> list[str]:
    """The ids of an agency's brokers (gsi6 ``AGENCY#<id>``, keys only: one Query)."""
    return [item.pk.removeprefix(BrokerProfile.partition("")) for item in BrokerProfile.of_agency(agency_id)]


def broker(broker_id: str) -> Recipient:
    profile = BrokerProfile.get_or_none(broker_id)
    chosen = DeliveryPreferences.get_or_none(broker_id)
    return _recipient(broker_id, profile, chosen)


def _recipient(user_id: str, profile, chosen: DeliveryPreferences | None) -> Recipient:
    chosen = chosen or DeliveryPreferences(user_id=user_id)
    return Recipient(user_id=user_id, email=profile.email if profile else "", name=profile.name if profile else "",
                     language=chosen.language, email_on=chosen.email, push_on=chosen.push, apps=tuple(chosen.apps or ()))
