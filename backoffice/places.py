"""Where each back-office page sits: the one registry the header's navigation and every page's breadcrumbs
are drawn from. Top-level pages are the nav's sections (by URL name and role); every page below one names
the page above it (``Place.parent``) and how it is called in the trail (``Place.label``), so a trail is the
chain of parents up to a section, and that section is the nav item marked current."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

# The nav's sections, in order, by role: (label, URL name).
SECTIONS = {
    "admin": [("Dashboard", "admin-dashboard"), ("Moderation", "moderation-queue"), ("Listings", "admin-listings"),
              ("People", "people"), ("Orders", "orders"), ("Brokers", "brokers"), ("Agencies", "agencies"),
              ("Reports", "reports"), ("E-mail", "email-suppressions")],
    "broker": [("My inventory", "inventory"), ("Leads", "leads"), ("Analytics", "broker-analytics"),
               ("Document requests", "document-requests"), ("My agency", "my-agency")],
    "seller": [("My properties", "seller-home")],
}
SECTION_LABELS = {name: label for sections in SECTIONS.values() for label, name in sections}


def _listing_title(context) -> str | None:
    listing = context.get("listing")
    return getattr(listing, "title", None)


def _person_name(context) -> str | None:
    profile = context.get("profile")
    return (profile.name or profile.email) if profile is not None else None


def _agency_name(context) -> str | None:
    return getattr(context.get("agency"), "name", None)


def _listing_page_of(actor) -> str:
    """A listing's own page for this person: the admin's, the broker's, or the seller's list."""
    if actor.is_admin:
        return "admin-listing"
    return "broker-listing" if actor.is_broker else "seller-home"


def _agency_page_of(actor) -> str:
    """An agency's page for this person: the admin's, or the principal broker's own agency page."""
    return "agency" if actor.is_admin else "my-agency"


@dataclass(frozen=True)
class Place:
    """A page below a section: the URL name of the page above it (or a function of the person, for pages
    several roles reach), and its name in the trail (text, or read from the page's context; ``fallback``
    when the context lacks it, as on a page further down)."""

    parent: str | Callable
    label: str | Callable
    fallback: str = ""


PLACES: dict[str, Place] = {
    "moderation-review": Place("moderation-queue", _listing_title, "Listing"),
    "admin-listing": Place("admin-listings", _listing_title, "Listing"),
    "person": Place("people", _person_name, "Person"),
    "person-saved-searches": Place("person", "Saved searches"),
    "agency": Place("agencies", _agency_name, "Agency"),
    "broker-listing": Place("inventory", _listing_title, "Listing"),
    "broker-listing-new": Place("inventory", "New listing"),
    "viewings": Place("leads", "Viewing requests"),
    "listing-documents": Place(_listing_page_of, "Documents"),
    "document-slot": Place("listing-documents", "Add a document"),
    "agency-evidence-slot": Place(_agency_page_of, "Add the licence evidence"),
}


def _parent(place: Place, actor) -> str:
    return place.parent(actor) if callable(place.parent) else place.parent


def _label(name: str, context) -> str:
    place = PLACES.get(name)
    if place is None:
        return SECTION_LABELS.get(name, "")
    found = place.label(context) if callable(place.label) else place.label
    return found or place.fallback


def _url(name: str, kwargs: dict) -> str | None:
    """The page's address with the arguments of the page being shown it takes (a listing's id...)."""
    for arguments in (kwargs, {k: v for k, v in kwargs.items() if k == "listing_id"}, {}):
        try:
            return reverse(name, kwargs=arguments)
        except NoReverseMatch:
            continue
    return None


def section_of(url_name: str | None, actor) -> str | None:
    """The nav section a page belongs to: itself at the top, else the section its parents lead to."""
    seen = set()
    while url_name in PLACES and url_name not in seen:
        seen.add(url_name)
        url_name = _parent(PLACES[url_name], actor)
    return url_name if url_name in SECTION_LABELS else None


def trail(url_name: str | None, actor, kwargs: dict, context) -> tuple[list[tuple[str, str]], str] | None:
    """The breadcrumbs of a page below a section: the pages above it, each (label, URL), from the
    section down, and the page's own label. None at the top level or on a page the registry does not place."""
    if url_name not in PLACES:
        return None
    above, name = [], url_name
    while name in PLACES and len(above) < len(PLACES):
        name = _parent(PLACES[name], actor)
        url = _url(name, kwargs)
        if url is not None:
            above.append((_label(name, context), url))
    return list(reversed(above)), _label(url_name, context)
