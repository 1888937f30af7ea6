"""The public API through the local gateway over real HTTP, against the emulator.

People are real Cognito users of the fresh user pool with real tokens; listings are made through the
domain's services (create -> submit -> approve), subscriptions granted by an admin.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime, timedelta

import jwt
import moto.cognitoidp
import pytest
import requests

from local.payment_providers import PaymentProviders
from local.provision import provision_payments
from marketplace.actors import Actor, Group
from marketplace.deployment import Env
from marketplace.lifecycle import Status
from marketplace.payments import providers
from marketplace.search_index import writer as search_index_writer
from marketplace.services import people
from public_api import search_index
from public_api.functions.search_index_writer import CARDS
from tests.shared.agencies import licensed_agency
from tests.shared.listings import make_listing
from tests.shared.people import ADMIN, LISTER, Person, sign_up


@pytest.fixture
def buyer(api, platform) -> Person:
    return sign_up("buyer@test.shikhar.np", (Group.BUYERS,), token=True)


@pytest.fixture
def premium_buyer(api, platform) -> Person:
    return sign_up("premium@test.shikhar.np", (Group.BUYERS,), token=True, tier="premium")


@pytest.fixture
def lapsed_buyer(api, platform) -> Person:
    """Paid for premium; the term ended a minute ago."""
    return sign_up("lapsed@test.shikhar.np", (Group.BUYERS,), token=True, tier="premium",
                   expires_at=datetime.now(UTC) - timedelta(minutes=1))


@pytest.fixture
def investor(api, platform) -> Person:
    return sign_up("investor@test.shikhar.np", (Group.BUYERS, Group.INVESTORS), token=True, tier="investor")


@pytest.fixture
def broker(api, platform) -> Person:
    return sign_up("broker@test.shikhar.np", (Group.BROKERS,), token=True)


@pytest.fixture
def lister(api) -> Actor:
    """The broker who owns the seeded listings (not signed in to the API), with a broker profile."""
    people.broker_profile_create(actor=ADMIN, broker_id=LISTER.user_id, name=LISTER.name, email=LISTER.email,
                                 licence_number="KTM-BT-1", company="Himal Realty")
    licensed_agency(LISTER, name="Himal Realty")  # the luxury listings it seeds need a licensed agency
    return LISTER


@pytest.fixture
def market(lister):
    """One listing of each visibility: public, premium, exclusive (investors), coming soon (early access)."""
    return {
        "public": make_listing(lister, status=Status.ACTIVE, title="Public family house"),
        "premium": make_listing(lister, status=Status.ACTIVE, title="Premium villa in Sanepa", property_type="villa",
                                neighborhood="sanepa", price="9 crore", premium=True),
        "exclusive": make_listing(lister, status=Status.ACTIVE, title="Off-market estate", exclusive=True,
                                  price="15 crore"),
        "coming_soon": make_listing(lister, status=Status.COMING_SOON, title="Coming soon penthouse",
                                    property_type="apartment", public_at=datetime.now(UTC) + timedelta(days=7)),
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
        built = search_index_writer.rebuild(CARDS)
        search_index.reset()
        return built

    return run


@pytest.fixture(scope="session")
def payment_providers(gateway):
    server = PaymentProviders(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def payments(api, payment_providers, monkeypatch) -> PaymentProviders:
    """The emulators, fresh, and the platform pointed at them (keys in the emulator's Secrets Manager)."""
    payment_providers.reset()
    environment = provision_payments(providers_environment=payment_providers.environment(), return_url=api)
    for name, value in {**environment, Env.PAYMENT_READ_SECONDS: "1"}.items():
        monkeypatch.setenv(name, value)
    providers.reset()
    yield payment_providers
    providers.reset()
