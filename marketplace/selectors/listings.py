"""Listing reads for the back office and the domain. Buyer-facing search lives with the public API's
selectors; these serve brokers, sellers, admins and the scheduler. Every one is a Query."""

from __future__ import annotations

from marketplace.actors import Actor
from marketplace.errors import NotFound
from marketplace.lifecycle import Status
from marketplace.models import AuditEntry, Listing, Media
from marketplace.pagination import Page, decode_cursor, page_of, scope_of


def listing_get(*, listing_id: str, consistent: bool = False) -> Listing:
    return Listing.get_or_not_found(listing_id, consistent=consistent)


def listing_for_actor(*, listing_id: str, actor: Actor) -> Listing:
    """The listing if this person may manage or watch it: admins any, a broker their own, a seller
    theirs. Anyone else gets NotFound, exactly as for a listing that does not exist."""
    listing = listing_get(listing_id=listing_id, consistent=True)
    if actor.is_admin or listing.broker_id == actor.user_id or (listing.seller_id and listing.seller_id == actor.user_id):
        return listing
    raise NotFound("no such listing", field="listing_id")


def listing_with_media(*, listing_id: str) -> tuple[Listing, list[Media]]:
    """The listing and its media in one Query (they share a partition; stats and inquiries sort
    outside the ``MEDIA#``..``METADATA`` range)."""
    listing, media = None, []
    for item in Listing.with_media(listing_id):
        if isinstance(item, Listing):
            listing = item
        elif isinstance(item, Media):
            media.append(item)
    if listing is None:
        raise NotFound("no such listing", field="listing_id")
    media.sort(key=lambda m: (m.position, m.media_id))
    return listing, media


def listings_by_status(*, status: Status | str, limit: int = 50, cursor: str | None = None,
                       oldest_first: bool = True) -> Page[Listing]:
    """The moderation queue (pending review, oldest first) and the admin's lists by status."""
    scope = scope_of(Listing.by_status, Status(status).value)
    result = Listing.by_status(status, scan_index_forward=oldest_first, limit=limit,
                               last_evaluated_key=decode_cursor(cursor, scope=scope))
    return page_of(result, scope=scope)


def listings_for_broker(*, broker_id: str, status: Status | str | None = None, limit: int = 50,
                        cursor: str | None = None) -> Page[Listing]:
    """A broker's inventory, optionally one status, most recently updated first."""
    scope = scope_of(Listing.of_broker, broker_id, Status(status).value if status else "")
    result = Listing.of_broker(broker_id, status, scan_index_forward=False, limit=limit,
                               last_evaluated_key=decode_cursor(cursor, scope=scope))
    page = page_of(result, scope=scope)
    if status is None:  # gsi3sk sorts by status first: show the newest first across statuses
        page.items.sort(key=lambda listing: listing.updated_at, reverse=True)
    return page


# What the broker's inventory shows, filters and sorts of each listing (``type``: PynamoDB tells entities
# apart by it; ``version``: the "still available" confirmation's expected version).
INVENTORY_ATTRIBUTES = ["type", "listing_id", "title", "title_key", "neighborhood", "price", "price_on_request",
                        "status", "updated_at", "cover", "rejection_reason", "change_note", "version",
                        "last_confirmed_at", "published_at", "status_changed_at"]


def broker_inventory(*, broker_id: str) -> list[Listing]:
    """Every listing of a broker, by status then last update, with only ``INVENTORY_ATTRIBUTES``: one Query
    (gsi3; DynamoDB pages it by the MB of whole listings, about 300 a page, projection or not: what
    crosses the network and is parsed is a fifth of it). The inventory page counts, filters, sorts and
    pages these itself, so its reads do not grow with the filters or the page asked for."""
    return list(Listing.of_broker(broker_id, attributes_to_get=INVENTORY_ATTRIBUTES))


def broker_status_counts(*, broker_id: str) -> dict[str, int]:
    """How many listings a broker has in each status (one Query over the broker's keys)."""
    counts = {s.value: 0 for s in Status}
    for item in Listing.of_broker(broker_id):
        counts[item.status] += 1
    return counts


def listings_for_seller(*, seller_id: str, limit: int = 100) -> list[Listing]:
    """A seller's listings: keys from the owner index, then one BatchGet."""
    keys = [(i.pk, i.sk) for i in Listing.of_seller(seller_id, scan_index_forward=False, limit=limit)]
    return listings_batch(keys=keys)


COVER_ATTRIBUTES = ["type", "listing_id", "title", "cover"]


def listing_covers(*, listing_ids) -> dict[str, Listing]:
    """The title and cover of each listing named (a page of leads shows them): one BatchGetItem,
    projected to those attributes; a listing that no longer exists is left out."""
    keys = [Listing.key(listing_id) for listing_id in dict.fromkeys(listing_ids)]
    return {item.listing_id: item for item in Listing.batch_get(keys, attributes_to_get=COVER_ATTRIBUTES)} \
        if keys else {}


def listings_batch(*, keys: list[tuple[str, str]]) -> list[Listing]:
    """Listings by key, in the order asked (missing ones skipped)."""
    found = {(i.pk, i.sk): i for i in Listing.batch_get(keys)} if keys else {}
    return [found[k] for k in keys if k in found]


def listing_history(*, listing_id: str, limit: int = 100) -> list[AuditEntry]:
    """The audit trail of one listing, newest first."""
    return list(AuditEntry.history("listing", listing_id, scan_index_forward=False, limit=limit))
