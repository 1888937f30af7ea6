"""The listings search's query, read in one place: ``GET /v1/listings`` and saved searches
(``/v1/me/saved-searches``) both turn parameters into an ``IndexSearch`` here, and a saved search's
``query`` is validated by a model derived from the search route's own parameters (``query_model``), so
both accept exactly the same values with the same errors."""

from __future__ import annotations

import inspect
import typing
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.fields import FieldInfo

from marketplace.errors import ValidationError
from marketplace.search_index.documents import neighbourhood_slug
from marketplace.search_index.query import IndexSearch, check_request
from marketplace.selectors.search import ListingFilters
from marketplace.units import parse_area
from public_api.routers import npr_param


def parse_near(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        latitude, longitude = (float(part) for part in text.split(","))
    except ValueError:
        raise ValidationError("must be 'latitude,longitude', e.g. 27.7172,85.3240", field="near") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationError("is not a point on Earth", field="near")
    return latitude, longitude


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        south, west, north, east = (float(part) for part in text.split(","))
    except ValueError:
        raise ValidationError("must be 'south,west,north,east', e.g. 27.68,85.30,27.70,85.32", field="bbox") from None
    if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
        raise ValidationError("must have south <= north and west <= east, in degrees", field="bbox")
    return south, west, north, east


def parse_facets(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))


def search_request(*, neighborhood: list[str] | None = None, min_price: int | str | None = None,
                   max_price: int | str | None = None, property_type: str | None = None, purpose: str | None = None,
                   min_bedrooms: int | None = None, min_land: str | None = None, min_road_ft: float | None = None,
                   facing: str | None = None, premium: bool | None = None, q: str | None = None,
                   bbox: str | None = None, near: str | None = None, radius_km: float | None = None,
                   sort: str | None = None, facets: str | None = None) -> IndexSearch:
    """The search these parameters ask for, checked as the index checks it (a ``ValidationError`` names
    the parameter at fault). Prices may be text as people write them ("4.5 crore")."""
    filters = ListingFilters(
        neighborhoods=tuple(dict.fromkeys(neighbourhood_slug(n) for n in neighborhood or ())),
        min_price=npr_param(min_price, field="min_price"), max_price=npr_param(max_price, field="max_price"),
        property_type=property_type, purpose=purpose,
        min_bedrooms=min_bedrooms,
        min_land_sqft=parse_area(min_land, field="min_land").sqft if min_land is not None else None,
        min_road_ft=None if min_road_ft is None else Decimal(str(min_road_ft)), facing=facing, premium=premium,
        near=parse_near(near), radius_km=radius_km)
    request = IndexSearch(filters=filters, q=q, bbox=parse_bbox(bbox), sort=sort, facets=parse_facets(facets))
    check_request(request)
    return request


def query_model(handler, *, name: str, leave_out: tuple[str, ...]) -> type[BaseModel]:
    """A pydantic model of ``handler``'s query parameters (their types, bounds, choices and aliases, as
    the route declares them), without ``leave_out``; unknown fields are refused."""
    hints = typing.get_type_hints(handler, include_extras=True)
    fields = {}
    for parameter in inspect.signature(handler).parameters.values():
        if parameter.name in leave_out or parameter.name == "return":
            continue
        annotation = hints[parameter.name]
        declared = next((m for m in typing.get_args(annotation)[1:] if isinstance(m, FieldInfo)), None)
        field = parameter.default
        if declared:  # Powertools' Query keeps its alias for reading only: the model writes it back too
            field = FieldInfo.merge_field_infos(declared, default=parameter.default,
                                                serialization_alias=declared.alias)
        fields[parameter.name] = (typing.get_args(annotation)[0] if declared else annotation, field)
    return create_model(name, __config__=ConfigDict(extra="forbid", populate_by_name=True), **fields)
