"""The back office's forms. They only collect input: the domain validates it
(``marketplace.listing_fields.clean_listing_fields``) and its errors are shown on the fields they name."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from django import forms

from marketplace.actors import Group
from marketplace.entitlements import PAID_TIERS
from marketplace.errors import ValidationError
from marketplace.lifecycle import Status, Surface, actions_on
from marketplace.listing_fields import (
    AMENITIES,
    DOCUMENTS,
    FACINGS,
    FURNISHINGS,
    PROPERTY_TYPES,
    PURPOSES,
    ROAD_SURFACES,
    TEXT_LIMITS,
    clean_listing_fields,
)
from marketplace.money import group_npr
from marketplace.neighbourhoods import NEIGHBOURHOODS
from marketplace.selectors.people import sellers_list
from marketplace.units import Area, format_area


def _choices(values, blank=True):
    pairs = [(v, v.replace("_", " ").capitalize()) for v in values]
    return [("", "—"), *pairs] if blank else pairs


LAND_UNITS = [("hill", "ropani-aana-paisa-daam (e.g. 0-8-0-0)"), ("terai", "bigha-kattha-dhur (e.g. 1-5-3)"),
              ("sqm", "m²"), ("sqft", "ft²")]
FLOOR_UNITS = [("sqft", "ft²"), ("sqm", "m²")]
NEIGHBOURHOOD_CHOICES = [("", "—"), *((n.slug, n.name) for n in NEIGHBOURHOODS)]
# Form field -> domain field, where they differ.
TO_DOMAIN = {"land_area": "land_area_sqft", "built_up_area": "built_up_area_sqft"}
FROM_DOMAIN = {v: k for k, v in TO_DOMAIN.items()}
_PLAIN_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
SHORT = 40  # the longest number, area or price anyone types; the field shows it as its maxlength


def area_text(value: str, unit: str) -> str:
    """What the broker typed, in the unit they chose, as ``marketplace.units.parse_area`` reads it."""
    value = (value or "").strip()
    if not value:
        return ""
    if unit == "terai" and re.fullmatch(r"\d+(\.\d+)?(\s*-\s*\d+(\.\d+)?){0,2}", value):
        names = ("bigha", "kattha", "dhur")
        return " ".join(f"{n} {u}" for n, u in zip(re.split(r"\s*-\s*", value), names))
    if unit in ("sqm", "sqft") and _PLAIN_NUMBER.match(value):
        return f"{value} {'m2' if unit == 'sqm' else 'sqft'}"
    return value


class ListingForm(forms.Form):
    """Every field shows its limit (``maxlength``), so the whole form stays far below the request size the
    back office accepts: a long description is stopped while typing, not lost on saving."""

    title = forms.CharField(required=False, max_length=TEXT_LIMITS["title"])
    description = forms.CharField(required=False, max_length=TEXT_LIMITS["description"],
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=f"At most {TEXT_LIMITS['description']:,} characters")
    property_type = forms.ChoiceField(required=False, choices=_choices(PROPERTY_TYPES))
    purpose = forms.ChoiceField(required=False, choices=_choices(PURPOSES, blank=False))
    price = forms.CharField(required=False, max_length=SHORT, help_text="In rupees: 4,50,00,000 or 4.5 crore or 75 lakh")
    price_on_request = forms.BooleanField(required=False)
    neighborhood = forms.ChoiceField(required=False, choices=NEIGHBOURHOOD_CHOICES)
    address = forms.CharField(required=False, max_length=TEXT_LIMITS["address"])
    latitude = forms.CharField(required=False, max_length=SHORT)
    longitude = forms.CharField(required=False, max_length=SHORT)
    land_area = forms.CharField(required=False, max_length=SHORT)
    land_unit = forms.ChoiceField(choices=LAND_UNITS, initial="hill")
    built_up_area = forms.CharField(required=False, max_length=SHORT)
    built_up_unit = forms.ChoiceField(choices=FLOOR_UNITS, initial="sqft")
    bedrooms = forms.CharField(required=False, max_length=SHORT)
    bathrooms = forms.CharField(required=False, max_length=SHORT)
    storeys = forms.CharField(required=False, max_length=SHORT, help_text="2.5 is common")
    parking = forms.CharField(required=False, max_length=SHORT)
    road_width_ft = forms.CharField(required=False, max_length=SHORT, label="Road width (ft)")
    road_surface = forms.ChoiceField(required=False, choices=_choices(ROAD_SURFACES))
    facing = forms.ChoiceField(required=False, choices=_choices(FACINGS))
    year_built = forms.CharField(required=False, max_length=SHORT)
    furnishing = forms.ChoiceField(required=False, choices=_choices(FURNISHINGS))
    amenities = forms.MultipleChoiceField(required=False, choices=_choices(AMENITIES, blank=False),
                                          widget=forms.CheckboxSelectMultiple)
    documents = forms.MultipleChoiceField(required=False, choices=_choices(DOCUMENTS, blank=False),
                                          widget=forms.CheckboxSelectMultiple)
    exclusive = forms.BooleanField(required=False, label="Exclusive (off-market, investors only)")
    seller_id = forms.ChoiceField(required=False, label="Seller", choices=[("", "—")],
                                  help_text="The owner or developer, from the sellers' directory")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller_id"].choices = [("", "—"), *((s.seller_id, f"{s.name} ({s.kind})")
                                                          for s in sellers_list(limit=500))]

    def domain_fields(self) -> dict:
        """The domain's input (valid only after ``is_valid()``)."""
        data = dict(self.cleaned_data)
        data["land_area"] = area_text(data.get("land_area", ""), data.pop("land_unit", "hill"))
        data["built_up_area"] = area_text(data.get("built_up_area", ""), data.pop("built_up_unit", "sqft"))
        return {TO_DOMAIN.get(k, k): v for k, v in data.items()}

    def show_domain_errors(self, error: ValidationError) -> None:
        for name, message in (error.errors or {error.field or "__all__": error.message}).items():
            target = FROM_DOMAIN.get(name, name)
            self.add_error(target if target in self.fields else None, message if target in self.fields
                           else f"{name}: {message}")


def listing_initial(listing) -> dict:
    def text(value):
        return "" if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)

    return {
        "title": listing.title, "description": listing.description, "property_type": listing.property_type,
        "purpose": listing.purpose, "price": group_npr(int(listing.price)) if listing.price is not None else "",
        "price_on_request": listing.price_on_request, "neighborhood": listing.neighborhood,
        "address": listing.address, "latitude": text(listing.latitude), "longitude": text(listing.longitude),
        "land_area": format_area(Area(listing.land_area_sqft), "hill") if listing.land_area_sqft else "",
        "land_unit": "hill",
        "built_up_area": text(listing.built_up_area_sqft.normalize()) if listing.built_up_area_sqft else "",
        "built_up_unit": "sqft", "bedrooms": text(listing.bedrooms), "bathrooms": text(listing.bathrooms),
        "storeys": text(listing.storeys), "parking": text(listing.parking), "road_width_ft": text(listing.road_width_ft),
        "road_surface": listing.road_surface or "", "facing": listing.facing or "",
        "year_built": text(listing.year_built), "furnishing": listing.furnishing or "",
        "amenities": list(listing.amenities or []), "documents": list(listing.documents or []),
        "exclusive": listing.exclusive, "seller_id": listing.seller_id or "",
    }


def _same(before, after) -> bool:
    if isinstance(before, bool) or isinstance(after, bool):
        return bool(before) == bool(after)
    if isinstance(before, (int, float, Decimal)) and isinstance(after, (int, float, Decimal)):
        return Decimal(str(before)) == Decimal(str(after))
    if isinstance(before, list) or isinstance(after, list):
        return sorted(before or []) == sorted(after or [])
    return (before or None) == (after or None)


def changed_fields(listing, fields: dict) -> dict:
    """Only what differs from the stored listing (normalised by the domain), so an edit of a listed
    listing's price does not trip over the fields that may not change while listed."""
    cleaned = clean_listing_fields(fields, partial=True)
    return {k: v for k, v in cleaned.items() if not _same(getattr(listing, k), v)}


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[(t.action.value, t.label) for t in actions_on(Surface.REVIEW)])
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    premium = forms.BooleanField(required=False)
    public_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[(s.value, s.value.replace("_", " ")) for s in Status])
    neighborhood = forms.ChoiceField(required=False, choices=NEIGHBOURHOOD_CHOICES)
    broker_id = forms.CharField(required=False)
    premium = forms.ChoiceField(required=False, choices=[("", "any"), ("yes", "premium"), ("no", "not premium")])
    price_min = forms.CharField(required=False)
    price_max = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=100, label="Title or id")


class SubscriptionForm(forms.Form):
    operation = forms.ChoiceField(choices=[("grant", "Grant"), ("extend", "Extend"), ("revoke", "Revoke")])
    tier = forms.ChoiceField(required=False, choices=[(t.value, t.value) for t in PAID_TIERS])
    expires_at = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=500)

    def expiry(self) -> datetime | None:
        day = self.cleaned_data.get("expires_at")
        return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC) if day else None


class GroupsForm(forms.Form):
    groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[(g.value, g.value) for g in Group])
    reason = forms.CharField(max_length=500)


class VerifyBrokerForm(forms.Form):
    verified = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=500)
