"""The public API through the local gateway over real HTTP, against the emulator.

People are real Cognito users of the fresh user pool with real tokens; listings are made through the
domain's services (create -> submit -> approve), subscriptions granted by an admin.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import moto.cognitoidp
import pytest
import requests

from marketplace import aws
from marketplace.actors import Actor, Group
from marketplace.lifecycle import Action
from marketplace.search_index import writer as search_index_writer
from marketplace.services import listings as listing_services
from marketplace.services import people
from public_api import search_index
from tests.marketplace.conftest import COMPLETE_HOUSE as HOUSE
from tests.marketplace.conftest import submit
from tests.shared.lifecycle import listing_act

PASSWORD = "Correct-Horse-Battery-42"


ADMIN = Actor(user_id="admin-1", email="admin@test.shikhar.np", groups=frozenset({Group.ADMINS}))


@dataclass
class Person:
    email: str
    user_id: str
    token: str
    actor: Actor

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(resources, email: str, groups: tuple[str, ...], *, tier: str | None = None,
            expires_at: datetime | None = None) -> Person:
    idp = aws.client("cognito-idp")
    user = idp.admin_create_user(UserPoolId=resources.user_pool_id, Username=email, MessageAction="SUPPRESS",
                                 UserAttributes=[{"Name": "email", "Value": email},
                                                 {"Name": "email_verified", "Value": "true"}])["User"]
    idp.admin_set_user_password(UserPoolId=resources.user_pool_id, Username=email, Password=PASSWORD,
                                Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=resources.user_pool_id, Username=email, GroupName=group)
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    token = idp.initiate_auth(ClientId=resources.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD}
                              )["AuthenticationResult"]["AccessToken"]
    if tier:
        start = datetime.now(UTC) - timedelta(days=60)
        people.subscription_grant(actor=ADMIN, user_id=sub, tier=tier, starts_at=start,
                                  expires_at=expires_at or datetime.now(UTC) + timedelta(days=30), reason="paid")
    return Person(email=email, user_id=sub, token=token,
                  actor=Actor(user_id=sub, email=email, groups=frozenset(groups)))


@pytest.fixture
def buyer(api, platform) -> Person:
    return sign_up(platform, "buyer@test.shikhar.np", (Group.BUYERS,))


@pytest.fixture
def premium_buyer(api, platform) -> Person:
    return sign_up(platform, "premium@test.shikhar.np", (Group.BUYERS,), tier="premium")


@pytest.fixture
def lapsed_buyer(api, platform) -> Person:
    """Paid for premium; the term ended a minute ago."""
    return sign_up(platform, "lapsed@test.shikhar.np", (Group.BUYERS,), tier="premium",
                   expires_at=datetime.now(UTC) - timedelta(minutes=1))


@pytest.fixture
def investor(api, platform) -> Person:
    return sign_up(platform, "investor@test.shikhar.np", (Group.BUYERS, Group.INVESTORS), tier="investor")


@pytest.fixture
def broker(api, platform) -> Person:
    return sign_up(platform, "broker@test.shikhar.np", (Group.BROKERS,))


def publish(broker: Actor, *, public_at: datetime | None = None, premium: bool | None = None, **fields):
    """A listing made and approved through the domain (coming soon when ``public_at`` is given)."""
    listing = listing_services.listing_create(actor=broker, fields={**HOUSE, **fields})
    submit(broker, listing.listing_id)
    action = Action.APPROVE_COMING_SOON if public_at else Action.APPROVE
    return listing_act(actor=ADMIN, listing_id=listing.listing_id, action=action,
                       public_at=public_at, premium=premium)


@pytest.fixture
def lister(api) -> Actor:
    """The broker who owns the seeded listings (not signed in to the API), with a broker profile."""
    actor = Actor(user_id="broker-lister", email="lister@test.shikhar.np", groups=frozenset({Group.BROKERS}),
                  name="Bikash Thapa")
    people.broker_profile_create(actor=ADMIN, broker_id=actor.user_id, name=actor.name, email=actor.email,
                                 licence_number="KTM-BT-1", company="Himal Realty")
    return actor


@pytest.fixture
def market(lister):
    """One listing of each visibility: public, premium, exclusive (investors), coming soon (early access)."""
    return {
        "public": publish(lister, title="Public family house"),
        "premium": publish(lister, title="Premium villa in Sanepa", property_type="villa",
                           neighborhood="sanepa", price="9 crore", premium=True),
        "exclusive": publish(lister, title="Off-market estate", exclusive=True, price="15 crore"),
        "coming_soon": publish(lister, title="Coming soon penthouse", property_type="apartment",
                               public_at=datetime.now(UTC) + timedelta(days=7)),
    }


def get(url: str, path: str, person: Person | None = None, *, headers: dict | None = None,
        **kwargs) -> requests.Response:
    return requests.get(url + path, headers=headers if headers is not None else (person.headers if person else {}),
                        timeout=30, **kwargs)


def forged_token(person: Person, **changes) -> str:
    """The person's access token re-signed with the emulator's own signing key after changing claims
    (e.g. ``exp`` in the past): a token Cognito could have issued, for cases a real sign-in cannot make."""
    key_file = os.path.join(os.path.dirname(moto.cognitoidp.__file__), "resources", "jwks-private.json.gz")
    with gzip.open(key_file) as handle:
        private = json.load(handle)
    claims = {**jwt.decode(person.token, options={"verify_signature": False}), **changes}
    key = jwt.PyJWK(private)
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": private["kid"]})


@pytest.fixture
def reindex(api):
    """Build the search index from the table and publish it, as the writer's rebuild does; the API then
    loads it as a cold function would."""

    def run() -> dict:
        built = search_index_writer.rebuild()
        search_index.reset()
        return built

    return run
