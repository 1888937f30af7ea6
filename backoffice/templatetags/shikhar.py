"""Rupees and areas as Kathmandu writes them."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.timezone import localtime

from backoffice import previews
from marketplace import history
from marketplace.listing_fields import label_of
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
def cell(value, kind: str = "text") -> str:
    """A report's value as its column's kind says: nothing is "—", but zero is 0."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money":
        return npr(value)
    if kind == "number":
        return group_npr(int(value))
    if kind == "percent":
        return f"{value}%"
    if kind == "moment":
        return localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


@register.filter
def label(value) -> str:
    return str(value or "").replace("_", " ")


@register.filter
def field_label(name) -> str:
    """A listing field's human label, from the field specification (history, checklists)."""
    return label_of(str(name or ""))


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)


def _img(preview, alt: str, css: str):
    if preview is None:
        return format_html('<span class="{} none">no image</span>', css)
    if preview.locked:
        return format_html('<span class="{} locked" title="premium: subscribers only">premium</span>', css)
    return format_html('<img class="{}" src="{}" alt="{}" width="{}" height="{}" loading="lazy">', css,
                       preview.url, alt, preview.width or "", preview.height or "")


@register.simple_tag(takes_context=True)
def media_thumb(context, media, listing):
    """A media item's thumbnail for the signed-in person (premium: admins and the listing's broker)."""
    preview = previews.media_preview(media, listing=listing, actor=getattr(context.get("request"), "actor", None))
    return _img(preview, f"{media.kind.replace('_', ' ')} {media.filename or ''}".strip(), "thumb")


@register.simple_tag(takes_context=True)
def proposed_thumb(context, media, listing=None):
    """The thumbnail of a media item's version waiting for review (the moderation queue's)."""
    preview = previews.media_preview(media, listing=listing, actor=getattr(context.get("request"), "actor", None),
                                     proposed=True)
    return _img(preview, f"{media.kind.replace('_', ' ')} {media.filename or ''} (for review)".strip(), "thumb")


@register.simple_tag
def cover_thumb(listing):
    return _img(previews.cover_preview(listing), f"cover of {listing.title}", "cover-thumb")


# ---- market history (price and status changes) ----------------------------------------------------------


@register.filter
def change_label(change_type) -> str:
    """A RESO ChangeType in the words the pages use ("Price changed", "Back on market")."""
    return history.LABELS[history.ChangeType(change_type)]


@register.filter
def asking(amount) -> str:
    """An asking price after a change: on request when there is none."""
    return "on request" if amount is None or amount == "" else npr(amount)


@register.filter
def price_change(item) -> str:
    """"−8%" / "+5%" against the previous price, or "" when the price did not change."""
    percent = history.percent_change(item.previous_price, item.price)
    if percent is None:
        return ""
    text = format(abs(percent), "g")
    return f"−{text}%" if percent < 0 else f"+{text}%"
