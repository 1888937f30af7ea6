"""``/v1/listings``: search and detail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from marketplace.entitlements import can_see
from marketplace.errors import NotFound
from marketplace.exchange_rates import CURRENCIES
from marketplace.licensing import held_past_its_date
from marketplace.listing_fields import FACINGS, FIELD, PROPERTY_TYPES, PURPOSES
from marketplace.search_index.query import FACETS
from marketplace.search_index.query import SORTS as INDEX_SORTS
from marketplace.selectors.history import listing_with_media_and_history
from marketplace.selectors.people import broker_cards
from marketplace.selectors.search import MAX_PAGE, MAX_RADIUS_KM
from public_api import card_pages, exchange_rates, search_index
from public_api.auth import optional_caller
from public_api.observability import count
from public_api.presenters import detail_of
from public_api.routers import CURSOR_MAX, LISTING_ID, OPTIONAL_SIGN_IN, Npr, documented, money_query
from public_api.schemas.listings import ListingDetail, ListingPage
from public_api.search_query import search_request

router = Router()

# Prices are searched, sorted and stored in NPR only; a currency adds a guide to each price shown.
CurrencyQuery = Annotated[Literal[tuple(CURRENCIES)] | None, Query(
    description="Also show each price in this currency (`price.approx`), at Nepal Rastra Bank's latest reference "
                "rate: a guide only; filters and order stay in NPR")]


@router.get("", security=OPTIONAL_SIGN_IN, summary="Search public listings", tags=["listings"],
            responses=documented(errors=(400, 401, 422, 503), model=ListingPage))
def search(
    neighborhood: Annotated[list[str] | None, Query(
        description="Repeatable; a slug or a name, any case, with or without accents, or in Devanagari "
                    "(`sanepa`, `Sanepa`, `सानेपा`)", max_length=12)] = None,
    min_price: Annotated[Npr | None, money_query("Lowest price, NPR")] = None,
    max_price: Annotated[Npr | None, money_query("Highest price, NPR")] = None,
    property_type: Annotated[Literal[PROPERTY_TYPES] | None, Query(alias="type")] = None,
    purpose: Annotated[Literal[PURPOSES] | None, Query()] = None,
    min_bedrooms: Annotated[int | None, Query(ge=0, le=FIELD["bedrooms"].high)] = None,
    min_land: Annotated[str | None, Query(max_length=40, description="'8 aana', '1-4-0-0', '500 m2'")] = None,
    min_road_ft: Annotated[float | None, Query(ge=0, le=FIELD["road_width_ft"].high)] = None,
    facing: Annotated[Literal[FACINGS] | None, Query()] = None,
    premium: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the title, description, "
                                   "neighbourhood (also in Devanagari) and features; English or romanised "
                                   "Nepali (`ghar`, `jagga`); each word matches as a prefix")] = None,
    bbox: Annotated[str | None, Query(max_length=80, description="Map bounds: 'south,west,north,east'")] = None,
    near: Annotated[str | None, Query(max_length=40, description="'latitude,longitude'; with radius_km "
                                      "(default 2), by exact distance to the listing's pin")] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_KM)] = None,
    sort: Annotated[Literal[INDEX_SORTS] | None, Query(
        description="Default: relevance with q, newest without. Price orders put price-on-request last")] = None,
    facets: Annotated[str | None, Query(max_length=80, description=f"Comma-separated, of: {', '.join(FACETS)}; "
                                        "counted over every result the caller may see")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None,
    currency: CurrencyQuery = None,
):  # answers a ListingPage, serialised by ``card_pages`` (no return type: Powertools would validate it again)
    caller = optional_caller(router.current_event)
    request = search_request(neighborhood=neighborhood, min_price=min_price, max_price=max_price,
                             property_type=property_type, purpose=purpose, min_bedrooms=min_bedrooms,
                             min_land=min_land, min_road_ft=min_road_ft, facing=facing, premium=premium, q=q,
                             bbox=bbox, near=near, radius_km=radius_km, sort=sort, facets=facets)
    page = search_index.listings_page(request=request, entitlements=caller.entitlements, limit=limit,
                                      cursor=cursor, route="/v1/listings")
    count("SearchPerformed")
    return card_pages.page_response(page.items, cursor=page.cursor, total=page.total, facets=page.facets,
                                    conversion=exchange_rates.conversion(currency))


@router.get("/<listing_id>", security=OPTIONAL_SIGN_IN, summary="A listing's details, media, broker and price history; records a view",
            tags=["listings"], responses=documented(errors=(401, 404, 422)))
def detail(listing_id: Annotated[str, Path(pattern=LISTING_ID)], currency: CurrencyQuery = None) -> ListingDetail:
    caller = optional_caller(router.current_event)
    try:
        listing, media, history = listing_with_media_and_history(listing_id=listing_id)
    except NotFound:
        raise NotFound("no such listing", field="listing_id") from None
    if not can_see(listing, caller.entitlements):
        raise NotFound("no such listing", field="listing_id")
    # The broker's card and their agency's licence are read now, not copied onto the listing: two small
    # BatchGetItems (a verification, an expiry or a revocation shows at once).
    broker = broker_cards(broker_ids=[listing.broker_id], with_agencies=True)[listing.broker_id]
    if held_past_its_date(listing, broker.agency, at=datetime.now(UTC)):  # the clock withdraws it at its next tick
        raise NotFound("no such listing", field="listing_id")
    body = detail_of(listing, media, broker=broker, entitlements=caller.entitlements, history=history,
                     conversion=exchange_rates.conversion(currency))
    # Imported on the first detail, not at init: the domain's view counter brings boto3 and a second
    # DynamoDB client that searches never use.
    from marketplace.services.engagement import listing_record_view

    listing_record_view(listing_id=listing_id, neighborhood=listing.neighborhood)
    unlocked = [(m.media_id, m.kind) for m in body.media if m.premium and not m.locked]
    if caller.signed_in and unlocked:  # the seller's access log: who was given which premium media
        from marketplace.services.documents import premium_media_viewed

        premium_media_viewed(actor=caller.actor, listing_id=listing_id, media=unlocked)
    count("ListingViewed")
    return body
