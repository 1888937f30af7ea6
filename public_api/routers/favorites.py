"""``/v1/me/favorites``: a buyer's saved listings. Saving and unsaving are idempotent."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from marketplace.entitlements import can_see
from marketplace.selectors.buyers import MAX_FAVORITES_PAGE, favorites_list
from public_api.agency_cards import with_agencies
from public_api.auth import signed_in_caller
from public_api.presenters import card_of
from public_api.routers import CURSOR_MAX, LISTING_ID, SIGNED_IN, documented
from public_api.schemas.me import FavoritePage, FavoriteState

router = Router()


@router.get("", security=SIGNED_IN, summary="My saved listings", tags=["me"], responses=documented(errors=(400, 401, 422)))
def favorites(limit: Annotated[int, Query(ge=1, le=MAX_FAVORITES_PAGE)] = 20,
              cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None) -> FavoritePage:
    caller = signed_in_caller(router.current_event)
    page, missing = favorites_list(user_id=caller.actor.user_id, limit=limit, cursor=cursor)
    visible = [listing for listing in page.items if can_see(listing, caller.entitlements)]
    hidden = [listing.listing_id for listing in page.items if listing not in visible]
    cards = with_agencies([card_of(listing) for listing in visible], [listing.broker_id for listing in visible])
    return FavoritePage(items=cards, unavailable=[*hidden, *missing], next_cursor=page.cursor)


@router.put("/<listing_id>", security=SIGNED_IN, summary="Save a listing (idempotent)", tags=["me"],
            responses=documented(errors=(401, 404, 422)))
def save(listing_id: Annotated[str, Path(pattern=LISTING_ID)]) -> FavoriteState:
    caller = signed_in_caller(router.current_event)
    # The domain's engagement services bring boto3; only saving and unsaving need them, not /v1/me.
    from marketplace.services.engagement import favorite_add

    created = favorite_add(actor=caller.actor, listing_id=listing_id, entitlements=caller.entitlements)
    return FavoriteState(listing_id=listing_id, favorited=True, changed=created)


@router.delete("/<listing_id>", security=SIGNED_IN, summary="Unsave a listing (idempotent)", tags=["me"],
               responses=documented(errors=(401, 404)))
def unsave(listing_id: Annotated[str, Path(pattern=LISTING_ID)]) -> FavoriteState:
    caller = signed_in_caller(router.current_event)
    from marketplace.services.engagement import favorite_remove

    removed = favorite_remove(actor=caller.actor, listing_id=listing_id)
    return FavoriteState(listing_id=listing_id, favorited=False, changed=removed)
