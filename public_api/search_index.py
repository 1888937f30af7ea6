"""The listings function's copy of the search index: loaded at init, swapped for a newer version without
blocking requests, and the fallback to the DynamoDB Query path when there is none.

At most every ``Settings.search_refresh_seconds`` a request starts a check in a thread (one GetItem on
the version item; the download only when the version changed) and is answered from the copy it has;
the new copy replaces the old one in a single assignment. (In Lambda the thread runs while the
container serves requests and is frozen between them: a swap may land on the next request.) While no
copy could be loaded, a request retries the load itself, at most once per interval; every request
answered without the index is logged and counted (``SearchIndexFallback``, alarmed in infra).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from dataclasses import dataclass, replace

from marketplace.config import settings
from marketplace.entitlements import Entitlements
from marketplace.errors import Unavailable
from marketplace.search_index import query, store
from marketplace.search_index.query import IndexPage, IndexSearch
from marketplace.selectors.search import SORTS as FALLBACK_SORTS
from marketplace.selectors.search import listing_search, neighbourhood_summaries
from public_api import agency_cards, card_pages
from public_api.observability import count, logger
from public_api.presenters import stored_card_schema

_DEGRADED = ("search by words, map bounds, facets or this order is briefly unavailable; "
             "try again in a few seconds")


@dataclass
class _State:
    loaded: store.Loaded | None = None
    checked_at: float | None = None  # monotonic time of the last load or check
    checking: bool = False


_state = _State()
_lock = threading.Lock()


def _load() -> None:
    try:
        loaded = store.load_current(cards=stored_card_schema())
    except Exception as error:  # noqa: BLE001 - any failure to load means the fallback, never a 500
        logger.warning("search index unavailable", extra={"reason": f"{type(error).__name__}: {error}"})
        return
    query.prepare(loaded.connection)
    _state.loaded = loaded
    logger.info("search index loaded", extra={"version": loaded.version})


def _refresh() -> None:
    try:
        current = store.current_version()
        if current is not None and (_state.loaded is None or current != _state.loaded.version):
            _load()
    except Exception:  # noqa: BLE001 - a failed check keeps the copy in hand; the next interval tries again
        logger.exception("search index check failed")
    finally:
        _state.checking = False


def warm() -> None:
    """At init: load the current version (the function starts with the fallback if it cannot)."""
    _state.checked_at = time.monotonic()
    _load()


def current() -> store.Loaded | None:
    """The index to answer from, or None (the fallback): never waits for a download unless there is
    no copy at all."""
    now = time.monotonic()
    due = _state.checked_at is None or now - _state.checked_at >= settings().search_refresh_seconds
    if not due:
        return _state.loaded
    with _lock:
        if _state.checking:
            return _state.loaded
        _state.checked_at = now
        if _state.loaded is None:
            _load()
            return _state.loaded
        _state.checking = True
    threading.Thread(target=_refresh, name="search-index-refresh", daemon=True).start()
    return _state.loaded


def fell_back(route: str) -> None:
    logger.warning("search answered without the index", extra={"route": route})
    count("SearchIndexFallback")


def reset() -> None:
    """Forget the loaded copy (tests: each starts as a cold function would)."""
    with _lock:
        _state.loaded, _state.checked_at, _state.checking = None, None, False
        _fallback_figures.clear()
        _figures_of.cache_clear()
        card_pages.forget()
        agency_cards.forget()


def _fallback_answers(request: IndexSearch) -> bool:
    """Whether the DynamoDB path can answer this request as asked."""
    sort = request.sort
    if request.q or request.bbox or request.facets or (sort is not None and sort not in FALLBACK_SORTS):
        return False
    return sort not in ("price_asc", "price_desc") or len(set(request.filters.neighborhoods)) == 1


def listings_page(*, request: IndexSearch, entitlements: Entitlements, limit: int, cursor: str | None,
                  route: str) -> IndexPage:
    """One page from the index; without it, from the DynamoDB path when it can answer (no total then),
    otherwise 503 with Retry-After."""
    loaded = current()
    if loaded is not None:
        try:
            return query.search(loaded.connection, request=request, entitlements=entitlements, limit=limit,
                                cursor=cursor)
        except sqlite3.Error:
            logger.exception("search index query failed")
    fell_back(route)
    if not _fallback_answers(request):
        raise Unavailable(_DEGRADED)
    page = listing_search(filters=replace(request.filters, sort=request.sort), entitlements=entitlements,
                          limit=limit, cursor=cursor)
    return IndexPage(items=page.items, cursor=page.cursor, total=None)


@functools.lru_cache(maxsize=1)
def _figures_of(loaded: store.Loaded) -> list[query.PlaceFigures]:
    """Per version: the figures change only with the index (a coming-soon date passing changes no
    active count)."""
    return query.neighbourhood_figures(loaded.connection)


FALLBACK_FIGURES_SECONDS = 300  # without the index the feed index is read through: once per 5 min at most
_fallback_figures: list[tuple[float, list[query.PlaceFigures]]] = []


def neighbourhood_figures() -> list[query.PlaceFigures]:
    """From the index; without it, by reading the feed index through (that answer is kept for minutes)."""
    loaded = current()
    if loaded is not None:
        try:
            return _figures_of(loaded)
        except sqlite3.Error:
            logger.exception("search index query failed")
    fell_back("/v1/neighborhoods")
    if _fallback_figures and time.monotonic() - _fallback_figures[0][0] < FALLBACK_FIGURES_SECONDS:
        return _fallback_figures[0][1]
    figures = [query.PlaceFigures(slug=s.slug, active_count=s.active_count,
                                  median_price_per_ropani=s.median_price_per_ropani)
               for s in neighbourhood_summaries()]
    _fallback_figures[:] = [(time.monotonic(), figures)]
    return figures
