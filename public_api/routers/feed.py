"""``/v1/feed``: the newest public listings."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from marketplace.search_index.query import IndexSearch
from marketplace.selectors.search import MAX_PAGE
from public_api import card_pages, search_index
from public_api.auth import optional_caller
from public_api.routers import CURSOR_MAX, OPTIONAL_SIGN_IN, documented
from public_api.schemas.listings import ListingPage

router = Router()


@router.get("", security=OPTIONAL_SIGN_IN, summary="Newest public listings", tags=["listings"],
            responses=documented(errors=(400, 401, 422), model=ListingPage))
def feed(limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
         cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None):  # answers a ListingPage (``card_pages``)
    caller = optional_caller(router.current_event)
    page = search_index.listings_page(request=IndexSearch(sort="newest"), entitlements=caller.entitlements,
                                      limit=limit, cursor=cursor, route="/v1/feed")
    return card_pages.page_response(page.items, cursor=page.cursor, total=page.total)
