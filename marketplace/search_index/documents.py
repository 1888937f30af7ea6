"""What one listing contributes to the search index, and how neighbourhood names are matched.

The card is stored as the table's own attribute values (``marketplace.table.CARD_ATTRIBUTES``), so the
API renders it exactly as it renders a card read from DynamoDB (``Listing.from_raw_data``) and
``can_see`` checks it the same way. The map point is the centre of the listing's public geohash
(~150 m), never its exact coordinates: distances answered from the index reveal no more than the pin.
"""

from __future__ import annotations

import difflib
import functools
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pygeohash

from marketplace.errors import ValidationError
from marketplace.listing_fields import FIELD, Kind, Need
from marketplace.market import COMPARABLE_PURPOSE, MARKET_ATTRIBUTES, price_per_ropani
from marketplace.models import Listing
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.table import CARD_ATTRIBUTES

# Names as people write them in Nepali: a search in Devanagari finds the neighbourhood.
DEVANAGARI = {
    "budhanilkantha": "बूढानीलकण्ठ", "bhaisepati": "भैंसेपाटी", "sanepa": "सानेपा", "dhumbarahi": "धुम्बाराही",
    "bansbari": "बाँसबारी", "maharajgunj": "महाराजगञ्ज", "lazimpat": "लाजिम्पाट", "baluwatar": "बालुवाटार",
    "jhamsikhel": "झम्सीखेल", "hattiban": "हात्तीवन", "chobhar": "चोभार", "thamel": "ठमेल",
}
# A neighbourhood's Devanagari name as a word of a search: its slug. FTS5 splits Devanagari at every vowel sign
# ('सानेपा' is the phrase "स न प"), which the common terms' masks cannot hold, so the name alone was checked in
# each card's terms string (~5 ms with filters at 10,000 listings); the romanised name is one masked term and
# the same place.
PLACE_WORDS = {unicodedata.normalize("NFC", name): slug for slug, name in DEVANAGARI.items()}
# Romanised Nepali words buyers type for a property type.
ROMANISED = {
    "house": "ghar", "villa": "bangla ghar", "apartment": "flat", "land": "jagga jamin ghaderi",
    "commercial": "pasal",
}
# Facet buckets of price (NPR): upper bounds, exclusive; the last is open.
CRORE = 10_000_000
PRICE_BANDS = (("under_2_crore", 2 * CRORE), ("2_5_crore", 5 * CRORE), ("5_10_crore", 10 * CRORE),
               ("10_20_crore", 20 * CRORE), ("over_20_crore", None))
ON_REQUEST = "on_request"
# The listing fields a search filters, orders or counts by, each a column of ``cards`` (column -> field of
# ``marketplace.listing_fields.FIELDS``): the column's type, whether it may be empty and the row's value
# follow the field's specification. (The price has its own column: "on request" is no price.)
FIELD_COLUMNS = {"neighborhood": "neighborhood", "property_type": "property_type", "purpose": "purpose",
                 "land_sqft": "land_area_sqft", "bedrooms": "bedrooms", "road_ft": "road_width_ft", "facing": "facing"}
_SQL_TYPES = {Kind.TEXT: "TEXT", Kind.CHOICE: "TEXT", Kind.INTEGER: "INTEGER", Kind.PRICE: "INTEGER",
              Kind.DECIMAL: "REAL", Kind.AREA: "REAL", Kind.FLAG: "INTEGER"}
# Field columns held as reals: the domain's Decimals (and a filter's bounds) become floats for SQLite.
REAL_COLUMNS = frozenset(column for column, name in FIELD_COLUMNS.items() if _SQL_TYPES[FIELD[name].kind] == "REAL")


def field_column(column: str) -> str:
    """A field's column as ``CREATE TABLE`` declares it: NOT NULL when every listed listing has the field
    (required from the first save, or defaulted)."""
    spec = FIELD[FIELD_COLUMNS[column]]
    always = spec.need == Need.TO_CREATE or spec.default is not None
    return f"{column} {_SQL_TYPES[spec.kind]}{' NOT NULL' if always else ''}"


def _field_values(listing: Listing) -> dict:
    """The listing's values for the field columns."""
    values = {column: getattr(listing, name) for column, name in FIELD_COLUMNS.items()}
    return {column: (float(value) if value else None) if column in REAL_COLUMNS else value
            for column, value in values.items()}


def fold(text: str) -> str:
    """Lower case, accents dropped, only letters and digits: 'Bhaisépati ' and 'bhaisepati' match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


_NAMES: dict[str, str] = {}
for _place in NEIGHBOURHOODS:
    _NAMES[fold(_place.slug)] = _place.slug
    _NAMES[fold(_place.name)] = _place.slug
    _NAMES[unicodedata.normalize("NFC", DEVANAGARI.get(_place.slug, _place.slug))] = _place.slug


def neighbourhood_slug(text: str, *, field: str = "neighborhood") -> str:
    """The slug for a slug or a name (any case, accents or none, or Devanagari); otherwise a
    ``ValidationError`` naming the closest names."""
    found = _NAMES.get(fold(text)) or _NAMES.get(unicodedata.normalize("NFC", text.strip()))
    if found:
        return found
    names = {fold(p.name): p.name for p in NEIGHBOURHOODS}
    closest = [names[n] for n in difflib.get_close_matches(fold(text), list(names), n=3, cutoff=0.5)]
    hint = f"; did you mean {', '.join(closest)}?" if closest else f"; we list in {', '.join(names.values())}"
    raise ValidationError(f"{text!r} is not a neighbourhood we list in{hint}", field=field)


def price_band(price: int | None) -> str:
    if price is None:
        return ON_REQUEST
    return next(name for name, bound in PRICE_BANDS if bound is None or price < bound)


@dataclass(frozen=True)
class Document:
    """One row of ``cards`` with its card (stored, presented, and what the guard reads), its words and its
    map point."""

    listing_id: str
    row: dict
    card: str
    words: dict
    point: tuple[float, float] | None
    guard: str = "{}"
    presented: str | None = None  # the card as buyers see it, when the writer presents it (``document_of``)


def _timestamp(moment) -> float | None:
    return moment.timestamp() if moment is not None else None


def _per_ropani(listing: Listing) -> float | None:
    """For the price-per-ropani order: sale listings only (a monthly rent per ropani means nothing)."""
    value = price_per_ropani(listing) if listing.purpose == COMPARABLE_PURPOSE else None
    return None if value is None else float(value)


def _features(listing: Listing) -> str:
    parts = [listing.property_type, ROMANISED.get(listing.property_type, ""), listing.purpose,
             *(a.replace("_", " ") for a in listing.amenities or ()), listing.furnishing or "",
             (listing.road_surface or "")]
    return " ".join(p for p in parts if p)


# What ``can_see`` reads of a listing and what a presented card still takes per request (the coming-soon date,
# the broker's agency): stored beside the presented card so a page reads no PynamoDB attribute.
GUARD = ("listing_id", "broker_id", "status", "exclusive", "public_at", "closed_at", "search_left_at")
_MOMENTS = frozenset({"public_at", "closed_at", "search_left_at"})


def _guard_of(listing: Listing) -> str:
    values = {name: getattr(listing, name) for name in GUARD}
    return json.dumps({name: value.isoformat() if name in _MOMENTS and value is not None else value
                       for name, value in values.items()}, separators=(",", ":"))


def document_of(listing: Listing, *, present: Callable[[Listing], str] | None = None) -> Document | None:
    """The listing's searchable document, or None when no buyer may see it (not listed, nor sold or let
    within its days in search). ``present`` stores the card as buyers see it (the writer passes the API's
    presenter, ``public_api.presenters.stored_card``, so a page is read, not presented; an index built
    without it, such as the alerts' one-listing index, presents each card when it is returned)."""
    if not listing.in_search:
        return None
    raw = listing.serialize()
    # Beside a presented card, only what the neighbourhood figures read (``marketplace.market``): the whole
    # card again would add ~1.2 KB a listing to the file (+13 MB at 10,000), loaded at every cold start.
    card = {name: raw[name] for name in (MARKET_ATTRIBUTES if present else CARD_ATTRIBUTES) if name in raw}
    card["type"] = {"S": "Listing"}
    price = None if listing.price_on_request or listing.price is None else int(listing.price)
    place = next((p for p in NEIGHBOURHOODS if p.slug == listing.neighborhood), None)
    point = None
    if listing.geohash:
        centre = pygeohash.decode(listing.geohash)
        point = (float(centre.latitude), float(centre.longitude))
    row = {
        "listing_id": listing.listing_id, **_field_values(listing), "status": listing.status,
        "price": price, "premium": int(bool(listing.premium)), "exclusive": int(bool(listing.exclusive)),
        "public_at": _timestamp(listing.public_at), "published": _timestamp(listing.published_at) or 0.0,
        "per_ropani": _per_ropani(listing), "price_band": price_band(price),
    }
    words = {"title": listing.title, "description": listing.description or "",
             "place": " ".join(filter(None, (listing.neighborhood, place.name if place else "",
                                             DEVANAGARI.get(listing.neighborhood, "")))),
             "features": _features(listing)}
    return Document(listing_id=listing.listing_id, row=row, card=json.dumps(card, separators=(",", ":")), words=words,
                    point=point, guard=_guard_of(listing), presented=present(listing) if present else None)


# PynamoDB's ``from_raw_data`` walks all of the model's ~60 attributes twice (defaults, then values): 53 us
# a card, most of a 50-card page's cost. A card holds ~20 attributes: the same defaults and the same
# attributes' own deserialisers, applied to what the card holds, give an equal ``Listing`` in ~15 us
# (tests compare the two over generated cards).
_STORED = {attribute.attr_name: (name, attribute) for name, attribute in Listing.get_attributes().items()}
_DEFAULTS = tuple((name, attribute.default) for name, attribute in Listing.get_attributes().items()
                  if attribute.default is not None)


def card_of_row(card_json: str) -> Listing:
    """The card stored in a row, as the ``Listing`` the presenters and ``can_see`` take (what
    ``Listing.from_raw_data`` gives, without its passes over the attributes a card does not hold)."""
    values = {name: default() if callable(default) else default for name, default in _DEFAULTS}
    for stored_name, stored in json.loads(card_json).items():
        name, attribute = _STORED[stored_name]
        if stored and "NULL" not in stored:
            values[name] = attribute.deserialize(attribute.get_value(stored))
    listing = Listing.__new__(Listing)
    listing.attribute_values = values
    return listing


CARD_CACHE = 8192  # cards kept deserialised: a few MB; the cards searches return most are a small share


@functools.lru_cache(maxsize=CARD_CACHE)
def shared_card(card_json: str) -> Listing:
    """``card_of_row``, once per distinct card: deserialising is most of a search's cost otherwise.
    Keyed by the stored card itself, so a changed card (a new version, a write) is a new entry.
    The same object is returned to every caller: read it, never change it."""
    return card_of_row(card_json)


@dataclass(frozen=True, slots=True)
class IndexCard:
    """A card the index returns already presented: what ``can_see`` reads (``GUARD``) and the presented card's
    JSON (``public_api.card_pages.page_json`` adds what depends on the moment and on other items)."""

    listing_id: str
    broker_id: str | None
    status: str
    exclusive: bool
    public_at: datetime | None
    closed_at: datetime | None
    search_left_at: datetime | None
    presented: str


@functools.lru_cache(maxsize=CARD_CACHE)
def shared_index_card(guard: str, presented: str) -> IndexCard:
    """A stored presented card and its guard, once per distinct pair (a changed card is a new key); the same
    object is returned to every caller."""
    values = json.loads(guard)
    for name in _MOMENTS:
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    return IndexCard(**values, presented=presented)
