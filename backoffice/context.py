"""What every page's navigation needs: the links of the person's roles, the one the page belongs to,
and whether a broker's licence is still unverified (the banner)."""

from __future__ import annotations

from django.urls import reverse

from backoffice.places import SECTIONS, section_of
from marketplace.selectors.people import broker_cards


def nav_sections(actor) -> list[tuple[str, str]]:
    """(label, URL name) of the sections this person's roles open (``backoffice.places.SECTIONS``)."""
    roles = (("admin", actor.is_admin), ("broker", actor.is_broker), ("seller", actor.is_seller))
    return [section for role, has in roles if has for section in SECTIONS[role]]


def current_link(path: str, links: list[tuple[str, str]]) -> str | None:
    """For a page the registry does not place: the longest link its path starts with."""
    matches = [url for _, url in links if path.startswith(url)]
    return max(matches, key=len) if matches else None


def navigation(request) -> dict:
    actor = getattr(request, "actor", None)
    if actor is None:
        return {"actor": None, "nav_links": [], "unverified_broker": False}
    sections = nav_sections(actor)
    links = [(label, reverse(name)) for label, name in sections]
    # The section the page sits in (backoffice.places): a review page is Moderation's, viewings Leads'.
    match = getattr(request, "resolver_match", None)
    section = section_of(getattr(match, "url_name", None), actor)
    current = reverse(section) if section else current_link(request.path, links)
    # One read (a BatchGetItem of one key, broker_cards) on a broker's pages: the profile's verified flag, read fresh so a verification shows at once.
    unverified = actor.is_broker and not broker_cards(broker_ids=[actor.user_id])[actor.user_id].verified
    return {"actor": actor, "nav_links": [(label, url, url == current) for label, url in links],
            "unverified_broker": unverified}
