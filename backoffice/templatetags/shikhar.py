"""Rupees and areas as Kathmandu writes them."""

from __future__ import annotations

from decimal import Decimal

from django import template

from marketplace.money import group_npr, npr_words
from marketplace.units import Area, format_area

register = template.Library()


@register.filter
def npr(amount) -> str:
    """"Rs 4,50,00,000 (Rs 4.5 crore)"."""
    if amount is None or amount == "":
        return "—"
    amount = int(amount)
    words = npr_words(amount)
    grouped = f"Rs {group_npr(amount)}"
    return grouped if words == grouped else f"{grouped} ({words})"


@register.filter
def area(sqft, system: str = "hill") -> str:
    if sqft is None or sqft == "":
        return "—"
    return format_area(Area(Decimal(str(sqft))), system)


@register.filter
def label(value) -> str:
    return str(value or "").replace("_", " ")


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
