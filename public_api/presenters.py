"""Listings as buyers see them: cards (from the search indexes' projection) and details.

A card reads only attributes in ``marketplace.table.CARD_ATTRIBUTES``, so it can be built from an
index item without fetching the listing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel

from marketplace import exchange_rates, media_urls
from marketplace.entitlements import Entitlements
from marketplace.exchange_rates import Conversion
from marketplace.history import LABELS as HISTORY_LABELS
from marketplace.history import ChangeType, percent_change
from marketplace.lifecycle import RESO_STANDARD_STATUS, Status
from marketplace.listing_fields import FIELD, GEOHASH_PRECISION, Kind
from marketplace.media_kinds import is_premium_media
from marketplace.models import CoverImage, Listing
from marketplace.money import npr_words
from marketplace.neighbourhoods import neighbourhood
from marketplace.selectors.people import BrokerCard
from marketplace.units import Area, format_area
from public_api.schemas.listings import (
    AgencyPublic,
    ApproxPrice,
    BrokerPublic,
    Closed,
    Cover,
    ImageVariant,
    Land,
    ListingCard,
    ListingDetail,
    Location,
    MediaItem,
    Price,
    PriceHistoryItem,
)

log = logging.getLogger(__name__)


def _number(value) -> float | None:
    return None if value is None else float(value)


def _int(value) -> int | None:
    return None if value is None else int(value)


def price_of(listing) -> Price:
    return _price(None if listing.price_on_request else listing.price)


def _approx(amount: int, conversion: Conversion | None) -> list[ApproxPrice] | None:
    approximation = conversion.of(amount) if conversion else None
    if approximation is None:
        return None
    return [ApproxPrice(currency=approximation.currency, amount=approximation.amount, label=approximation.label,
                        rate=float(approximation.rate), rate_date=approximation.rate_date,
                        source=exchange_rates.SOURCE, note=exchange_rates.GUIDE)]


def _price(amount) -> Price:
    if amount is None:
        return Price(amount=None, label="Price on request", on_request=True)
    return Price(amount=int(amount), label=npr_words(int(amount)), on_request=False)


def converted[Shown: ListingCard](card: Shown, conversion: Conversion | None) -> Shown:
    """A copy of ``card`` (or detail) whose price also shows ``conversion``'s currency (a guide)."""
    if conversion is None or card.price.amount is None:
        return card
    price = card.price.model_copy(update={"approx": _approx(card.price.amount, conversion)})
    return card.model_copy(update={"price": price})


def history_item_of(item) -> PriceHistoryItem:
    change = ChangeType(item.change_type)
    return PriceHistoryItem(at=item.at, change_type=change.value, label=HISTORY_LABELS[change], status=item.status,
                            reso_status=RESO_STANDARD_STATUS[Status(item.status)], price=_price(item.price),
                            previous_price=None if item.previous_price is None else _price(item.previous_price),
                            change_percent=percent_change(item.previous_price, item.price))


def land_of(listing) -> Land | None:
    if listing.land_area_sqft is None:
        return None
    area = Area(Decimal(listing.land_area_sqft))
    return Land(ropani_aana_paisa_daam=format_area(area, "hill"), words=format_area(area, "hill_words"),
                sqft=float(area.sqft.quantize(Decimal("0.01"))))


def _cover_variants(raw) -> list[ImageVariant]:
    values = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw or {})
    variants = []
    for name, details in sorted(values.items()):
        key = details.get("key") if isinstance(details, dict) else None
        if isinstance(key, str) and key:
            variants.append(ImageVariant(name=name, url=media_urls.public_url(key), width=_int(details.get("width")),
                                         height=_int(details.get("height")), format=details.get("format")))
    return variants


def cover_of(listing) -> Cover | None:
    cover = listing.cover
    if cover is None or not cover.media_id:
        return None
    return Cover(media_id=cover.media_id, placeholder=cover.placeholder, dominant_color=cover.dominant_color,
                 variants=_cover_variants(cover.variants))


def coming_soon_until(listing, at: datetime) -> datetime | None:
    """A coming-soon listing's public moment while it is still ahead (it depends on the moment)."""
    if listing.status == Status.COMING_SOON and listing.public_at and listing.public_at > at:
        return listing.public_at
    return None


CLOSED_LABELS = {"sale": "Sold", "rent": "Rented"}  # a closed listing's badge, by its purpose


def closed_of(listing) -> Closed | None:
    if listing.status != Status.CLOSED or listing.closed_at is None:
        return None
    return Closed(label=CLOSED_LABELS.get(listing.purpose, "Sold"), closed_at=listing.closed_at)


# How a stored value of each kind of listing field is presented (None stays None where it may be empty).
PRESENT = {Kind.TEXT: lambda value: value or "", Kind.CHOICE: lambda value: value, Kind.MANY: lambda v: list(v or []),
           Kind.INTEGER: _int, Kind.DECIMAL: _number, Kind.AREA: _number, Kind.FLAG: bool}
PRESENTED_APART = {"price"}  # a composed object (amount, label, on request)


def _listing_fields(listing, model: type[BaseModel], *, besides: type[BaseModel] | None = None) -> dict:
    """The listing fields ``model`` shows (``besides``'s excluded), each presented by its kind from the
    listing field specification."""
    shown = set(model.model_fields) - set(besides.model_fields if besides else ()) - PRESENTED_APART
    return {name: PRESENT[FIELD[name].kind](getattr(listing, name)) for name in FIELD if name in shown}


def _card_fields(listing, at: datetime) -> dict:
    place = neighbourhood(listing.neighborhood)
    return {
        **_listing_fields(listing, ListingCard),
        "listing_id": listing.listing_id, "neighborhood_name": place.name if place else listing.neighborhood,
        "status": listing.status, "price": price_of(listing), "land": land_of(listing),
        "premium": bool(listing.premium), "coming_soon_until": coming_soon_until(listing, at),
        "published_at": listing.published_at, "cover": cover_of(listing),
        "location": Location(geohash=listing.geohash[:GEOHASH_PRECISION]) if listing.geohash else None,
        "closed": closed_of(listing),
        "last_confirmed_at": listing.confirmed_at if listing.status == Status.ACTIVE else None,
    }


def card_of(listing, *, at: datetime | None = None) -> ListingCard:
    return ListingCard(**_card_fields(listing, at or datetime.now(UTC)))


# A listing every field of a card shows something for: its stored card is part of the fingerprint below.
_SAMPLE_MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
_SAMPLE = {"listing_id": "sample", "broker_id": "sample", "title": "Sample", "neighborhood": "sanepa",
           "property_type": "house", "purpose": "sale", "status": Status.ACTIVE.value, "price": 51_300_000,
           "land_area_sqft": 5476.0, "bedrooms": 4, "bathrooms": 3, "road_width_ft": 20.0, "facing": "S",
           "premium": False, "exclusive": False, "published_at": _SAMPLE_MOMENT, "last_confirmed_at": _SAMPLE_MOMENT,
           "geohash": "tuutgp4kb2"}
_SAMPLE_COVER = {"media_id": "sample", "placeholder": "LKO2?U%2Tw=w", "dominant_color": "#a0b0c0",
                 "variants": {"w1024_jpeg": {"key": "public/sample/w1024.jpg", "width": 1024, "height": 683,
                                             "format": "jpeg"}}}


@functools.cache
def stored_card_schema() -> str:
    """A fingerprint of the stored cards: ``ListingCard``'s JSON schema (their shape) and a sample listing's
    stored card (their wording: a price label, a land area's words, a cover's URL, which follows
    ``SHIKHAR_PUBLIC_MEDIA_URL``). An index whose cards were presented otherwise (a deployment changed the card,
    its wording or the media's domain) is rebuilt by the writer and not read by the listings function meanwhile
    (``store.load_current``)."""
    sample = Listing(**_SAMPLE)
    sample.cover = CoverImage(**_SAMPLE_COVER)
    fingerprint = json.dumps([ListingCard.model_json_schema(), stored_card(sample)], sort_keys=True, default=str)
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


STORED_APART = "agency"  # not stored: each page adds it as the card's last key (``public_api.card_pages``)


def stored_card(listing) -> str:
    """The card as the search index stores it (JSON), presented once when the listing is written: all but
    what depends on the moment or on other items, which a search adds to each page (the coming-soon date
    still ahead, ``coming_soon_until``; the broker's agency, ``agency_cards``, added as the last key; a price
    in another currency, ``converted``)."""
    card = card_of(listing).model_copy(update={"coming_soon_until": None})
    return card.model_dump_json(exclude={STORED_APART})


def _is_premium(item, listing) -> bool:
    """Premium when the rule says so or when it lives in the premium bucket (a move after the listing's
    premium flag changed may still be under way): either way only entitled callers see it."""
    return (is_premium_media(kind=item.kind, listing_premium=listing.premium, marked_premium=item.premium)
            or any(media_urls.is_premium_bucket(v.bucket) for v in item.variants or []))


def _media_item(item, *, premium: bool, entitled: bool, now: datetime) -> MediaItem:
    locked = premium and not entitled
    variants: list[ImageVariant] = []
    expires_at = None
    if not locked:
        try:
            for variant in item.variants or []:
                url, expires = media_urls.variant_url(variant, now=now)
                expires_at = expires or expires_at
                variants.append(ImageVariant(name=variant.name, url=url, width=_int(variant.width),
                                             height=_int(variant.height), format=variant.format))
        except media_urls.SigningUnavailable:
            log.error("premium media signing unavailable; media %s stays locked", item.media_id)
            locked, variants, expires_at = True, [], None
    return MediaItem(media_id=item.media_id, kind=item.kind, caption=item.caption or "",
                     position=int(item.position or 0), premium=premium, locked=locked,
                     placeholder=item.placeholder, dominant_color=item.dominant_color,
                     width=_int(item.width), height=_int(item.height), variants=variants, expires_at=expires_at)


def agency_of(broker: BrokerCard) -> AgencyPublic | None:
    licence = broker.agency
    if licence.agency_id is None:
        return None
    return AgencyPublic(agency_id=licence.agency_id, name=licence.agency_name, licence_number=licence.licence_number,
                        licence_status=licence.status.value, licence_valid_until=licence.expires_on)


def detail_of(listing, media: list, *, broker: BrokerCard, entitlements: Entitlements,
              history: list = (), conversion: Conversion | None = None, at: datetime | None = None) -> ListingDetail:
    """The detail page. Premium media is signed only for entitled callers (the entitlement is read only
    when the listing has premium media)."""
    now = at or datetime.now(UTC)
    # A failed or pending replacement keeps the last good version served.
    ready = [(m, _is_premium(m, listing)) for m in media if m.served]
    entitled = any(premium for _, premium in ready) and entitlements.premium_media
    detail = ListingDetail(
        **_card_fields(listing, now),
        **_listing_fields(listing, ListingDetail, besides=ListingCard),
        media=[_media_item(m, premium=premium, entitled=entitled, now=now) for m, premium in ready],
        broker=BrokerPublic(broker_id=broker.broker_id, name=broker.name, company=broker.company,
                            verified=broker.verified, agency=agency_of(broker)),
        price_history=[history_item_of(item) for item in sorted(history, key=lambda item: item.at)],
        documents_verified_at=listing.documents_verified_at,
        agency=agency_of(broker),
    )
    return converted(detail, conversion)
