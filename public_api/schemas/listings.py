"""Listing cards and pages, a listing's detail and media, neighbourhood figures. Responses carry only
public fields: no address, coordinates, seller or internal notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from marketplace.licensing import LicenceStatus
from marketplace.listing_fields import FIELD, Kind
from marketplace.media_kinds import MediaKind

LICENCE_STATUSES = tuple(s.value for s in LicenceStatus if s != LicenceStatus.NONE)


def listing_field(name: str, default: Any = ...) -> Any:
    """A response field for a listing field: bounds, choices and description from the listing field
    specification (``marketplace.listing_fields.FIELDS``). A bound that moves with the date (the year
    built) is left out, so the committed document does not change on New Year's Day."""
    spec = FIELD[name]
    constraints: dict[str, Any] = {}
    if spec.kind in (Kind.INTEGER, Kind.DECIMAL) and spec.low is not None:
        constraints["ge"] = spec.low
        if not callable(spec.high):
            constraints["le"] = spec.high
    if spec.kind == Kind.TEXT:
        constraints["max_length"] = spec.max_length
    if spec.kind == Kind.CHOICE:
        nullable = [None] if default is None else []  # the enum sits beside the anyOf with null
        constraints["json_schema_extra"] = {"enum": [*spec.values, *nullable]}
    if spec.kind == Kind.MANY:
        constraints["json_schema_extra"] = {"items": {"type": "string", "enum": list(spec.values)}}
    unit = f" ({spec.unit})" if spec.unit and f"({spec.unit})" not in spec.label else ""
    return Field(default, description=f"{spec.label}{unit}", **constraints)


class ApproxPrice(BaseModel):
    """The price in another currency at Nepal Rastra Bank's reference rate: a guide, never an offer."""

    currency: str = Field(examples=["USD"])
    amount: int = Field(description="Rounded to three significant figures", examples=[317000])
    label: str = Field(examples=["about US$ 317,000"])
    rate: float = Field(description="NPR per one unit: the middle of NRB's buying and selling rates",
                        examples=[141.8])
    rate_date: date = Field(description="The day of NRB's rates")
    source: str = Field(examples=["Nepal Rastra Bank"])
    note: str = Field(examples=["a guide"])


class Price(BaseModel):
    amount: int | None = Field(description="Whole NPR; null when the price is on request")
    label: str = Field(examples=["Rs 3.5 crore", "Price on request"])
    on_request: bool
    approx: list[ApproxPrice] | None = Field(
        None, description="With `currency`: the price in that currency at the latest reference rate, a guide "
                          "(null without `currency`, for a price on request, or while no recent rates are stored)")


class Land(BaseModel):
    ropani_aana_paisa_daam: str = Field(examples=["1-4-0-0"])
    words: str = Field(examples=["1 ropani 4 aana"])
    sqft: float


class ImageVariant(BaseModel):
    name: str = Field(examples=["w400_webp"])
    url: str
    width: int | None = None
    height: int | None = None
    format: str | None = None


class Cover(BaseModel):
    media_id: str
    placeholder: str | None = None
    dominant_color: str | None = None
    variants: list[ImageVariant]


class Location(BaseModel):
    geohash: str = Field(description="About 150 m across: where the pin goes, never the exact address")


class AgencyPublic(BaseModel):
    """The licensed agency the broker works for (RESO Office) and the state of its licence."""

    agency_id: str
    name: str
    licence_number: str
    licence_status: Literal[LICENCE_STATUSES] = Field(
        description="valid or expiring (within 30 days): checked against the Department of Land Management's "
                    "list; unverified, expired or revoked otherwise")
    licence_valid_until: date | None = None


class Closed(BaseModel):
    """A sold or let listing's badge: it stays in search with it for a configured number of days."""

    label: str = Field(examples=["Sold", "Rented"])
    closed_at: datetime = Field(description="When the broker marked it sold or let")


class ListingCard(BaseModel):
    listing_id: str
    title: str = listing_field("title")
    neighborhood: str = listing_field("neighborhood")
    neighborhood_name: str
    property_type: str = listing_field("property_type")
    purpose: str = listing_field("purpose")
    status: str
    price: Price
    land: Land | None = None
    bedrooms: int | None = listing_field("bedrooms", None)
    bathrooms: int | None = listing_field("bathrooms", None)
    road_width_ft: float | None = listing_field("road_width_ft", None)
    facing: str | None = listing_field("facing", None)
    premium: bool
    exclusive: bool = listing_field("exclusive")
    coming_soon_until: datetime | None = Field(None, description="Early access: public from this moment")
    published_at: datetime | None = None
    cover: Cover | None = None
    location: Location | None = None
    closed: Closed | None = Field(None, description="Sold or let (status `closed`): the badge and its date; such "
                                                    "a listing leaves search some days after closing")
    last_confirmed_at: datetime | None = Field(
        None, description="When the broker last confirmed the property is available (listed listings; one "
                          "unconfirmed for 45 days leaves search)")
    agency: AgencyPublic | None = Field(None, description="The broker's licensed agency (RESO Office) and the state "
                                                          "of its licence; null when the broker belongs to none")


class ListingPage(BaseModel):
    items: list[ListingCard] = Field(description="`limit` cards, fewer only on the last page")
    next_cursor: str | None = Field(None, description="Opaque; pass as `cursor` for the next page")
    total: int | None = Field(None, description="Exact number of results the caller may see; null only while "
                                                "search runs without its index")
    facets: dict[str, dict[str, int]] | None = Field(
        None, description="With `facets`: for each facet asked, its values and how many results have each",
        examples=[{"neighborhood": {"sanepa": 4, "bhaisepati": 2}, "price_band": {"5_10_crore": 3}}])


class MediaItem(BaseModel):
    media_id: str
    kind: str = Field(examples=[kind.value for kind in MediaKind])
    caption: str
    position: int
    premium: bool
    locked: bool = Field(description="Premium media the caller is not entitled to: a placeholder only")
    placeholder: str | None = None
    dominant_color: str | None = None
    width: int | None = None
    height: int | None = None
    variants: list[ImageVariant]
    expires_at: datetime | None = Field(None, description="When signed URLs stop working")


class BrokerPublic(BaseModel):
    broker_id: str
    name: str
    company: str
    verified: bool
    agency: AgencyPublic | None = Field(None, description="null when the broker belongs to no agency")


class PriceHistoryItem(BaseModel):
    """One price or status change while the listing was on the market (RESO HistoryTransactional)."""

    at: datetime
    change_type: str = Field(description="RESO ChangeType", examples=["NewListing", "PriceChange", "BackOnMarket",
                                                                       "ActiveUnderContract", "Closed"])
    label: str = Field(examples=["Listed", "Price changed", "Back on market"])
    status: str = Field(description="The listing's status after the change", examples=["active"])
    reso_status: str = Field(description="RESO StandardStatus after the change", examples=["Active"])
    price: Price = Field(description="The asking price after the change")
    previous_price: Price | None = Field(None, description="The asking price before, when it changed")
    change_percent: float | None = Field(None, description="Price change against the previous price, in percent "
                                                           "(negative: reduced)", examples=[-8.0])


class ListingDetail(ListingCard):
    description: str = listing_field("description")
    built_up_area_sqft: float | None = listing_field("built_up_area_sqft", None)
    storeys: float | None = listing_field("storeys", None)
    parking: int | None = listing_field("parking", None)
    road_surface: str | None = listing_field("road_surface", None)
    year_built: int | None = listing_field("year_built", None)
    furnishing: str | None = listing_field("furnishing", None)
    amenities: list[str] = listing_field("amenities")
    documents: list[str] = listing_field("documents")
    media: list[MediaItem]
    broker: BrokerPublic
    documents_verified_at: datetime | None = Field(
        None, description="When an admin verified the title deed, permit and certificate against the listing "
                          "(the \"documents verified\" badge); None: not verified")
    price_history: list[PriceHistoryItem] = Field(
        default_factory=list, description="Every price and status change since the listing first came to the "
                                          "market, oldest first")


class NeighborhoodStats(BaseModel):
    slug: str
    name: str
    premium: bool
    active_count: int
    median_price_per_ropani: int | None = None
    median_price_per_ropani_label: str | None = None


class NeighborhoodList(BaseModel):
    items: list[NeighborhoodStats]
