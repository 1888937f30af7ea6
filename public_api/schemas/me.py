"""The signed-in buyer: profile, entitlements, favorites."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from marketplace.entitlements import Tier
from public_api.schemas.listings import ListingCard

# The tiers' one spelling (marketplace.entitlements.Tier); the schema stays an enum of strings.
TierName = Literal[tuple(t.value for t in Tier)]


class EntitlementsOut(BaseModel):
    tier: TierName
    active: bool
    expires_at: datetime | None = None
    early_access: bool
    premium_media: bool
    exclusive_access: bool


class Me(BaseModel):
    user_id: str
    email: str
    name: str
    groups: list[str]
    entitlements: EntitlementsOut


class FavoritePage(BaseModel):
    items: list[ListingCard]
    unavailable: list[str] = Field(description="Saved listings no longer visible to the caller")
    next_cursor: str | None = None


class FavoriteState(BaseModel):
    listing_id: str
    favorited: bool
    changed: bool = Field(description="False when the request changed nothing (it is idempotent)")
