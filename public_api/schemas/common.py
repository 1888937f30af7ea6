"""The error body every route answers with."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """Every error: a machine code, a message naming the field at fault, and per-field details."""

    code: str = Field(examples=["validation_error"])
    message: str
    field: str | None = None
    errors: dict[str, str] | None = None
