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


def _decimal(value, field, errors, *, low, high):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = f"{value!r} is not a number"
        return None
    if not number.is_finite() or not low <= number <= high:
        errors[field] = f"must be between {low} and {high}"
    return number


def _area(value, field, errors):
    if value in (None, ""):
        return None
    if isinstance(value, Area):
        return value.sqft
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    try:
        return parse_area(str(value), field=field).sqft.quantize(Decimal("0.0001"))
    except ValidationError as error:
        errors[field] = error.message
        return None


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
        "title": lambda v, f: _text(v, f, errors, min_length=5, max_length=140),
        "description": lambda v, f: _text(v, f, errors, max_length=8000),
        "address": lambda v, f: _text(v, f, errors, max_length=200),
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
        "storeys": lambda v, f: _decimal(v, f, errors, low=Decimal(0), high=Decimal(60)),
        "road_width_ft": lambda v, f: _decimal(v, f, errors, low=Decimal(0), high=Decimal(200)),
        "latitude": lambda v, f: _decimal(v, f, errors, low=LATITUDE_RANGE[0], high=LATITUDE_RANGE[1]),
        "longitude": lambda v, f: _decimal(v, f, errors, low=LONGITUDE_RANGE[0], high=LONGITUDE_RANGE[1]),
        "land_area_sqft": lambda v, f: _area(v, f, errors),
        "built_up_area_sqft": lambda v, f: _area(v, f, errors),
        "amenities": lambda v, f: _many(v, f, errors, AMENITIES),
        "documents": lambda v, f: _many(v, f, errors, DOCUMENTS),
        "price_on_request": lambda v, f: _flag(v),
        "exclusive": lambda v, f: _flag(v),
        "seller_id": lambda v, f: (str(v).strip() or None) if v else None,
    }
    for field_name, check in checks.items():
        if field_name in given or not partial:
            out[field_name] = check(given.get(field_name), field_name)
    if "price" in given or not partial:
        raw = given.get("price")
        if raw in (None, ""):
            out["price"] = None
        else:
            try:
                out["price"] = parse_npr(raw if not isinstance(raw, float) else int(raw), field="price")
                if out["price"] > MAX_PRICE:
                    errors["price"] = "is implausibly high"
            except ValidationError as error:
                errors["price"] = error.message
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


def missing_for_submission(listing) -> dict[str, str]:
    """What a listing still lacks before review: the submit step's checklist."""
    missing = {f: "is required to submit" for f in REQUIRED_TO_SUBMIT if getattr(listing, f) in (None, "")}
    if listing.property_type != "land":
        missing.update({f: "is required to submit" for f in REQUIRED_UNLESS_LAND
                        if getattr(listing, f) is None})
    if listing.price is None and not listing.price_on_request:
        missing["price"] = "is required unless the price is on request"
    return missing
