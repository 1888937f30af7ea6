"""What every page's navigation needs."""

from __future__ import annotations

from django.urls import reverse


def navigation(request) -> dict:
    actor = getattr(request, "actor", None)
    links = []
    if actor is not None:
        if actor.is_admin:
            links += [("Dashboard", reverse("admin-dashboard")), ("Moderation", reverse("moderation-queue")),
                      ("Listings", reverse("admin-listings")), ("People", reverse("people")),
                      ("Brokers", reverse("brokers")), ("Reports", reverse("reports"))]
        if actor.is_broker:
            links += [("My inventory", reverse("inventory")), ("Leads", reverse("leads")),
                      ("Analytics", reverse("broker-analytics"))]
        if actor.is_seller:
            links += [("My properties", reverse("seller-home"))]
    return {"actor": actor, "nav_links": links}
