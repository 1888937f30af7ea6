"""A buyer's own reads: saved listings, orders."""

from __future__ import annotations

from marketplace.models import Favorite, Listing, PaymentOrder
from marketplace.pagination import Page, decode_cursor, encode_cursor, scope_of
from marketplace.table import CARD_ATTRIBUTES

MAX_FAVORITES_PAGE = 50


def favorites_list(*, user_id: str, limit: int = 20, cursor: str | None = None) -> tuple[Page[Listing], list[str]]:
    """One page of a buyer's favorites as cards, newest saved listing id first: one Query for the
    favorites, one BatchGet (card attributes only) for their listings. Returns the page and the ids of
    saved listings that no longer exist."""
    scope = scope_of(Favorite.of_user, user_id)
    result = Favorite.of_user(user_id, scan_index_forward=False,
                              page_size=min(max(limit, 1), MAX_FAVORITES_PAGE),
                            last_evaluated_key=decode_cursor(cursor, scope=scope))
    raw = next(result.page_iter)  # exactly one Query per page
    ids = [Favorite.from_raw_data(item).listing_id for item in raw.get("Items", [])]
    keys = [Listing.key(listing_id) for listing_id in ids]
    found = {item.listing_id: item for item in Listing.batch_get(keys, attributes_to_get=CARD_ATTRIBUTES)} if keys else {}
    page = Page(items=[found[i] for i in ids if i in found],
                cursor=encode_cursor(raw.get("LastEvaluatedKey"), scope=scope))
    return page, [i for i in ids if i not in found]


MAX_ORDERS = 50


def orders_of_buyer(*, user_id: str, limit: int = 20) -> list[PaymentOrder]:
    """A buyer's latest orders, newest first: one Query for their keys (gsi6), one BatchGet."""
    keys = [(item.pk, item.sk) for item in PaymentOrder.of_buyer(user_id, scan_index_forward=False,
                                                                   limit=min(max(limit, 1), MAX_ORDERS))]
    found = {(order.pk, order.sk): order for order in PaymentOrder.batch_get(keys)} if keys else {}
    return [found[key] for key in keys if key in found]
