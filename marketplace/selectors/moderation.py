"""What admins review: the moderation queue with its automatic checks, and listing lists with filters.

The checks are a pure function over a listing (and, when at hand, its media), so the same checklist is
shown in the queue, on the review page and in tests. The queue costs a fixed number of DynamoDB calls
however long it is: one Query for the pending listings and one on the feed index for the price bands;
nothing per row (the cover and the count of processed photos are denormalised onto the listing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from marketplace.formatting import money, word_list
from marketplace.lifecycle import LISTED, Status
from marketplace.listing_fields import MIN_PHOTOS, label_of, missing_for_submission
from marketplace.market import MARKET_ATTRIBUTES, median_price_per_ropani, price_per_ropani
from marketplace.media_kinds import PHOTO_KINDS
from marketplace.models import Listing, Media
from marketplace.pagination import (
    Page,
    decode_cursor,
    decode_position,
    encode_cursor,
    encode_position,
    scope_of,
)
from marketplace.search_keys import search_key
from marketplace.selectors.listings import listings_batch

# A price per ropani outside [median / 3, median x 3] of the neighbourhood's listed properties is more
# likely a typo (a missing or extra zero) than a bargain; with fewer comparables the check is not made.
PRICE_BAND_FACTOR = Decimal(3)
MIN_COMPARABLES = 3

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+\s*(?:@|\(at\)|\[at\])\s*[A-Za-z0-9.-]+\.[A-Za-z]{2,}", re.IGNORECASE)
# Nepali mobiles (97x/98x, 10 digits, optionally +977) and landlines (01-4xxxxxx), or any run of 7+ digits
# written with spaces, dots or dashes between them.
_PHONE = re.compile(r"(?:\+?977[\s.-]*)?(?:9[78]\d[\s.-]*\d{3}[\s.-]*\d{4}|0\d{1,2}[\s.-]*\d{6,7})"
                    r"|(?<![\d,])\d(?:[\s.-]?\d){6,}(?![\d,])")


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    passed: bool | None  # None: could not be made (shown as such, not as a pass)
    detail: str = ""


@dataclass
class QueueEntry:
    listing: Listing
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed is not False for c in self.checks)


def contact_details_in(text: str) -> list[str]:
    """Phone numbers and emails written into free text (contact must go through Shikhar)."""
    text = text or ""
    return [m.group(0).strip() for m in _EMAIL.finditer(text)] + [m.group(0).strip() for m in _PHONE.finditer(text)]


def moderation_checks(listing: Listing, media: list[Media] | None = None,
                      market: dict[str, Decimal] | None = None) -> list[Check]:
    """The automatic checklist. Processed photos are counted from ``media`` when given, else from the
    listing's own ``ready_photos`` counter (so the queue reads no media).
    ``market``: median price per ropani by neighbourhood (``market_medians``)."""
    checks = []
    if media is not None:
        ready = sum(1 for m in media if m.kind in PHOTO_KINDS and m.served)
    else:
        ready = int(listing.ready_photos or 0)
    checks.append(Check("photos", f"At least {MIN_PHOTOS} processed photos", ready >= MIN_PHOTOS,
                        f"{ready} processed"))
    found = contact_details_in(f"{listing.title}\n{listing.description}")
    checks.append(Check("contacts", "No phone numbers or emails in the text", not found,
                        ", ".join(found[:3])))
    per_ropani = price_per_ropani(listing)
    median = (market or {}).get(listing.neighborhood)
    if listing.price_on_request:
        checks.append(Check("price", "Price within the neighbourhood's band", None, "price on request"))
    elif per_ropani is None or median is None:
        checks.append(Check("price", "Price within the neighbourhood's band", None, "not enough comparables"))
    else:
        low, high = median / PRICE_BAND_FACTOR, median * PRICE_BAND_FACTOR
        checks.append(Check("price", "Price within the neighbourhood's band", low <= per_ropani <= high,
                            f"{money(per_ropani)} per ropani; median {money(median)}"))
    missing = missing_for_submission(listing, photos=ready)
    missing.pop("photos", None)  # the photos check above says it
    checks.append(Check("required", "Required fields filled in", not missing,
                        word_list(label_of(name) for name in missing) if missing else ""))
    return checks


def market_medians() -> dict[str, Decimal]:
    """Median sale price per ropani of the comparables (``marketplace.market``), by neighbourhood (one
    Query on the feed index, projected to ``MARKET_ATTRIBUTES``)."""
    return median_price_per_ropani(listed_now(), min_comparables=MIN_COMPARABLES)


def listed_now() -> list[Listing]:
    """Every listed property with only what the market's figures read (``MARKET_ATTRIBUTES``): the feed
    index holds exactly the listed ones: one Query, a page per MB of whole listings read, since DynamoDB
    pages and bills before projecting; what crosses the network and is parsed is a twentieth of it)."""
    return list(Listing.feed(attributes_to_get=MARKET_ATTRIBUTES))


def moderation_queue(*, limit: int = 200, cursor: str | None = None) -> Page[QueueEntry]:
    """Pending listings, oldest first, each with its checklist."""
    scope = scope_of(Listing.by_status, Status.PENDING_REVIEW.value)
    result = Listing.by_status(Status.PENDING_REVIEW, limit=limit, last_evaluated_key=decode_cursor(cursor, scope=scope))
    listings = list(result)
    market = market_medians() if listings else {}
    return Page(items=[QueueEntry(listing=item, checks=moderation_checks(item, market=market)) for item in listings],
                cursor=encode_cursor(result.last_evaluated_key, scope=scope))


def next_pending(*, decided_id: str) -> Listing | None:
    """The listing waiting longest, other than the one just decided (the index may not show that decision
    yet): where a moderator goes after a decision. One query of at most two items."""
    return next((item for item in Listing.by_status(Status.PENDING_REVIEW, limit=2) if item.listing_id != decided_id),
                None)


def pending_summary() -> tuple[int, Listing | None]:
    """How many listings wait for review, and the one waiting longest."""
    count = Listing.count_by_status(Status.PENDING_REVIEW)
    oldest = next(iter(Listing.by_status(Status.PENDING_REVIEW, limit=1)), None)
    return count, oldest


def status_counts() -> dict[str, int]:
    return {s.value: Listing.count_by_status(s) for s in Status}


# The status filter's "every status" choice: the listings of all nine status partitions merged.
ANY_STATUS = "any"
# What merging the statuses' pages needs of each listing read: its keys and its status change (gsi5sk).
MERGE_ATTRIBUTES = ["type", "pk", "sk", "gsi5sk", "listing_id"]


@dataclass(frozen=True)
class ListingFilters:
    status: str = Status.ACTIVE.value  # or ANY_STATUS
    neighborhood: str = ""
    broker_id: str = ""
    premium: bool | None = None
    price_min: int | None = None
    price_max: int | None = None
    text: str = ""  # any part of the title or the broker's name (any case and accents), or of the id
    oldest_first: bool = False  # by the last status change: newest first unless asked

    @property
    def statuses(self) -> list[str]:
        return [s.value for s in Status] if self.status == ANY_STATUS else [Status(self.status).value]


def _filter_condition(filters: ListingFilters):
    condition = None

    def both(c):
        return c if condition is None else condition & c

    if filters.neighborhood:
        condition = both(Listing.neighborhood == filters.neighborhood)
    if filters.broker_id:
        condition = both(Listing.broker_id == filters.broker_id)
    if filters.premium is not None:
        condition = both(Listing.premium == filters.premium)
    if filters.price_min is not None:
        condition = both(Listing.price >= filters.price_min)
    if filters.price_max is not None:
        condition = both(Listing.price <= filters.price_max)
    if filters.text:
        key = search_key(filters.text)
        condition = both(Listing.title_key.contains(key) | Listing.broker_key.contains(key)
                         | Listing.listing_id.contains(filters.text.lower()))
    return condition


def listings_search(*, filters: ListingFilters, limit: int = 50, cursor: str | None = None) -> Page[Listing]:
    """Listings of one status (or of every status), most recent status change first, matching the
    filters. DynamoDB applies filters after reading, so a page may read several index pages to fill up;
    a listed status in one neighbourhood reads the market index instead (``_in_market``), whose page
    carries its exact total (``extra["total"]``)."""
    if _by_market(filters):
        return _in_market(filters, limit=limit, cursor=cursor)
    scope = scope_of(Listing.by_status, filters)
    if filters.status == ANY_STATUS:
        return _every_status(filters, limit=limit, cursor=cursor, scope=scope)
    result = Listing.by_status(filters.status, filter_condition=_filter_condition(filters),
                               scan_index_forward=filters.oldest_first, limit=limit, page_size=limit,
                               last_evaluated_key=decode_cursor(cursor, scope=scope))
    items = list(result)
    # a first page that reached the partition's end holds every match: its length is the total
    known = {"total": len(items)} if not cursor and result.last_evaluated_key is None else {}
    return Page(items=items, cursor=encode_cursor(result.last_evaluated_key, scope=scope), extra=known)


def _by_market(filters: ListingFilters) -> bool:
    return bool(filters.neighborhood) and filters.status in {s.value for s in LISTED}


def _market_rows(filters: ListingFilters, **query):
    # the filter's neighbourhood condition is the partition's: kept, so the condition is never empty
    return Listing.in_market(filters.neighborhood, (filters.price_min, filters.price_max),
                             filter_condition=(Listing.status == filters.status) & _filter_condition(filters), **query)


def _in_market(filters: ListingFilters, *, limit: int, cursor: str | None) -> Page[Listing]:
    """A listed status in one neighbourhood: the market index (gsi2 ``MKT#<neighbourhood>``, the price
    window as its key condition) holds exactly the listed listings of the neighbourhood, so one Query
    reads them whole (a 1 MB page holds some 400; one call more per further 1 MB of one neighbourhood's
    window), however many listings the other neighbourhoods and statuses hold. The other filters (and the
    price window again: a price on request sorts last in the key) are its FilterExpression; the rows are
    sorted by the status index's key (the last status change, for active listings the last
    confirmation) and paged by offset, their number the exact total: no COUNT."""
    scope = scope_of(Listing.in_market, filters)
    rows = sorted(_market_rows(filters), key=lambda item: item.gsi5sk, reverse=not filters.oldest_first)
    return _offset_page(rows, limit=limit, cursor=cursor, scope=scope)


def _offset_page(rows: list[Listing], *, limit: int, cursor: str | None, scope: str) -> Page[Listing]:
    """The page of ``rows`` (all of them, in order) that ``cursor`` points at; the cursor is the offset."""
    position = decode_position(cursor, scope=scope)
    start = position[0] if position and isinstance(position[0], int) and position[0] > 0 else 0
    end = start + limit
    return Page(items=rows[start:end], cursor=encode_position([end], scope=scope) if end < len(rows) else None,
                extra={"total": len(rows)})


def _every_status(filters: ListingFilters, *, limit: int, cursor: str | None, scope: str) -> Page[Listing]:
    """Every status's partition read whole, projected to the listings' keys and status change
    (``MERGE_ATTRIBUTES``): one Query per status (nine; one call more per further 1 MB of a status), merged
    in status-change order and paged by offset, their number the exact total (no COUNT); then one
    BatchGetItem reads whole the ``limit`` listings shown. Whole listings in each Query meant up to 450
    fetched and parsed for 50 shown, and a COUNT per status holding more than a page: the COUNT read each
    such partition whole anyway, so reading the keys instead costs the same reads and fewer calls."""
    condition = _filter_condition(filters)
    rows = sorted((item for status in filters.statuses
                   for item in Listing.by_status(status, filter_condition=condition,
                                                 attributes_to_get=MERGE_ATTRIBUTES)),
                  key=lambda item: item.gsi5sk, reverse=not filters.oldest_first)
    page = _offset_page(rows, limit=limit, cursor=cursor, scope=scope)
    page.items = listings_batch(keys=[(item.pk, item.sk) for item in page.items])
    return page


def listings_count(*, filters: ListingFilters) -> int:
    """How many listings match the filters, exactly: a COUNT Query over each status's partition of gsi5
    (it reads the partition's items, as the search does, but returns none of them). A listed status in one
    neighbourhood: its search's page carries the total (``listings_total``)."""
    if _by_market(filters):
        return len(list(_market_rows(filters, attributes_to_get=["type", "listing_id"])))
    condition = _filter_condition(filters)
    return sum(Listing.count_by_status(status, filter_condition=condition) for status in filters.statuses)


def listings_total(page: Page[Listing], *, filters: ListingFilters) -> int:
    """The list's exact total: the one its page carries when it was read whole, else ``listings_count``."""
    return page.extra["total"] if "total" in page.extra else listings_count(filters=filters)
