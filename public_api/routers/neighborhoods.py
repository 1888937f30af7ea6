"""``/v1/neighborhoods``: where Shikhar lists, with active counts and median price per ropani."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from marketplace.money import npr_words
from marketplace.neighbourhoods import BY_SLUG
from public_api import search_index
from public_api.auth import optional_caller
from public_api.routers import OPTIONAL_SIGN_IN, documented
from public_api.schemas.listings import NeighborhoodList, NeighborhoodStats

router = Router()


@router.get("", security=OPTIONAL_SIGN_IN, summary="Neighbourhoods with active listings and median price per ropani", tags=["listings"],
            responses=documented(errors=(401,)))
def neighborhoods() -> NeighborhoodList:
    optional_caller(router.current_event)  # the same for everyone, but an invalid token is still a 401
    return NeighborhoodList(items=[
        NeighborhoodStats(slug=f.slug, name=BY_SLUG[f.slug].name, premium=BY_SLUG[f.slug].premium,
                          active_count=f.active_count, median_price_per_ropani=f.median_price_per_ropani,
                          median_price_per_ropani_label=(npr_words(f.median_price_per_ropani)
                                                         if f.median_price_per_ropani else None))
        for f in search_index.neighbourhood_figures()])


def clear_cache() -> None:
    search_index.reset()
