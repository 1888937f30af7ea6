"""Back-office tests: Django's test client (no relational database) against the emulator.

People are real Cognito users of the fresh user pool, signing in through the real pages with real
TOTP codes (the emulator checks them). Listings are made through the domain's services.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")

import django

django.setup()
# Configured now. Take the variable back out of the environment: pytest-xdist's workers inherit it and
# pytest-django would set Django up in them before tests/conftest.py points the platform at the emulator.
os.environ.pop("DJANGO_SETTINGS_MODULE")

import pytest
from django.test import Client

from marketplace.actors import Group
from marketplace.services import people as people_services
from tests.backoffice import browsing
from tests.shared.agencies import licensed_agency
from tests.shared.listings import make_listing
from tests.shared.people import PASSWORD, Person, sign_up, totp_code

# The back office over HTTP for the browser tests (the browser itself is the suite's: tests/conftest.py).
live_backoffice = browsing.live_backoffice


@pytest.fixture
def people(platform) -> dict[str, Person]:
    """Everyone the tests need, as real users of the fresh pool."""
    crowd = {
        "admin": sign_up("admin@test.shikhar.np", (Group.ADMINS,)),
        "broker": sign_up("broker@test.shikhar.np", (Group.BROKERS,)),
        "other_broker": sign_up("other@test.shikhar.np", (Group.BROKERS,)),
        "seller": sign_up("seller@test.shikhar.np", (Group.SELLERS,)),
        "buyer": sign_up("buyer@test.shikhar.np", (Group.BUYERS,)),
    }
    for key in ("broker", "other_broker"):
        person = crowd[key]
        people_services.broker_profile_create(actor=person.actor, broker_id=person.user_id, name=key.title(),
                                              email=person.email, licence_number=f"KTM-{key[:3].upper()}-1",
                                              company="Himal Realty")
    # Their luxury listings (above Rs 3 crore in the metropolitan cities) need a licensed agency.
    licensed_agency(crowd["broker"].actor, crowd["other_broker"].actor, admin=crowd["admin"].actor)
    return crowd


def sign_in(browser: Client, person: Person, *, follow: bool = True):
    """Through the real pages: password, then TOTP (set up on first sign-in for brokers and admins)."""
    response = browser.post("/login/", {"email": person.email, "password": PASSWORD})
    if response.status_code == 302 and response["Location"] == "/login/totp-setup/":
        page = browser.get("/login/totp-setup/")
        person.totp_secret = page.context["secret"]
        person.last_code = totp_code(person.totp_secret)  # its step completes this sign-in only
        response = browser.post("/login/totp-setup/", {"code": person.last_code})
    elif response.status_code == 302 and response["Location"] == "/login/code/":
        response = browser.post("/login/code/", {"code": person.fresh_code()})
    if follow and response.status_code == 302:
        return browser.get(response["Location"], follow=True)
    return response


@pytest.fixture
def signed_in(people):
    """``signed_in("admin")``: a test client signed in as that person."""

    def make(key: str) -> Client:
        browser = Client()
        response = sign_in(browser, people[key])
        assert response.status_code == 200, response.content[:500]
        return browser

    return make


@pytest.fixture
def listing_factory(people):
    """The shared listing factory, by the broker unless told otherwise, approved by the admin."""

    def make(*, status: str = "draft", broker: str = "broker", **overrides):
        return make_listing(people[broker].actor, status=status, admin=people["admin"].actor, **overrides)

    return make
