"""Nepal Rastra Bank's reference rates: read from NRB's answer, stored by the daily fetch (offline: the
stored answer, with its own date), never going back to an older day; conversions rounded as a guide."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from marketplace.exchange_rates import CURRENCIES, SNAPSHOT, approximate, sheet_from_nrb, snapshot_sheet
from marketplace.selectors.exchange_rates import current_sheet
from marketplace.services.exchange_rates import rates_refresh, rates_store

ANSWER = json.loads(SNAPSHOT.read_text())
DAY = ANSWER["data"]["payload"][0]


def _nrb(code: str) -> dict:
    return next(r for r in DAY["rates"] if r["currency"]["iso3"] == code)


def test_the_offline_fetch_stores_the_snapshot_with_its_own_date(table):
    # when the scheduled function runs against the emulator (no internet)
    sheet = rates_refresh()
    # then the stored sheet is the stored answer's day, with every shown currency and only those
    stored = current_sheet()
    assert stored.rate_date.isoformat() == DAY["date"] == sheet.rate_date.isoformat()
    assert set(stored.rates) == set(CURRENCIES)
    assert "CHF" not in stored.rates
    usd = _nrb("USD")
    assert (stored.rates["USD"].buy, stored.rates["USD"].sell) == (Decimal(usd["buy"]), Decimal(usd["sell"]))


def test_an_older_sheet_never_replaces_a_newer_one(table):
    newer = snapshot_sheet()
    older = replace(newer, rate_date=newer.rate_date - timedelta(days=1), rates={})
    assert rates_store(sheet=newer) is True
    assert rates_store(sheet=older) is False
    assert current_sheet().rate_date == newer.rate_date
    assert rates_store(sheet=newer) is True  # the same day again (a repeated run) is fine


def test_conversion_uses_the_middle_rate_per_unit_and_three_figures():
    sheet = snapshot_sheet()
    usd, inr = _nrb("USD"), _nrb("INR")
    usd_rate = (Decimal(usd["buy"]) + Decimal(usd["sell"])) / 2
    inr_rate = (Decimal(inr["buy"]) + Decimal(inr["sell"])) / 2 / inr["currency"]["unit"]
    # 4.5 crore in dollars, then in Indian rupees (100 INR per NRB unit)
    dollars = approximate(45_000_000, currency="USD", sheet=sheet)
    rupees = approximate(45_000_000, currency="INR", sheet=sheet)
    assert abs(dollars.amount - 45_000_000 / usd_rate) <= Decimal("0.005") * dollars.amount
    assert len(str(dollars.amount).rstrip("0")) <= 3
    assert dollars.label == f"about US$ {dollars.amount:,}"
    assert abs(rupees.amount - 45_000_000 / inr_rate) <= Decimal("0.005") * rupees.amount
    assert rupees.label.startswith("about ₹ ") and rupees.label.count(",") == 3  # lakh grouping: 2,81,00,000
    assert dollars.rate_date == sheet.rate_date


def test_an_answer_without_shown_currencies_or_in_another_shape_is_refused():
    for answer in ({"data": {"payload": [{"date": "2026-11-30", "rates": []}]}}, {"data": {}}, {"status": 500}):
        try:
            sheet_from_nrb(answer)
        except ValueError as error:
            assert "NRB" in str(error)
        else:
            raise AssertionError(f"accepted {answer}")
