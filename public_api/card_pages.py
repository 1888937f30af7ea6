"""A page of listing cards (search, feed) as its response body: each card's JSON spliced in, not re-presented.

The index stores every card as the API presents it, all but the broker's agency (``presenters.stored_card``,
``STORED_APART``). A page's body is those strings, each closed with its broker's agency as its last key (kept
per broker as JSON, ``agency_cards.agency_json``), in ``ListingPage``'s shape: no card is parsed, validated or
dumped again. (Through the model, a 50-card page cost ~1.1 ms at 10,000 listings: validating each stored card,
copying it for its agency, then the resolver validating and dumping the page; spliced, ~0.1 ms.)

A card whose showing depends on the moment (a coming-soon date still ahead) or on the request (a price in
another currency, ``converted``) goes through the model, for that card only; so does a card the index does
not store presented (the DynamoDB fallback, an index without presented cards): presented once per card object.
The route returns the body as it is (Powertools serialises only a body that is not a string); the OpenAPI
document describes it as ``ListingPage`` (``documented(model=ListingPage)``), and the suite checks the bodies
against the model's rendering and the document.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from datetime import UTC, datetime

from aws_lambda_powertools.event_handler import Response, content_types

from marketplace.exchange_rates import Conversion
from marketplace.models import Listing
from marketplace.search_index.documents import IndexCard
from public_api import agency_cards
from public_api.presenters import STORED_APART, coming_soon_until, converted, stored_card
from public_api.schemas.listings import ListingCard

PRESENTED_CARDS = 4096
# The stored JSON of cards presented from ``Listing`` objects (the index's shared card objects, or the fallback's
# items), by the object's identity; each entry holds its object, so an id is never reused while its entry lives.
_presented: OrderedDict[int, tuple[Listing, str]] = OrderedDict()


@functools.lru_cache(maxsize=PRESENTED_CARDS)
def _model(stored: str) -> ListingCard:
    """A stored card as the model (for the cards that go through it), validated once per distinct card."""
    return ListingCard.model_validate_json(stored)


def _stored_json(listing: Listing) -> str:
    entry = _presented.get(id(listing))
    if entry is not None and entry[0] is listing:
        _presented.move_to_end(id(listing))
        return entry[1]
    stored = stored_card(listing)
    _presented[id(listing)] = (listing, stored)
    if len(_presented) > PRESENTED_CARDS:
        _presented.popitem(last=False)
    return stored


def _card_json(item: IndexCard | Listing, *, agency: str, moment: datetime, conversion: Conversion | None) -> str:
    stored = item.presented if isinstance(item, IndexCard) else _stored_json(item)
    soon = coming_soon_until(item, moment)
    if soon is not None or conversion is not None:
        card = converted(_model(stored), conversion)
        if soon is not None:
            card = card.model_copy(update={"coming_soon_until": soon})
        stored = card.model_dump_json(exclude={STORED_APART})
    return f'{stored[:-1]},"{STORED_APART}":{agency}}}'  # the card closed with the key each page adds last


def page_json(items: list[IndexCard | Listing], *, cursor: str | None, total: int | None,
              facets: dict[str, dict[str, int]] | None = None, at: datetime | None = None,
              conversion: Conversion | None = None) -> str:
    """``ListingPage`` of these cards as JSON: the brokers' agencies added, a price in another currency
    (``conversion``) and a coming-soon date still ahead at ``at`` (now by default) shown."""
    moment = at or datetime.now(UTC)
    agencies = agency_cards.agency_json(item.broker_id for item in items)
    cards = ",".join(_card_json(item, agency=agencies.get(item.broker_id, "null"), moment=moment, conversion=conversion)
                     for item in items)
    rest = json.dumps({"next_cursor": cursor, "total": total, "facets": facets}, separators=(",", ":"))
    return f'{{"items":[{cards}],{rest[1:]}'


def page_response(items: list[IndexCard | Listing], *, cursor: str | None, total: int | None,
                  facets: dict[str, dict[str, int]] | None = None, conversion: Conversion | None = None) -> Response:
    """The route's answer: ``page_json`` as the body, sent as it is."""
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                    body=page_json(items, cursor=cursor, total=total, facets=facets, conversion=conversion))


def forget() -> None:
    """Drop the presented cards kept (tests: each starts as a cold function would)."""
    _presented.clear()
    _model.cache_clear()
