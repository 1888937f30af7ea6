"""The daily fetch of Nepal Rastra Bank's reference rates into the table (a scheduled function).

In AWS the function asks NRB's forex API for the last week's sheets and stores the latest; against the
emulator (``make run``, tests) there is no internet, so it stores the sheet of the stored answer
(``marketplace/data/nrb_forex_snapshot.json``) with that answer's own date. The stored item never goes
back to an older day: a late or repeated run changes nothing.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta

from pynamodb.exceptions import PutError

from marketplace.config import settings
from marketplace.exchange_rates import NRB, NRB_RATES_URL, RateSheet, sheet_from_nrb, snapshot_sheet
from marketplace.formatting import KATHMANDU
from marketplace.models import ExchangeRates
from marketplace.observability import logger


def fetch_nrb(*, today: date) -> RateSheet:
    """The latest sheet NRB published in the week up to ``today`` (AWS: the function has internet egress)."""
    query = urllib.parse.urlencode({"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat(),
                                    "per_page": 100, "page": 1})
    request = urllib.request.Request(f"{NRB_RATES_URL}?{query}", headers={"Accept": "application/json"})
    budget = settings().call_budget
    with urllib.request.urlopen(request, timeout=budget.connect_seconds + budget.read_seconds) as answer:
        return sheet_from_nrb(json.loads(answer.read()))


def rates_store(*, sheet: RateSheet, source: str = NRB) -> bool:
    """Store ``sheet`` as the current one unless a newer day is already stored; True if stored."""
    item = ExchangeRates(source=source, rate_date=sheet.rate_date.isoformat(), published_on=sheet.published_on,
                         rates={code: {"unit": rate.unit, "buy": str(rate.buy), "sell": str(rate.sell)}
                                for code, rate in sheet.rates.items()})
    item.derive_keys()
    try:
        item.save(condition=ExchangeRates.pk.does_not_exist() | (ExchangeRates.rate_date <= item.rate_date))
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def rates_refresh(*, today: date | None = None) -> RateSheet:
    """Fetch today's sheet (Kathmandu's date) from NRB, or read the stored answer offline, and store it."""
    today = today or datetime.now(KATHMANDU).date()
    sheet = snapshot_sheet() if settings().is_emulated else fetch_nrb(today=today)
    if sheet.stale_on(today) and not settings().is_emulated:
        logger.error("NRB's latest reference rates are over a week old; buyers see their date",
                     extra={"rate_date": sheet.rate_date.isoformat()})
    stored = rates_store(sheet=sheet)
    logger.info("exchange rates", extra={"rate_date": sheet.rate_date.isoformat(), "stored": stored,
                                         "currencies": sorted(sheet.rates)})
    return sheet


def handler(event: dict, context=None) -> dict:
    """The daily schedule's entry point."""
    sheet = rates_refresh()
    return {"rate_date": sheet.rate_date.isoformat(), "currencies": sorted(sheet.rates),
            "fetched_at": datetime.now(UTC).isoformat()}
