"""``/v1/me/saved-searches``: a buyer's saved searches. The query is any the listings search accepts,
validated by a model derived from that route's own parameters and turned into a search by the same code
(``public_api.search_query``)."""

from __future__ import annotations

import json
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from marketplace.alerts import searches
from marketplace.errors import NotFound
from marketplace.ids import ID_PATTERN
from public_api.auth import signed_in_caller
from public_api.routers import SIGNED_IN, documented
from public_api.routers.listings import search as listings_search
from public_api.schemas.alerts import SavedSearchDeleted, SavedSearchList, SavedSearchOut, saved_search_models
from public_api.search_query import query_model, search_request

router = Router()

# Order and paging do not belong to a saved search: alerts come newest first, one listing at a time; nor
# does the display currency (a guide on shown prices, never a criterion).
SearchQuery = query_model(listings_search, name="SearchQuery",
                          leave_out=("sort", "facets", "limit", "cursor", "currency"))
SavedSearchIn, SavedSearchChange = saved_search_models(SearchQuery)
SEARCH_ID = f"^{ID_PATTERN}$"


def _query(model) -> tuple[dict, object]:
    given = model.model_dump(exclude_none=True, by_alias=False)
    return model.model_dump(exclude_none=True, by_alias=True), search_request(**given)


def _out(search) -> SavedSearchOut:
    return SavedSearchOut(search_id=search.search_id, name=search.name, query=json.loads(search.parameters),
                          frequency=search.frequency, created_at=search.created_at, updated_at=search.updated_at)


@router.get("", security=SIGNED_IN, summary="My saved searches", tags=["saved searches"],
            responses=documented(errors=(401,)))
def saved_searches() -> SavedSearchList:
    caller = signed_in_caller(router.current_event)
    found = searches.saved_searches_of(user_id=caller.actor.user_id)
    return SavedSearchList(items=[_out(s) for s in found], limit=searches.MAX_SAVED_SEARCHES)


@router.post("", security=SIGNED_IN, summary="Save a search, with how often to hear of new matches",
             tags=["saved searches"], responses=documented(201, "Saved", errors=(400, 401, 422)))
def save(body: Annotated[SavedSearchIn, Body()]) -> tuple[SavedSearchOut, int]:
    caller = signed_in_caller(router.current_event)
    given, request = _query(body.query)
    search = searches.saved_search_create(actor=caller.actor, name=body.name, query=given, request=request,
                                          frequency=body.frequency)
    return _out(search), 201


@router.patch("/<search_id>", security=SIGNED_IN, summary="Change a saved search's name, query or frequency",
              tags=["saved searches"], responses=documented(errors=(400, 401, 404, 422)))
def change(search_id: Annotated[str, Path(pattern=SEARCH_ID)], body: Annotated[SavedSearchChange, Body()]) -> SavedSearchOut:
    caller = signed_in_caller(router.current_event)
    given, request = _query(body.query) if body.query is not None else (None, None)
    try:
        search = searches.saved_search_update(actor=caller.actor, search_id=search_id, name=body.name,
                                              frequency=body.frequency, query=given, request=request)
    except NotFound:
        raise NotFound("no such saved search", field="search_id") from None
    return _out(search)


@router.delete("/<search_id>", security=SIGNED_IN, summary="Delete a saved search (idempotent)",
               tags=["saved searches"], responses=documented(errors=(401, 404)))
def delete(search_id: Annotated[str, Path(pattern=SEARCH_ID)]) -> SavedSearchDeleted:
    caller = signed_in_caller(router.current_event)
    deleted = searches.saved_search_delete(actor=caller.actor, search_id=search_id)
    return SavedSearchDeleted(search_id=search_id, deleted=deleted)
