"""The stored reference rates (one GetItem)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marketplace.exchange_rates import NRB, Rate, RateSheet
from marketplace.models import ExchangeRates


def current_sheet(*, source: str = NRB) -> RateSheet | None:
    item = ExchangeRates.get_or_none(source)
    if item is None:
        return None
    rates = item.rates.as_dict() if hasattr(item.rates, "as_dict") else dict(item.rates)
    return RateSheet(rate_date=date.fromisoformat(item.rate_date), published_on=item.published_on,
                     rates={code: Rate(unit=int(r["unit"]), buy=Decimal(str(r["buy"])), sell=Decimal(str(r["sell"])))
                            for code, r in rates.items()})
