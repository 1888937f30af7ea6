"""The platform's clock: coming-soon listings go public when their date comes.

In AWS an EventBridge schedule invokes ``handler`` every few minutes; locally a worker calls ``tick``.
Reads already treat a coming-soon listing past its public date as public, so this only makes the
status catch up (and tells everyone through ListingStatusChanged).
"""

from __future__ import annotations

from marketplace.actors import SYSTEM
from marketplace.observability import logger
from marketplace.services.listings import listing_publish_due


def tick() -> list[str]:
    published = listing_publish_due(actor=SYSTEM)
    if published:
        logger.info("coming-soon listings published", extra={"listing_ids": published})
    return published


def handler(event: dict, context=None) -> dict:
    return {"published": tick()}
