"""Sellers: a read-only view of their own listings, with status, reasons, views, favorites and inquiries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.shortcuts import render

from backoffice.access import sellers_only
from marketplace.models import ViewsOwner
from marketplace.selectors import reports
from marketplace.selectors.listings import listings_for_seller
from marketplace.selectors.people import broker_cards


@sellers_only
def home(request):
    today = datetime.now(UTC).date()
    mine = listings_for_seller(seller_id=request.actor.user_id)
    seen = reports.owner_views(owner=ViewsOwner.SELLER, owner_id=request.actor.user_id,
                               since=today - timedelta(days=29), until=today)
    stats = reports.stats_for(listing_ids=[i.listing_id for i in mine])
    rows = [{"listing": i, "views": seen.per_listing[i.listing_id], "favorites": int(stats[i.listing_id].favorites),
             "inquiries": int(stats[i.listing_id].inquiries)} for i in mine]
    return render(request, "backoffice/seller/home.html", {
        "rows": rows, "brokers": broker_cards(broker_ids=(i.broker_id for i in mine))})
