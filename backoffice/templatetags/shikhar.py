"""Thin template wrappers over ``marketplace.formatting``: money, land, numbers, dates and words as
Kathmandu writes them."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from backoffice import maps, places, previews
from marketplace import formatting, history
from marketplace.actors import Group
from marketplace.listing_fields import label_of
from marketplace.media_kinds import IN_FLIGHT
from marketplace.payments import PLANS, PROVIDER_NAMES
from marketplace.services.documents import EVENT_WORDS, OBJECT_WORDS, TYPE_NAMES

register = template.Library()

# {{ listing.price|npr }} -> "Rs 4,50,00,000 (Rs 4.5 crore)"; |money "Rs 4,50,00,000"; |crore "Rs 4.5 crore"
register.filter("npr", formatting.money_full)
register.filter("money", formatting.money)
register.filter("crore", formatting.money_short)
register.filter("num", formatting.number)  # a count or amount, Nepali grouped
register.filter("day", formatting.day)  # "1 Dec 2026", Kathmandu
register.filter("moment", formatting.moment)  # "1 Dec 2026, 14:30", Kathmandu
register.filter("duration", formatting.duration)  # 600 -> "10 minutes"
register.filter("until", formatting.until)  # an inclusive end date as the day it means
register.filter("status", formatting.status)  # "Waiting for review"
register.filter("state", formatting.state)  # {{ order.state|state:"order" }} -> "Paid"
register.filter("words", formatting.words)  # "semi_furnished" -> "Semi furnished"
register.filter("word_list", formatting.word_list)  # "admins, brokers and sellers"
register.filter("place", formatting.place)  # a neighbourhood's name
register.filter("price", formatting.price)  # a listing's price, or "Price on request"


@register.filter
def group_names(groups) -> str:
    """{{ person.groups|group_names }} -> "Admins and Brokers" (a name the pool has but the code does not
    know stays as it is)."""
    known = {group.value: group.label for group in Group}
    return formatting.word_list(known.get(str(name), str(name)) for name in groups)


@register.filter
def area(sqft, system: str = "hill") -> str:
    """{{ listing.land_area_sqft|area }} -> "0-8-0-0 R-A-P-D"; |area:"sqm" -> "254.37 m²"."""
    return formatting.land(sqft, system)


@register.filter
def cell(value, kind: str = "text") -> str:
    """A report's value as its column's kind says: nothing is "—", but zero is 0 (and Rs 0)."""
    if value is None or value == "":
        return formatting.NOTHING
    if isinstance(value, bool):
        return formatting.yes_no(value)
    if kind == "money":
        return formatting.money(value)
    if kind in ("number", "hours"):
        return formatting.number(value, 1)
    if kind == "percent":
        return f"{formatting.number(value, 1)}%"
    if kind == "moment":
        return formatting.moment(value)
    if kind == "action":
        return formatting.did(value)
    return str(value)


@register.simple_tag
def state_badge(value, record: str):
    """{% state_badge order.state "order" %}: a record's state as a badge in words, toned as it fares."""
    return format_html('<span class="badge {}">{}</span>', formatting.state_tone(value, record),
                       formatting.state(value, record))


@register.filter
def accept(kinds) -> str:
    """{{ kinds|accept }}: a file input's ``accept``, the content types the media kinds take (``media_kinds``)."""
    return ",".join(dict.fromkeys(content_type for rules in kinds for content_type in rules.content_types))


@register.filter
def file_type(content_type) -> str:
    """A private file's type in words ("PDF", "JPEG photo"); a type without a name shows as it is."""
    return TYPE_NAMES.get(str(content_type or ""), str(content_type or formatting.NOTHING))


@register.filter
def plan_name(code) -> str:
    """An order's plan by its title ("Shikhar Premium, 365 days"); an unknown code as it is."""
    plan = PLANS.get(str(code or ""))
    return plan.title if plan else str(code or formatting.NOTHING)


@register.filter
def provider_name(code) -> str:
    """A payment provider by its name ("eSewa", "Khalti")."""
    return next((name for provider, name in PROVIDER_NAMES.items() if provider == code), str(code or formatting.NOTHING))


@register.filter
def access_event(entry) -> str:
    """A document access log entry's event in words: "Opened: document" (RESO's names stay stored)."""
    return f"{EVENT_WORDS.get(entry.event_type, entry.event_type)}: " \
           f"{OBJECT_WORDS.get(entry.object_type, formatting.words(entry.object_type).lower())}"


@register.filter
def label(value) -> str:
    return formatting.words(value)


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


def _zoomable(preview, alt: str):
    """A gallery thumbnail: a button that opens the picture large in the lightbox (site.js), so the
    gallery works from the keyboard as well as by pointer."""
    image = _img(preview, alt, "thumb")
    if preview is None or preview.locked or not preview.large_url:
        return image
    return format_html('<button type="button" class="zoom" data-full="{}" data-caption="{}" aria-label="Enlarge {}">{}'
                       '</button>', preview.large_url, alt, alt, image)


@register.simple_tag(takes_context=True)
def media_thumb(context, media, listing):
    """A media item's thumbnail for the signed-in person (premium: admins and the listing's broker)."""
    preview = previews.media_preview(media, listing=listing, actor=getattr(context.get("request"), "actor", None))
    return _zoomable(preview, f"{media.kind.replace('_', ' ')} {media.filename or ''}".strip())


@register.simple_tag(takes_context=True)
def proposed_thumb(context, media, listing=None):
    """The thumbnail of a media item's version waiting for review (the moderation queue's)."""
    preview = previews.media_preview(media, listing=listing, actor=getattr(context.get("request"), "actor", None),
                                     proposed=True)
    return _zoomable(preview, f"{media.kind.replace('_', ' ')} {media.filename or ''} (for review)".strip())


@register.simple_tag
def media_states_in_flight() -> str:
    """The media states a page keeps following (``media.js`` reads them from the section it renders)."""
    return " ".join(sorted(IN_FLIGHT))


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
    return "on request" if amount is None or amount == "" else formatting.money_full(amount)


@register.filter
def price_change(item) -> str:
    """"−8%" / "+5%" against the previous price, or "" when the price did not change."""
    percent = history.percent_change(item.previous_price, item.price)
    if percent is None:
        return ""
    text = format(abs(percent), "g")
    return f"−{text}%" if percent < 0 else f"+{text}%"


@register.inclusion_tag("backoffice/form/_valley_svg.html")
def valley_map():
    """The listing form's offline map of the valley (``backoffice.maps``)."""
    return maps.valley_map()


@register.inclusion_tag("backoffice/_breadcrumbs.html", takes_context=True)
def breadcrumbs(context):
    """The page's trail from ``backoffice.places`` (nothing at the top level)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    actor = getattr(request, "actor", None)
    found = places.trail(match.url_name, actor, match.kwargs, context) if match and actor else None
    crumbs, here = found or ([], "")
    return {"crumbs": crumbs, "here": here, "shown": found is not None}
