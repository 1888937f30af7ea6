"""Listing cards and pages, a listing's detail and media, neighbourhood figures. Responses carry only
public fields: no address, coordinates, seller or internal notes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Price(BaseModel):
    amount: int | None = Field(description="Whole NPR; null when the price is on request")
    label: str = Field(examples=["Rs 3.5 crore", "Price on request"])
    on_request: bool


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


class ListingCard(BaseModel):
    listing_id: str
    title: str
    neighborhood: str
    neighborhood_name: str
    property_type: str
    purpose: str
    status: str
    price: Price
    land: Land | None = None
    bedrooms: int | None = None
    bathrooms: int | None = None
    road_width_ft: float | None = None
    facing: str | None = None
    premium: bool
    exclusive: bool
    coming_soon_until: datetime | None = Field(None, description="Early access: public from this moment")
    published_at: datetime | None = None
    cover: Cover | None = None
    location: Location | None = None


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
    kind: str = Field(examples=["photo", "drone", "panorama", "video", "floor_plan"])
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


class ListingDetail(ListingCard):
    description: str
    built_up_area_sqft: float | None = None
    storeys: float | None = None
    parking: int | None = None
    road_surface: str | None = None
    year_built: int | None = None
    furnishing: str | None = None
    amenities: list[str]
    documents: list[str]
    media: list[MediaItem]
    broker: BrokerPublic


class NeighborhoodStats(BaseModel):
    slug: str
    name: str
    premium: bool
    active_count: int
    median_price_per_ropani: int | None = None
    median_price_per_ropani_label: str | None = None


class NeighborhoodList(BaseModel):
    items: list[NeighborhoodStats]
