"""Viewing requests (RESO ShowingAppointment)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.services.viewings import MAX_SLOTS, MESSAGE_MAX, REASON_LENGTHS, RESO_STATUS, ViewingState

StateName = Literal[tuple(s.value for s in ViewingState)]
StatusName = Literal[tuple(RESO_STATUS.values())]


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
    listing_title: str = ""
    state: StateName = Field(examples=["requested"])
    status: StatusName = Field(examples=["Requested"], description="The state in RESO ShowingAppointment words")
    slots: list[datetime]
    expires_at: datetime = Field(description="Unanswered by then, the request expires")
    confirmed_start: datetime | None = None
    reason: str = Field("", description="The broker's reason to decline, or the buyer's to cancel")
    created_at: datetime
    decided_at: datetime | None = Field(None, description="When it was confirmed, declined, cancelled or expired")
    version: int = Field(description="Send it back as expected_version to cancel")
    created: bool = Field(True, description="False when this idempotency key was already used: nothing new was made")

    @classmethod
    def of(cls, viewing, *, created: bool = True) -> ViewingOut:
        return cls(viewing_id=viewing.viewing_id, listing_id=viewing.listing_id, listing_title=viewing.listing_title,
                   state=viewing.state, status=RESO_STATUS[ViewingState(viewing.state)], slots=viewing.slots,
                   expires_at=viewing.expires_at, confirmed_start=viewing.confirmed_start, reason=viewing.reason,
                   created_at=viewing.created_at, decided_at=viewing.decided_at, version=viewing.version,
                   created=created)


class ViewingList(BaseModel):
    items: list[ViewingOut] = Field(description="Newest first")


class ViewingCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1, description="The version of the request the buyer read")
    reason: str = Field("", max_length=REASON_LENGTHS[1])
