"""The one actor type of the suite: ``Person``, a real user of the test's fresh user pool (its ``actor`` is what
the domain's services take), and the fixed actors that domain and pipeline tests use without signing in."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp

from marketplace.actors import Actor, Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.services import people

PASSWORD = "Correct-Horse-Battery-42"

ADMIN = Actor(user_id="admin-1", email="admin@test.shikhar.np", groups=frozenset({Group.ADMINS}))
SECOND_ADMIN = Actor(user_id="admin-2", email="admin2@test.shikhar.np", groups=frozenset({Group.ADMINS}))
BROKER = Actor(user_id="broker-1", email="broker@test.shikhar.np", groups=frozenset({Group.BROKERS}))
OTHER_BROKER = Actor(user_id="broker-2", email="other@test.shikhar.np", groups=frozenset({Group.BROKERS}))
BUYER = Actor(user_id="buyer-1", email="buyer@test.shikhar.np", groups=frozenset({Group.BUYERS}))
# The broker whose listings the API's and the operations' tests read (not signed in).
LISTER = Actor(user_id="broker-lister", email="lister@test.shikhar.np", groups=frozenset({Group.BROKERS}),
               name="Bikash Thapa")


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
    """A user of the pool: signs in to the back office through its pages (``totp_secret`` once set up there)
    or calls the API with ``token`` (an access token, when asked for at sign-up)."""

    email: str
    groups: tuple[str, ...]
    user_id: str = ""
    token: str | None = None
    totp_secret: str | None = None
    last_code: str | None = None  # a code's time step completes one sign-in only

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, email=self.email, groups=frozenset(self.groups))

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def set_up_totp(self) -> None:
        """TOTP set up as an authenticator app user does it, through Cognito's API (no back-office sign-in,
        so no time step is spent: the next sign-in can use the current code)."""
        idp = client("cognito-idp")
        token = _access_token(self.email)
        self.totp_secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
        idp.verify_software_token(AccessToken=token, UserCode=totp_code(self.totp_secret))
        idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True,
                                                                                 "PreferredMfa": True})

    def fresh_code(self) -> str:
        """The current code, or the next step's if the current one was used already."""
        code = totp_code(self.totp_secret)
        while code == self.last_code:
            time.sleep(30 - time.time() % 30 + 0.1)
            code = totp_code(self.totp_secret)
        self.last_code = code
        return code


def _access_token(email: str) -> str:
    """Signed in as an app does (password only: a user without TOTP), for an access token."""
    return client("cognito-idp").initiate_auth(ClientId=settings().user_pool_client_id,
                                               AuthFlow="USER_PASSWORD_AUTH",
                                               AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
                                               )["AuthenticationResult"]["AccessToken"]


def sign_up(email: str, groups: Iterable[str], *, token: bool = False, tier: str | None = None,
            expires_at: datetime | None = None) -> Person:
    """A confirmed user of the platform's pool in ``groups``; with ``token`` signed in for an access token;
    with ``tier`` a subscription an admin granted (started 60 days ago, ending ``expires_at`` or in 30 days)."""
    idp = client("cognito-idp")
    pool = settings().user_pool_id
    groups = tuple(str(group) for group in groups)
    idp.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    attributes = idp.admin_get_user(UserPoolId=pool, Username=email)["UserAttributes"]
    person = Person(email=email, groups=groups, user_id=next(a["Value"] for a in attributes if a["Name"] == "sub"))
    if token:
        person.token = _access_token(email)
    if tier:
        start = datetime.now(UTC) - timedelta(days=60)
        people.subscription_grant(actor=ADMIN, user_id=person.user_id, tier=tier, starts_at=start,
                                  expires_at=expires_at or datetime.now(UTC) + timedelta(days=30), reason="paid",
                                  expected_version=None)  # a new user has none
    return person
