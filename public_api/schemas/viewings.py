"""Viewing requests (RESO ShowingAppointment)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from marketplace.services.viewings import MAX_SLOTS, MESSAGE_MAX


class ViewingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slots: list[datetime] = Field(min_length=1, max_length=MAX_SLOTS,
                                  description="Up to three start times with their time zone, 2 hours to 60 days ahead",
                                  examples=[["2026-12-05T10:00:00+05:45", "2026-12-06T15:00:00+05:45"]])
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254, description="Where the invitation goes; default: the account's e-mail")
    message: str = Field("", max_length=MESSAGE_MAX)


class ViewingOut(BaseModel):
    viewing_id: str
    listing_id: str
    state: str = Field(examples=["requested"], description="requested, confirmed or expired")
    slots: list[datetime]
    expires_at: datetime = Field(description="Unconfirmed by then, the request expires")
    confirmed_start: datetime | None = None
