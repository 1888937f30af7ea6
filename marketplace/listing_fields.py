"""What a listing may hold and how each field is checked: the one validator for every entry point
(back-office form, public API, demo data). Errors name the field; all of them are reported at once.

``FIELDS`` is the one declaration of every field a broker edits: its kind, bounds, choices, length,
unit, whether it is needed to submit, whether it may change while the listing is live, its RESO name
and its human label. The domain's cleaning below, the back office's form, history and CSV export, and
the public API's schema bounds and presenters are all derived from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

import pygeohash

from marketplace.errors import ValidationError
from marketplace.money import parse_npr
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.units import Area, parse_area
from marketplace.wording import word_list

GEOHASH_PRECISION = 7  # about 150 m: the pin buyers see (the API shows the stored geohash whole)
MAX_PRICE = 10**13  # Rs 10 lakh crore: anything above is a typo
# 1,000 ropani (about 127 bigha): larger is a typo, and the bound keeps every stored number well within
# DynamoDB's 38 significant digits (moto stores numbers DynamoDB would refuse).
MAX_AREA_SQFT = Decimal(5_476_000)
AREA_PLACES = 4  # ft² to 1/10,000: exact for every ropani-aana-paisa-daam and bigha-kattha-dhur amount
COORDINATE_PLACES = 7  # about 1 cm
ID_MAX = 64  # a seller's id (a Cognito sub or a ULID), refused beyond this before any lookup
MIN_PHOTOS = 2  # luxury portals refuse listings with fewer than two photos


class Kind(StrEnum):
    """How a field's value is read and checked."""

    TEXT = "text"
    CHOICE = "choice"
    MANY = "many"  # several of the choices
    INTEGER = "integer"
    DECIMAL = "decimal"  # exact, at most ``places`` decimal places
    AREA = "area"  # any unit ``marketplace.units`` reads, held in ft²
    PRICE = "price"  # whole rupees, "3.5 crore" and "4,50,00,000" read too
    FLAG = "flag"
    REFERENCE = "reference"  # the id of another entity (its existence is the services' check)


class Need(StrEnum):
    """When a field must have a value (drafts may be incomplete)."""

    OPTIONAL = "optional"
    TO_CREATE = "to_create"  # from the first save, and so to submit as well
    TO_SUBMIT = "to_submit"
    TO_SUBMIT_UNLESS_LAND = "to_submit_unless_land"  # rooms and floors: not for a plot of land
    TO_SUBMIT_UNLESS_ON_REQUEST = "to_submit_unless_on_request"  # the price


def _named(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((value, value.replace("_", " ").capitalize()) for value in values)


@dataclass(frozen=True)
class Field:
    """One listing field. ``low``/``high`` bound numbers (``high`` may be a callable, for a bound that
    moves with the date); ``choices`` are (value, human name) pairs; ``unit`` is what a number counts."""

    name: str
    kind: Kind
    label: str
    need: Need = Need.OPTIONAL
    live_editable: bool = False  # may change while the listing is live (listed)
    choices: tuple[tuple[str, str], ...] = ()
    low: int | Decimal | None = None
    high: int | Decimal | Callable[[], int] | None = None
    places: int = 0
    min_length: int = 0
    max_length: int | None = None
    unit: str = ""
    reso: str = ""  # its RESO Data Dictionary name, where it has one
    help: str = ""
    default: str | None = None  # what an empty input keeps (the model's default)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)

    @property
    def upper(self) -> int | Decimal | None:
        return self.high() if callable(self.high) else self.high

    @property
    def bounds(self) -> str:
        """The range a person may enter, as the form shows it: "0 to 50 cars"."""
        if self.low is None or self.upper is None:
            return ""
        upper = f"{self.upper:,}" if self.upper >= 10_000 else str(self.upper)  # a year stays 2031
        return f"{self.low} to {upper}{f' {self.unit}' if self.unit else ''}"


def _years_ahead() -> int:
    return date.today().year + 5  # under construction: completion up to five years ahead


PROPERTY_TYPES = ("house", "villa", "apartment", "land", "commercial")
PURPOSES = ("sale", "rent")
FACINGS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
# Compass points as people write them ("North-east", not the code's "Ne").
FACING_NAMES = tuple(zip(FACINGS, ("North", "North-east", "East", "South-east", "South", "South-west", "West",
                                   "North-west"), strict=True))
ROAD_SURFACES = ("blacktopped", "paved", "graveled", "earthen")
FURNISHINGS = ("unfurnished", "semi_furnished", "furnished")
AMENITIES = ("garden", "himalaya_view", "valley_view", "servant_quarters", "security", "solar",
             "backup_power", "municipal_water", "boring_water", "tanker_water", "earthquake_resistant",
             "swimming_pool", "gym", "lift", "modular_kitchen", "terrace", "gated_community")
DOCUMENTS = ("lalpurja", "trace_map", "naksa_pass")

# Every field a broker edits, in the order the form shows them.
FIELDS: tuple[Field, ...] = (
    Field("title", Kind.TEXT, "Title", Need.TO_CREATE, min_length=5, max_length=140),
    Field("description", Kind.TEXT, "Description", Need.TO_SUBMIT, max_length=8000, reso="PublicRemarks"),
    Field("property_type", Kind.CHOICE, "Property type", Need.TO_CREATE, choices=_named(PROPERTY_TYPES),
          reso="PropertyType"),
    Field("purpose", Kind.CHOICE, "Purpose", Need.TO_SUBMIT, choices=_named(PURPOSES), default="sale"),
    Field("price", Kind.PRICE, "Price", Need.TO_SUBMIT_UNLESS_ON_REQUEST, live_editable=True, low=1,
          high=MAX_PRICE, unit="NPR", reso="ListPrice", help="In rupees: 4,50,00,000 or 4.5 crore or 75 lakh"),
    Field("price_on_request", Kind.FLAG, "Price on request", live_editable=True),
    Field("neighborhood", Kind.CHOICE, "Neighbourhood", Need.TO_CREATE,
          choices=tuple((n.slug, n.name) for n in NEIGHBOURHOODS)),
    Field("address", Kind.TEXT, "Address", max_length=200, reso="UnparsedAddress"),
    # Kathmandu valley and its rim: coordinates outside are a typo, not a listing.
    Field("latitude", Kind.DECIMAL, "Latitude", Need.TO_SUBMIT, low=Decimal("27.55"), high=Decimal("27.85"),
          places=COORDINATE_PLACES, reso="Latitude"),
    Field("longitude", Kind.DECIMAL, "Longitude", Need.TO_SUBMIT, low=Decimal("85.15"), high=Decimal("85.55"),
          places=COORDINATE_PLACES, reso="Longitude"),
    Field("land_area_sqft", Kind.AREA, "Land area", Need.TO_SUBMIT, low=0, high=MAX_AREA_SQFT,
          places=AREA_PLACES, unit="ft²", reso="LotSizeArea"),
    Field("built_up_area_sqft", Kind.AREA, "Built up area", Need.TO_SUBMIT_UNLESS_LAND, low=0,
          high=MAX_AREA_SQFT, places=AREA_PLACES, unit="ft²", reso="LivingArea"),
    Field("bedrooms", Kind.INTEGER, "Bedrooms", Need.TO_SUBMIT_UNLESS_LAND, low=0, high=50, reso="BedroomsTotal"),
    Field("bathrooms", Kind.INTEGER, "Bathrooms", Need.TO_SUBMIT_UNLESS_LAND, low=0, high=50,
          reso="BathroomsTotalInteger"),
    Field("storeys", Kind.DECIMAL, "Storeys", low=Decimal(0), high=Decimal(60), places=1, reso="StoriesTotal",
          help="2.5 is common"),
    Field("parking", Kind.INTEGER, "Parking", low=0, high=100, unit="cars", reso="ParkingTotal"),
    Field("road_width_ft", Kind.DECIMAL, "Road width (ft)", low=Decimal(0), high=Decimal(200), places=1,
          unit="ft"),
    Field("road_surface", Kind.CHOICE, "Road surface", choices=_named(ROAD_SURFACES)),
    Field("facing", Kind.CHOICE, "Facing", choices=FACING_NAMES, reso="DirectionFaces"),
    Field("year_built", Kind.INTEGER, "Year built", low=1900, high=_years_ahead, reso="YearBuilt"),
    Field("furnishing", Kind.CHOICE, "Furnishing", choices=_named(FURNISHINGS), reso="Furnished"),
    Field("amenities", Kind.MANY, "Amenities", choices=_named(AMENITIES)),
    Field("documents", Kind.MANY, "Documents", choices=_named(DOCUMENTS)),
    Field("exclusive", Kind.FLAG, "Exclusive (off-market, investors only)"),
    Field("seller_id", Kind.REFERENCE, "Seller", max_length=ID_MAX,
          help="The owner or developer, from the sellers' directory"),
)
FIELD = {spec.name: spec for spec in FIELDS}  # what every consumer reads, in the same order

# Derived views of FIELDS.
EDITABLE_FIELDS = tuple(FIELD)
PRICE_FIELDS = tuple(spec.name for spec in FIELDS if spec.live_editable)  # all a live listing may change
REQUIRED_TO_CREATE = tuple(spec.name for spec in FIELDS if spec.need == Need.TO_CREATE)
REQUIRED_TO_SUBMIT = tuple(spec.name for spec in FIELDS if spec.need in (Need.TO_CREATE, Need.TO_SUBMIT))
REQUIRED_UNLESS_LAND = tuple(spec.name for spec in FIELDS if spec.need == Need.TO_SUBMIT_UNLESS_LAND)
TEXT_LIMITS = {spec.name: spec.max_length for spec in FIELDS if spec.kind == Kind.TEXT}
TITLE_MAX = FIELD["title"].max_length


# What people call the inputs that are not listing fields, where their name does not say it.
OTHER_LABELS = {"public_at": "Public date", "expires_at": "Expiry date", "expected_version": "",
                "listing_id": "Listing", "media_id": "Media item", "land_unit": "Land unit",
                "built_up_unit": "Built up area unit", "content_type": "File type"}
# Messages that read on from the label: "Description is required to submit".
_CONTINUES = ("is ", "are ", "must ", "cannot ", "needs ", "may ")


def label_of(name: str) -> str:
    """A field's human label; other attributes (status, premium) by their name."""
    spec = FIELD.get(name)
    if spec:
        return spec.label
    return OTHER_LABELS[name] if name in OTHER_LABELS else name.replace("_", " ").capitalize()


def describe(name: str | None, message: str) -> str:
    """A field's problem in words, its label first: "Description is required to submit", "Price: cannot
    read 'lots' as rupees ..." (never the attribute's name)."""
    label = label_of(name) if name and name != "__all__" else ""
    if not label:  # a whole-form problem, or one whose message says it all ("the page is out of date")
        return message[:1].upper() + message[1:]
    return f"{label} {message}" if message.startswith(_CONTINUES) else f"{label}: {message}"


def invalid(errors: dict[str, str]) -> ValidationError:
    """The error for a form's problems (``{field: message}``): the first, described with its label, and all of
    them by field."""
    first = next(iter(errors))
    return ValidationError(describe(first, errors[first]), field=first, errors=errors)


def _text(value, spec: Field, errors: dict) -> str:
    text = str(value or "").strip()
    if len(text) < spec.min_length:
        errors[spec.name] = f"must be at least {spec.min_length} characters"
    elif len(text) > spec.max_length:
        errors[spec.name] = f"must be at most {spec.max_length} characters"
    return text


def _choice(value, spec: Field, errors: dict):
    if value in (None, ""):
        return None
    if value not in spec.values:
        errors[spec.name] = f"must be {word_list((name for _, name in spec.choices), last='or')}"
    return value


def _integer(value, spec: Field, errors: dict):
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[spec.name] = f"{value!r} is not a whole number"
        return None
    if not spec.low <= number <= spec.upper:
        errors[spec.name] = f"must be between {spec.low} and {spec.upper}"
    return number


def _decimal(value, spec: Field, errors: dict):
    """An exact decimal in [low, high] with at most ``places`` decimal places: never rounded (a value
    that does not fit is refused), never NaN or infinite."""
    if value in (None, ""):
        return None
    field, low, high, places = spec.name, spec.low, spec.upper, spec.places
    if isinstance(value, bool):
        errors[field] = f"{value!r} is not a number"
        return None
    text = str(value).strip()
    if len(text) > 40:
        errors[field] = "has too many digits"
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors[field] = f"{text!r} is not a number"
        return None
    if not number.is_finite() or not low <= number <= high:
        errors[field] = f"must be between {low} and {high}"
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        errors[field] = f"must have at most {places} decimal places"
        return None
    return number


def _area(value, spec: Field, errors: dict):
    """An area in any unit, held in ft²: more than ``low``, at most ``high`` (1,000 ropani)."""
    if value in (None, ""):
        return None
    field = spec.name
    try:
        if isinstance(value, Area):
            sqft = value.sqft
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            sqft = Decimal(str(value))
        else:
            sqft = parse_area(str(value)[:200], field=field).sqft
    except ValidationError as error:
        errors[field] = error.message
        return None
    if not sqft.is_finite() or not spec.low < sqft <= spec.upper:
        errors[field] = f"must be more than {spec.low} and at most {spec.upper:,} ft² (1,000 ropani)"
        return None
    exact = sqft.quantize(Decimal(1).scaleb(-spec.places))
    if abs(exact - sqft) * 10_000 > sqft:  # more than 0.01% off: the input was not an area we can hold
        errors[field] = f"is too precise: give it to {spec.places} decimal places of a square foot"
        return None
    return exact


def _price(raw, spec: Field, errors: dict) -> int | None:
    """Whole rupees, at least ``low`` and at most ``high``: 49,999,999.5 is refused, not truncated."""
    if raw in (None, ""):
        return None
    field, high = spec.name, spec.upper
    if isinstance(raw, (float, Decimal)):
        number = Decimal(str(raw))
        if not number.is_finite() or number != number.to_integral_value():
            errors[field] = f"{raw!r} is not a whole number of rupees"
            return None
        raw = int(number) if abs(number) <= high * 10 else high + 1
    if isinstance(raw, str) and len(raw) > 60:
        errors[field] = "is implausibly high"
        return None
    try:
        price = parse_npr(raw, field=field)
    except ValidationError as error:
        errors[field] = error.message
        return None
    if price < spec.low:
        errors[field] = "must be more than zero (or tick 'price on request')"
    elif price > high:
        errors[field] = "is implausibly high"
    return price


def _reference(value, spec: Field, errors: dict) -> str | None:
    """The shape of an id; that the entity (the seller) exists is the listing services' check."""
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) > spec.max_length or not text.isprintable():
        errors[spec.name] = "is not a seller: choose one from the list"
        return None
    return text


def _flag(value, spec: Field, errors: dict) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _many(value, spec: Field, errors: dict) -> list:
    items = [v for v in (value or []) if v]
    unknown = [v for v in items if v not in spec.values]
    if unknown:
        errors[spec.name] = f"{word_list(map(repr, unknown))} {'is' if len(unknown) == 1 else 'are'} not among its choices"
    return sorted(set(items) - set(unknown))


CLEANERS = {Kind.TEXT: _text, Kind.CHOICE: _choice, Kind.MANY: _many, Kind.INTEGER: _integer,
            Kind.DECIMAL: _decimal, Kind.AREA: _area, Kind.PRICE: _price, Kind.FLAG: _flag,
            Kind.REFERENCE: _reference}


def clean_listing_fields(data: dict, *, partial: bool = False) -> dict:
    """Validate and normalise listing fields. With ``partial`` only the given fields are checked.

    Areas may be given as text in any unit ``marketplace.units`` reads ("1-4-0-0", "500 m2") or as
    square feet; prices as integers or "3.5 crore". Returns the model's values; raises
    ``ValidationError`` with one message per bad field.
    """
    unknown = set(data) - set(FIELD)
    errors: dict[str, str] = {f: "is not a listing field" for f in sorted(unknown)}
    out: dict = {}
    for spec in FIELD.values():
        if spec.name in data or not partial:
            out[spec.name] = CLEANERS[spec.kind](data.get(spec.name), spec, errors)
    if not partial:
        for name in REQUIRED_TO_CREATE:
            if not out.get(name):
                errors.setdefault(name, "is required")
    if errors:
        raise invalid(errors)
    return out


def geohash_of(latitude: Decimal | None, longitude: Decimal | None) -> str | None:
    if latitude is None or longitude is None:
        return None
    return pygeohash.encode(float(latitude), float(longitude), precision=GEOHASH_PRECISION)


def missing_for_submission(listing, *, photos: int | None = None) -> dict[str, str]:
    """What a listing still lacks before review: the submit step's checklist. ``photos``: how many
    photos it has (uploaded ones at submission); without it the listing's processed-photo count."""
    missing = {f: "is required to submit" for f in REQUIRED_TO_SUBMIT if getattr(listing, f) in (None, "")}
    if listing.property_type != "land":
        missing.update({f: "is required to submit" for f in REQUIRED_UNLESS_LAND
                        if getattr(listing, f) is None})
    if listing.price is None and not listing.price_on_request:
        missing["price"] = "is required unless the price is on request"
    count = int(listing.ready_photos or 0) if photos is None else photos
    if count < MIN_PHOTOS:
        missing["photos"] = f"at least {MIN_PHOTOS} photos are required to submit ({count} so far)"
    return missing
