"""An inquiry to a listing's broker: what the buyer sends and the answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InquiryIn(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=2, max_length=100)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    message: str = Field(min_length=10, max_length=2000)
    preferred_contact_time: str = Field("", max_length=100)


class InquiryOut(BaseModel):
    inquiry_id: str
    listing_id: str
    status: str
    created_at: datetime
    created: bool = Field(description="False when this idempotency key was already used: nothing new was sent")
