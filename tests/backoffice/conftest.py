"""Back-office tests: Django's test client (no relational database) against the emulator.

People are real Cognito users of the fresh user pool, signing in through the real pages with real
TOTP codes (the emulator checks them). Listings are made through the domain's services.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.test")

import django

django.setup()
# Configured now. Take the variable back out of the environment: pytest-xdist's workers inherit it and
# pytest-django would set Django up in them before tests/conftest.py points the platform at the emulator.
os.environ.pop("DJANGO_SETTINGS_MODULE")

import pyotp
import pytest
from django.test import Client

from marketplace.actors import Actor, Group
from marketplace.aws import client
from marketplace.lifecycle import Action
from marketplace.services import listings as listing_services
from marketplace.services import people as people_services
from tests.marketplace.conftest import COMPLETE_HOUSE as HOUSE
from tests.marketplace.conftest import submit
from tests.shared.lifecycle import listing_act

PASSWORD = "Correct-Horse-Battery-42"



class EmulatorTOTP(pyotp.TOTP):
    """The emulator's TOTP secret is a fixed 56-bit key, under pyotp's 112-bit minimum."""

    def byte_secret(self) -> bytes:
        secret = self.secret + "=" * (-len(self.secret) % 8)
        return base64.b32decode(secret, casefold=True)


def totp_code(secret: str) -> str:
    """The current code. The emulator allows no clock skew, so a code about to roll over is not used:
    wait for the next 30-second step instead."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    return EmulatorTOTP(secret).now()


@dataclass
class Person:
    email: str
    groups: tuple[str, ...]
    user_id: str = ""
    totp_secret: str | None = None  # set once they have set up TOTP through the pages
    last_code: str | None = None  # a code's time step completes one sign-in only

    def fresh_code(self) -> str:
        """The current code, or the next step's if the current one was used already."""
        code = totp_code(self.totp_secret)
        while code == self.last_code:
            time.sleep(30 - time.time() % 30 + 0.1)
            code = totp_code(self.totp_secret)
        self.last_code = code
        return code

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, email=self.email, groups=frozenset(self.groups))


def make_person(email: str, *groups: str) -> Person:
    idp = client("cognito-idp")
    pool = os.environ["SHIKHAR_USER_POOL_ID"]
    idp.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    attributes = idp.admin_get_user(UserPoolId=pool, Username=email)["UserAttributes"]
    sub = next(a["Value"] for a in attributes if a["Name"] == "sub")
    return Person(email=email, groups=groups, user_id=sub)


@pytest.fixture
def people(platform):
    """Everyone the tests need, as real users of the fresh pool."""
    crowd = {
        "admin": make_person("admin@test.shikhar.np", Group.ADMINS.value),
        "broker": make_person("broker@test.shikhar.np", Group.BROKERS.value),
        "other_broker": make_person("other@test.shikhar.np", Group.BROKERS.value),
        "seller": make_person("seller@test.shikhar.np", Group.SELLERS.value),
        "buyer": make_person("buyer@test.shikhar.np", Group.BUYERS.value),
    }
    for key in ("broker", "other_broker"):
        person = crowd[key]
        people_services.broker_profile_create(actor=person.actor, broker_id=person.user_id, name=key.title(),
                                              email=person.email, licence_number=f"KTM-{key[:3].upper()}-1",
                                              company="Himal Realty")
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
    """Listings made through the domain's services, by the broker unless told otherwise."""

    def make(*, status: str = "draft", broker: str = "broker", **overrides):
        owner = people[broker].actor
        listing = listing_services.listing_create(actor=owner, fields={**HOUSE, **overrides})
        if status in ("pending_review", "active"):
            listing = submit(owner, listing.listing_id)
        if status == "active":
            listing = listing_act(actor=people["admin"].actor, listing_id=listing.listing_id,
                                  action=Action.APPROVE)
        return listing

    return make
