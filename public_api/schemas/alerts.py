"""Saved searches and unsubscribing."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.alerts.searches import MAX_NAME, Frequency

FrequencyName = Literal[tuple(f.value for f in Frequency)]


class SavedSearchOut(BaseModel):
    search_id: str
    name: str
    query: dict = Field(description="The parameters of GET /v1/listings this search runs")
    frequency: FrequencyName
    created_at: datetime
    updated_at: datetime


class SavedSearchList(BaseModel):
    items: list[SavedSearchOut]
    limit: int = Field(description="How many saved searches a buyer may keep")


class SavedSearchDeleted(BaseModel):
    search_id: str
    deleted: bool = Field(description="False when there was no such search (deleting is idempotent)")


class Unsubscribed(BaseModel):
    search_id: str | None = Field(description="The search switched off (null when it no longer exists)")
    frequency: FrequencyName | None = None


def saved_search_models(query_model: type[BaseModel]) -> tuple[type[BaseModel], type[BaseModel]]:
    """The bodies of creating and changing a saved search, around the search's own query model."""

    class SavedSearchIn(BaseModel):
        model_config = ConfigDict(extra="forbid")

        name: str = Field(min_length=1, max_length=MAX_NAME)
        query: query_model
        frequency: FrequencyName = Frequency.DAILY.value

    class SavedSearchChange(BaseModel):
        model_config = ConfigDict(extra="forbid")

        name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
        query: query_model | None = None
        frequency: FrequencyName | None = None

    return SavedSearchIn, SavedSearchChange
