"""Who is acting: every service takes one, so every write knows its author."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Group(StrEnum):
    """The Cognito groups; the same names in the user pool, tokens and infra."""

    ADMINS = "admins"
    BROKERS = "brokers"
    SELLERS = "sellers"
    BUYERS = "buyers"
    INVESTORS = "investors"

    @property
    def label(self) -> str:
        """The group as people name it: "Admins", "Investors"."""
        return self.value.capitalize()


# Who may sign in to the back office, and who must use a second factor there (TOTP).
BACK_OFFICE_GROUPS = frozenset({Group.ADMINS, Group.BROKERS, Group.SELLERS})
MFA_GROUPS = frozenset({Group.ADMINS, Group.BROKERS})

@dataclass(frozen=True)
class Actor:
    user_id: str
    email: str = ""
    groups: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return Group.ADMINS in self.groups

    @property
    def is_broker(self) -> bool:
        return Group.BROKERS in self.groups

    @property
    def is_seller(self) -> bool:
        return Group.SELLERS in self.groups

    @property
    def in_back_office(self) -> bool:
        return bool(BACK_OFFICE_GROUPS & self.groups)

    @property
    def needs_mfa(self) -> bool:
        return bool(MFA_GROUPS & self.groups)

    @property
    def is_system(self) -> bool:
        return self.user_id == SYSTEM.user_id

    @classmethod
    def from_claims(cls, claims: dict) -> Actor:
        """From verified Cognito token claims (``sub``, ``email``, ``cognito:groups``)."""
        groups = claims.get("cognito:groups") or []
        if isinstance(groups, str):  # HTTP API flattens lists into "[a b]" strings
            groups = groups.strip("[]").replace(",", " ").split()
        return cls(user_id=claims["sub"], email=claims.get("email", ""), groups=frozenset(groups),
                   name=claims.get("name", ""))


SYSTEM = Actor(user_id="system", email="system@shikhar.np", name="Shikhar scheduler")
# A payment verified with its provider: grants the term bought through the admins' own service.
PAYMENTS = Actor(user_id="payments", email="payments@shikhar.np", name="Shikhar payments")
