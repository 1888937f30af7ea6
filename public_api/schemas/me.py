"""The signed-in buyer: profile, entitlements, favorites."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.delivery import BUYER_APPS, LANGUAGE_NAMES, LANGUAGES
from marketplace.entitlements import Tier
from public_api.schemas.listings import ListingCard

# The tiers' one spelling (marketplace.entitlements.Tier); the schema stays an enum of strings.
TierName = Literal[tuple(t.value for t in Tier)]
# The buyer apps' one spelling (marketplace.delivery.BUYER_APPS).
AppName = Literal[BUYER_APPS]
APPS_DESCRIPTION = ("The buyer apps this buyer uses: push goes to each one's topic (none registered: the "
                    "notifications topic)")


class EntitlementsOut(BaseModel):
    tier: TierName
    active: bool
    expires_at: datetime | None = None
    early_access: bool
    premium_media: bool
    exclusive_access: bool


class Delivery(BaseModel):
    """How the caller hears from Shikhar: each channel on or off, and the language of messages."""

    email: bool = Field(description="Alerts, digests and account news by e-mail")
    push: bool = Field(description="Push notifications to the buyer apps")
    language: Literal[LANGUAGES] = Field(description="; ".join(f"{code}: {name}" for code, name in LANGUAGE_NAMES.items()))
    apps: list[AppName] = Field(description=APPS_DESCRIPTION)


class DeliveryChange(BaseModel):
    """What to change; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    email: bool | None = None
    push: bool | None = None
    language: Literal[LANGUAGES] | None = None
    apps: list[AppName] | None = Field(None, max_length=len(BUYER_APPS),
                                       description=f"{APPS_DESCRIPTION}; replaces the list, each app once")


class MeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notifications: DeliveryChange


class Me(BaseModel):
    user_id: str
    email: str
    name: str
    groups: list[str]
    entitlements: EntitlementsOut
    notifications: Delivery


class FavoritePage(BaseModel):
    items: list[ListingCard]
    unavailable: list[str] = Field(description="Saved listings no longer visible to the caller")
    next_cursor: str | None = None


class FavoriteState(BaseModel):
    listing_id: str
    favorited: bool
    changed: bool = Field(description="False when the request changed nothing (it is idempotent)")
