"""The platform's clock: coming-soon listings go public when their date comes, agencies whose licence
ends within 30 days are warned, the day's views are rolled up into the reports' daily figures (today's,
and yesterday's last minutes), and viewing requests nobody confirmed within 24 hours expire.

In AWS an EventBridge schedule invokes ``handler`` every few minutes; locally a worker calls ``tick``.
Reads already treat a coming-soon listing past its public date as public, so this only makes the
status catch up (and tells everyone through ListingStatusChanged). Each listing is published at the
version the sweep read (``listing_publish_due``): one changed since that read is left for the next tick;
one whose agency's licence is no longer valid on its date is withdrawn with the reason instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.actors import SYSTEM
from marketplace.observability import logger
from marketplace.services.agencies import agency_expiry_warnings
from marketplace.services.daily_reports import roll_up_views
from marketplace.services.listings import listing_publish_due
from marketplace.services.viewings import viewings_expire


def tick() -> list[str]:
    published = listing_publish_due(actor=SYSTEM)
    if published:
        logger.info("coming-soon listings published", extra={"listing_ids": published})
    # Licences ending within 30 days: each agency is told once per expiry date (reads only that window).
    warned = agency_expiry_warnings(actor=SYSTEM)
    if warned:
        logger.info("agencies warned of their licence's expiry", extra={"agency_ids": warned})
    today = datetime.now(UTC).date()
    roll_up_views(days=((today - timedelta(days=1)).isoformat(), today.isoformat()))
    expired = viewings_expire()
    if expired:
        logger.info("unconfirmed viewing requests expired", extra={"viewing_ids": expired})
    return published


def handler(event: dict, context=None) -> dict:
    return {"published": tick()}
