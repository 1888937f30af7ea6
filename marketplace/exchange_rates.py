"""Prices in other currencies, for display only: Nepal Rastra Bank's daily reference rates.

NRB publishes its buying and selling rates per unit of each currency (100 INR, 10 JPY, 1 USD) every day
through its forex API. This module holds what the platform needs of them and nothing that talks to AWS:
which currencies buyers may ask for, how one NRB answer is read into a ``RateSheet``, and how an NPR price
becomes an approximate amount in another currency. Conversions are a guide, never stored on a listing
and never used to filter or sort: every price stays in whole NPR.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from marketplace.money import group_npr

SOURCE = "Nepal Rastra Bank"
NRB = "NRB"  # the source's key in the table
NRB_RATES_URL = "https://www.nrb.org.np/api/forex/v1/rates"
# Offline (the emulator, tests, make run) the sheet comes from this stored answer of the same API.
SNAPSHOT = Path(__file__).resolve().parent / "data" / "nrb_forex_snapshot.json"

# The currencies buyers may see prices in (diaspora buyers: US, UK, euro area, Australia, India, the Gulf),
# each with how its amounts are written.
CURRENCIES: dict[str, str] = {"USD": "US$", "GBP": "£", "EUR": "€", "AUD": "A$", "INR": "₹", "AED": "AED",
                              "QAR": "QAR"}
# A guide is rounded to three significant figures: "about US$ 317,000", never "US$ 317,124.56".
SIGNIFICANT_FIGURES = 3
# NRB publishes daily; a fetched sheet older than this (a week covers its holidays) is logged as an error.
MAX_AGE = timedelta(days=7)
GUIDE = "a guide"


@dataclass(frozen=True)
class Rate:
    """NRB's rates for one currency: NPR per ``unit`` units."""

    unit: int
    buy: Decimal
    sell: Decimal

    @property
    def npr_per_one(self) -> Decimal:
        """The middle of NRB's buying and selling rates, per one unit of the currency."""
        return (self.buy + self.sell) / 2 / self.unit


@dataclass(frozen=True)
class RateSheet:
    """One day's reference rates (only the currencies in ``CURRENCIES``)."""

    rate_date: date
    published_on: str
    rates: dict[str, Rate]

    def stale_on(self, today: date) -> bool:
        return today - self.rate_date > MAX_AGE


@dataclass(frozen=True)
class Approximation:
    currency: str
    amount: int
    label: str
    rate: Decimal  # NPR per one unit
    rate_date: date


def sheet_from_nrb(answer: dict) -> RateSheet:
    """The latest day of one answer of NRB's ``/api/forex/v1/rates`` (its ``data.payload`` days)."""
    try:
        days = answer["data"]["payload"]
        latest = max(days, key=lambda day: day["date"])
        rates = {}
        for entry in latest["rates"]:
            code = entry["currency"]["iso3"].upper()
            if code in CURRENCIES:
                rates[code] = Rate(unit=int(entry["currency"]["unit"]), buy=Decimal(str(entry["buy"])),
                                   sell=Decimal(str(entry["sell"])))
        sheet = RateSheet(rate_date=date.fromisoformat(latest["date"]), published_on=str(latest.get("published_on", "")),
                          rates=rates)
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise ValueError(f"not an NRB forex answer: {error!r}") from error
    if not rates:
        raise ValueError("the NRB answer holds none of the shown currencies")
    return sheet


def snapshot_sheet() -> RateSheet:
    return sheet_from_nrb(json.loads(SNAPSHOT.read_text()))


def _rounded(value: Decimal) -> int:
    if value <= 0:
        return 0
    step = Decimal(10) ** max(0, value.adjusted() + 1 - SIGNIFICANT_FIGURES)
    return int((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def written(currency: str, amount: int) -> str:
    """"about US$ 317,000"; Indian rupees in lakh grouping ("about ₹ 2,81,00,000")."""
    digits = group_npr(amount) if currency == "INR" else f"{amount:,}"
    return f"about {CURRENCIES[currency]} {digits}"


def approximate(amount_npr: int, *, currency: str, sheet: RateSheet) -> Approximation | None:
    """``amount_npr`` in ``currency`` at the sheet's middle rate, rounded; None if the sheet lacks it."""
    rate = sheet.rates.get(currency)
    if rate is None:
        return None
    amount = _rounded(Decimal(amount_npr) / rate.npr_per_one)
    return Approximation(currency=currency, amount=amount, label=written(currency, amount),
                         rate=rate.npr_per_one.quantize(Decimal("0.0001")), rate_date=sheet.rate_date)


@dataclass(frozen=True)
class Conversion:
    """What a caller asked to see prices in, with the sheet to convert by."""

    currency: str
    sheet: RateSheet

    def of(self, amount_npr: int | None) -> Approximation | None:
        return None if amount_npr is None else approximate(amount_npr, currency=self.currency, sheet=self.sheet)
