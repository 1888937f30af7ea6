"""What a subscription entitles a person to, and who may see which listing: one place for both.

- premium: premium media (drone, 360°, video, floor plans of premium listings) and early access to
  "coming soon" listings before their public date;
- investor: all of premium, plus exclusive/off-market listings.
An expired subscription entitles to nothing, from the second it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from marketplace.lifecycle import LISTED, Status, shown_after_closing


class Tier(StrEnum):
    """A buyer's subscription tier: the one spelling (subscriptions, forms, the API's schema)."""

    FREE = "free"
    PREMIUM = "premium"
    INVESTOR = "investor"


TIERS = tuple(Tier)
PAID_TIERS = (Tier.PREMIUM, Tier.INVESTOR)  # what an admin grants
TIER_NAMES = {Tier.FREE: "Free", Tier.PREMIUM: "Premium", Tier.INVESTOR: "Investor"}  # as people read them


@dataclass(frozen=True)
class Entitlements:
    tier: str = Tier.FREE.value
    expires_at: datetime | None = None
    active: bool = False

    @property
    def early_access(self) -> bool:
        return self.active and self.tier in PAID_TIERS

    @property
    def premium_media(self) -> bool:
        return self.early_access

    @property
    def exclusive_access(self) -> bool:
        return self.active and self.tier == Tier.INVESTOR

    def as_dict(self) -> dict:
        return {"tier": self.tier if self.active else Tier.FREE.value, "active": self.active,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "early_access": self.early_access, "premium_media": self.premium_media,
                "exclusive_access": self.exclusive_access}


ANONYMOUS = Entitlements()


def entitlements_of(subscription, *, at: datetime | None = None) -> Entitlements:
    """From a ``Subscription`` (or None)."""
    if subscription is None or subscription.tier == Tier.FREE:
        return ANONYMOUS
    moment = at or datetime.now(UTC)
    started = subscription.starts_at is None or subscription.starts_at <= moment
    current = subscription.expires_at is not None and moment < subscription.expires_at
    return Entitlements(tier=subscription.tier, expires_at=subscription.expires_at, active=started and current)


def can_see(listing, entitlements: Entitlements, *, at: datetime | None = None) -> bool:
    """Whether a buyer with these entitlements may see this listing (a Listing or its card)."""
    moment = at or datetime.now(UTC)
    if Status(listing.status) not in LISTED and not shown_after_closing(listing, at=moment):
        return False
    if listing.exclusive and not entitlements.exclusive_access:
        return False
    if listing.status == Status.COMING_SOON and (listing.public_at is None or listing.public_at > moment):
        return entitlements.early_access
    return True
