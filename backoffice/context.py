"""What every page's navigation needs: the links of the person's roles, the one the page belongs to,
and whether a broker's licence is still unverified (the banner)."""

from __future__ import annotations

from django.urls import reverse

from marketplace.selectors.people import broker_cards


def nav_links(actor) -> list[tuple[str, str]]:
    links = []
    if actor.is_admin:
        links += [("Dashboard", reverse("admin-dashboard")), ("Moderation", reverse("moderation-queue")),
                  ("Listings", reverse("admin-listings")), ("People", reverse("people")),
                  ("Orders", reverse("orders")), ("Brokers", reverse("brokers")), ("Agencies", reverse("agencies")),
                  ("Reports", reverse("reports")), ("E-mail", reverse("email-suppressions"))]
    if actor.is_broker:
        links += [("My inventory", reverse("inventory")), ("Leads", reverse("leads")),
                  ("Analytics", reverse("broker-analytics")), ("Document requests", reverse("document-requests")),
                  ("My agency", reverse("my-agency"))]
    if actor.is_seller:
        links += [("My properties", reverse("seller-home"))]
    return links


def current_link(path: str, links: list[tuple[str, str]]) -> str | None:
    """The link a page belongs to: the longest one its path starts with (a listing's review page is
    Moderation's, a broker's listing page My inventory's)."""
    matches = [url for _, url in links if path.startswith(url)]
    return max(matches, key=len) if matches else None


def navigation(request) -> dict:
    actor = getattr(request, "actor", None)
    if actor is None:
        return {"actor": None, "nav_links": [], "unverified_broker": False}
    links = nav_links(actor)
    current = current_link(request.path, links)
    # One read (a BatchGetItem of one key, broker_cards) on a broker's pages: the profile's verified flag, read fresh so a verification shows at once.
    unverified = actor.is_broker and not broker_cards(broker_ids=[actor.user_id])[actor.user_id].verified
    return {"actor": actor, "nav_links": [(label, url, url == current) for label, url in links],
            "unverified_broker": unverified}
