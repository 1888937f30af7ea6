"""The listings function's copy of the reference rates: read from the table when a request first asks
for a currency, then kept for ``CACHE_SECONDS`` per container (the rates change once a day), so a
currency costs one GetItem per container and period, and nothing for requests that ask for none.
Nothing is read at init (cold start). A failed read keeps the copy in hand, or shows no conversion:
conversions are a guide, never a reason to fail a request."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from marketplace.exchange_rates import Conversion, RateSheet
from marketplace.selectors.exchange_rates import current_sheet
from public_api.observability import logger

CACHE_SECONDS = 900.0
RETRY_SECONDS = 60.0  # after a failed read, the next request tries again no sooner than this


@dataclass
class _Cache:
    sheet: RateSheet | None = None
    valid_until: float = float("-inf")


_cache = _Cache()
_lock = threading.Lock()


def current() -> RateSheet | None:
    """The stored sheet (each conversion shows its date), or None while none is stored or readable."""
    with _lock:
        if time.monotonic() >= _cache.valid_until:
            try:
                _cache.sheet, _cache.valid_until = current_sheet(), time.monotonic() + CACHE_SECONDS
            except Exception as error:  # noqa: BLE001 - a display guide must not fail the request
                logger.warning("exchange rates unavailable", extra={"reason": f"{type(error).__name__}: {error}"})
                _cache.valid_until = time.monotonic() + RETRY_SECONDS
        return _cache.sheet


def forget() -> None:
    """Drop the copy (tests: a fresh container)."""
    with _lock:
        _cache.sheet, _cache.valid_until = None, float("-inf")


def conversion(currency: str | None) -> Conversion | None:
    """What to convert prices by for a request that asked for ``currency`` (None: no conversion shown)."""
    if currency is None:
        return None
    sheet = current()
    return None if sheet is None else Conversion(currency=currency, sheet=sheet)
