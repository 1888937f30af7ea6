"""What a listing may hold and how each field is checked: the one validator for every entry point
(back-office form, public API, demo data). Errors name the field; all of them are reported at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import pygeohash

from marketplace.errors import ValidationError
from marketplace.money import parse_npr
from marketplace.neighbourhoods import BY_SLUG
from marketplace.units import Area, parse_area

PROPERTY_TYPES = ("house", "villa", "apartment", "land", "commercial")
PURPOSES = ("sale", "rent")
FACINGS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
ROAD_SURFACES = ("blacktopped", "paved", "graveled", "earthen")
FURNISHINGS = ("unfurnished", "semi_furnished", "furnished")
AMENITIES = ("garden", "himalaya_view", "valley_view", "servant_quarters", "security", "solar",
             "backup_power", "municipal_water", "boring_water", "tanker_water", "earthquake_resistant",
             "swimming_pool", "gym", "lift", "modular_kitchen", "terrace", "gated_community")
DOCUMENTS = ("lalpurja", "trace_map", "naksa_pass")
GEOHASH_PRECISION = 7
# Kathmandu valley and its rim: coordinates outside are a typo, not a listing.
LATITUDE_RANGE = (Decimal("27.55"), Decimal("27.85"))
LONGITUDE_RANGE = (Decimal("85.15"), Decimal("85.55"))
MAX_PRICE = 10**13  # Rs 10 lakh crore: anything above is a typo
# 1,000 ropani (about 127 bigha): larger is a typo, and the bound keeps every stored number well within
# DynamoDB's 38 significant digits (moto stores numbers DynamoDB would refuse).
MAX_AREA_SQFT = Decimal(5_476_000)
AREA_PLACES = 4  # ft² to 1/10,000: exact for every ropani-aana-paisa-daam and bigha-kattha-dhur amount
COORDINATE_PLACES = 7  # about 1 cm
# How long each text may be: the domain refuses more, and the back office shows the limit on the field.
TEXT_LIMITS = {"title": 140, "description": 8000, "address": 200}
SELLER_ID_MAX = 64
MIN_PHOTOS = 2  # luxury portals refuse listings with fewer than two photos
PHOTO_KINDS = frozenset({"photo", "drone"})

# Fields a submitted listing must have (drafts may be incomplete).
REQUIRED_TO_SUBMIT = ("title", "description", "property_type", "purpose", "neighborhood", "latitude",
                      "longitude", "land_area_sqft")
REQUIRED_UNLESS_LAND = ("bedrooms", "bathrooms", "built_up_area_sqft")
EDITABLE_FIELDS = (
    "title", "description", "property_type", "purpose", "price", "price_on_request", "neighborhood",
    "address", "latitude", "longitude", "land_area_sqft", "built_up_area_sqft", "bedrooms", "bathrooms",
    "storeys", "parking", "road_width_ft", "road_surface", "facing", "year_built", "furnishing",
    "amenities", "documents", "exclusive", "seller_id",
)
PRICE_FIELDS = ("price", "price_on_request")


def _text(value, field, errors, *, max_length, min_length=0):
    text = str(value or "").strip()
    if len(text) < min_length:
        errors[field] = f"must be at least {min_length} characters"
    elif len(text) > max_length:
        errors[field] = f"must be at most {max_length} characters"
    return text


def _choice(value, field, errors, choices):
    if value in (None, ""):
        return None
    if value not in choices:
        errors[field] = f"{value!r} is not one of: {', '.join(choices)}"
    return value


def _integer(value, field, errors, *, low, high):
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = f"{value!r} is not a whole number"
        return None
    if not low <= number <= high:
        errors[field] = f"must be between {low} and {high}"
    return number


def _decimal(value, field, errors, *, low, high, places):
    """An exact decimal in [low, high] with at most ``places`` decimal places: never rounded (a value
    that does not fit is refused), never NaN or infinite."""
    if value in (None, ""):
        return None
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


def _area(value, field, errors):
    """An area in any unit, held in ft²: more than zero, at most ``MAX_AREA_SQFT``."""
    if value in (None, ""):
        return None
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
    if not sqft.is_finite() or not 0 < sqft <= MAX_AREA_SQFT:
        errors[field] = f"must be more than 0 and at most {MAX_AREA_SQFT:,} ft² (1,000 ropani)"
        return None
    exact = sqft.quantize(Decimal(1).scaleb(-AREA_PLACES))
    if abs(exact - sqft) * 10_000 > sqft:  # more than 0.01% off: the input was not an area we can hold
        errors[field] = f"is too precise: give it to {AREA_PLACES} decimal places of a square foot"
        return None
    return exact


def _price(raw, errors) -> int | None:
    """Whole rupees, more than zero and at most ``MAX_PRICE``: 49,999,999.5 is refused, not truncated."""
    if raw in (None, ""):
        return None
    if isinstance(raw, (float, Decimal)):
        number = Decimal(str(raw))
        if not number.is_finite() or number != number.to_integral_value():
            errors["price"] = f"{raw!r} is not a whole number of rupees"
            return None
        raw = int(number) if abs(number) <= MAX_PRICE * 10 else MAX_PRICE + 1
    if isinstance(raw, str) and len(raw) > 60:
        errors["price"] = "is implausibly high"
        return None
    try:
        price = parse_npr(raw, field="price")
    except ValidationError as error:
        errors["price"] = error.message
        return None
    if price <= 0:
        errors["price"] = "must be more than zero (or tick 'price on request')"
    elif price > MAX_PRICE:
        errors["price"] = "is implausibly high"
    return price


def _seller_id(value, field, errors) -> str | None:
    """The shape of a seller id; that the seller exists is the listing services' check."""
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) > SELLER_ID_MAX or not text.isprintable():
        errors[field] = "is not a seller: choose one from the list"
        return None
    return text


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _many(value, field, errors, choices):
    items = [v for v in (value or []) if v]
    unknown = [v for v in items if v not in choices]
    if unknown:
        errors[field] = f"unknown: {', '.join(map(str, unknown))}"
    return sorted(set(items) - set(unknown))


def clean_listing_fields(data: dict, *, partial: bool = False) -> dict:
    """Validate and normalise listing fields. With ``partial`` only the given fields are checked.

    Areas may be given as text in any unit ``marketplace.units`` reads ("1-4-0-0", "500 m2") or as
    square feet; prices as integers or "3.5 crore". Returns the model's values; raises
    ``ValidationError`` with one message per bad field.
    """
    unknown = set(data) - set(EDITABLE_FIELDS)
    errors: dict[str, str] = {f: "is not a listing field" for f in sorted(unknown)}
    given = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    out: dict = {}
    checks = {
        "title": lambda v, f: _text(v, f, errors, min_length=5, max_length=TEXT_LIMITS[f]),
        "description": lambda v, f: _text(v, f, errors, max_length=TEXT_LIMITS[f]),
        "address": lambda v, f: _text(v, f, errors, max_length=TEXT_LIMITS[f]),
        "property_type": lambda v, f: _choice(v, f, errors, PROPERTY_TYPES),
        "purpose": lambda v, f: _choice(v, f, errors, PURPOSES),
        "facing": lambda v, f: _choice(v, f, errors, FACINGS),
        "road_surface": lambda v, f: _choice(v, f, errors, ROAD_SURFACES),
        "furnishing": lambda v, f: _choice(v, f, errors, FURNISHINGS),
        "neighborhood": lambda v, f: _choice(v, f, errors, tuple(BY_SLUG)),
        "bedrooms": lambda v, f: _integer(v, f, errors, low=0, high=50),
        "bathrooms": lambda v, f: _integer(v, f, errors, low=0, high=50),
        "parking": lambda v, f: _integer(v, f, errors, low=0, high=100),
        "year_built": lambda v, f: _integer(v, f, errors, low=1900, high=date.today().year + 5),
        "storeys": lambda v, f: _decimal(v, f, errors, low=Decimal(0), high=Decimal(60), places=1),
        "road_width_ft": lambda v, f: _decimal(v, f, errors, low=Decimal(0), high=Decimal(200), places=1),
        "latitude": lambda v, f: _decimal(v, f, errors, low=LATITUDE_RANGE[0], high=LATITUDE_RANGE[1],
                                          places=COORDINATE_PLACES),
        "longitude": lambda v, f: _decimal(v, f, errors, low=LONGITUDE_RANGE[0], high=LONGITUDE_RANGE[1],
                                           places=COORDINATE_PLACES),
        "land_area_sqft": lambda v, f: _area(v, f, errors),
        "built_up_area_sqft": lambda v, f: _area(v, f, errors),
        "amenities": lambda v, f: _many(v, f, errors, AMENITIES),
        "documents": lambda v, f: _many(v, f, errors, DOCUMENTS),
        "price_on_request": lambda v, f: _flag(v),
        "exclusive": lambda v, f: _flag(v),
        "seller_id": lambda v, f: _seller_id(v, f, errors),
    }
    for field_name, check in checks.items():
        if field_name in given or not partial:
            out[field_name] = check(given.get(field_name), field_name)
    if "price" in given or not partial:
        out["price"] = _price(given.get("price"), errors)
    if not partial and not out.get("title"):
        errors.setdefault("title", "is required")
    if not partial and not out.get("property_type"):
        errors.setdefault("property_type", "is required")
    if not partial and not out.get("neighborhood"):
        errors.setdefault("neighborhood", "is required")
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first}: {errors[first]}", field=first, errors=errors)
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
