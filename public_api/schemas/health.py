"""The health check's answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Whether the API can serve: each dependency a request needs, and how it answered."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, Literal["ok", "unavailable", "failing"]] = Field(examples=[{"table": "ok"}])
