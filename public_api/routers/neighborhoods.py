"""``/v1/neighborhoods``: where Shikhar lists, with active counts and median price per ropani."""

from __future__ import annotations

import time

from aws_lambda_powertools.event_handler.api_gateway import Router

from marketplace.money import npr_words
from marketplace.selectors.search import neighbourhood_summaries
from public_api.auth import optional_caller
from public_api.routers import OPTIONAL_SIGN_IN, documented
from public_api.schemas.listings import NeighborhoodList, NeighborhoodStats

router = Router()

CACHE_SECONDS = 300  # counts and medians move slowly; the feed is read through once per container per 5 min
_cache: dict[str, tuple[float, NeighborhoodList]] = {}


def _summaries() -> NeighborhoodList:
    cached = _cache.get("all")
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    items = [NeighborhoodStats(slug=s.slug, name=s.name, premium=s.premium, active_count=s.active_count,
                               median_price_per_ropani=s.median_price_per_ropani,
                               median_price_per_ropani_label=(npr_words(s.median_price_per_ropani)
                                                              if s.median_price_per_ropani else None))
             for s in neighbourhood_summaries()]
    answer = NeighborhoodList(items=items)
    _cache["all"] = (time.monotonic(), answer)
    return answer


@router.get("", security=OPTIONAL_SIGN_IN, summary="Neighbourhoods with active listings and median price per ropani", tags=["listings"],
            responses=documented(errors=(401,)))
def neighborhoods() -> NeighborhoodList:
    optional_caller(router.current_event)  # the same for everyone, but an invalid token is still a 401
    return _summaries()


def clear_cache() -> None:
    _cache.clear()
