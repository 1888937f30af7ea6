"""The neighbourhood market: which listings are comparables for a price per ropani, and their median.

One definition for every figure that speaks of "the median price per ropani" (the public
neighbourhood summary, the moderation price check and the demand report): active listings for sale,
with a price and a land area. Rentals are monthly rents and would pull a sale band down; coming-soon
and under-contract properties are not on the market at their price.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from marketplace.lifecycle import Status
from marketplace.units import SQFT_PER_ROPANI

COMPARABLE_STATUS = Status.ACTIVE
COMPARABLE_PURPOSE = "sale"
# What the figures read of a listing (``type`` too: PynamoDB tells entities apart by it). The market's
# readers ask the feed for these alone: a whole listing is ~3 KB (description, media, history of
# prices), so every listed property in full is megabytes, where these are ~150 bytes a listing.
MARKET_ATTRIBUTES = ["type", "neighborhood", "status", "purpose", "price", "price_on_request", "land_area_sqft"]


def price_per_ropani(listing) -> Decimal | None:
    if listing.price is None or listing.price_on_request or not listing.land_area_sqft:
        return None
    return Decimal(int(listing.price)) * SQFT_PER_ROPANI / Decimal(listing.land_area_sqft)


def comparable_price_per_ropani(listing) -> Decimal | None:
    """The listing's sale price per ropani if it is a comparable, else None."""
    if listing.status != COMPARABLE_STATUS or listing.purpose != COMPARABLE_PURPOSE:
        return None
    return price_per_ropani(listing)


def median_price_per_ropani(listings: Iterable, *, min_comparables: int = 1) -> dict[str, Decimal]:
    """Median sale price per ropani of the comparables among ``listings``, by neighbourhood; a
    neighbourhood with fewer than ``min_comparables`` has none."""
    values: dict[str, list[Decimal]] = defaultdict(list)
    for listing in listings:
        per_ropani = comparable_price_per_ropani(listing)
        if per_ropani is not None:
            values[listing.neighborhood].append(per_ropani)
    return {slug: statistics.median(found) for slug, found in values.items() if len(found) >= min_comparables}
