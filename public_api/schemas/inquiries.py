"""An inquiry to a listing's broker: what the buyer sends and the answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from marketplace.services.engagement import INQUIRY_LENGTHS

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _text(field: str, default=...):
    """A text's length bounds, from the domain's (``INQUIRY_LENGTHS``)."""
    low, high = INQUIRY_LENGTHS[field]
    return Field(default, min_length=low or None, max_length=high)


class InquiryIn(BaseModel):
    model_config = _STRICT

    name: str = _text("name")
    phone: str = _text("phone", "")
    email: str = _text("email", "")
    message: str = _text("message")
    preferred_contact_time: str = _text("preferred_contact_time", "")


class InquiryOut(BaseModel):
    inquiry_id: str
    listing_id: str
    status: str
    created_at: datetime
    created: bool = Field(description="False when this idempotency key was already used: nothing new was sent")
