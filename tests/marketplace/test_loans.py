"""Loan estimates: the reducing-balance instalment, and refusals where banks would not lend."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from marketplace.errors import ValidationError
from marketplace.loans import LIMITS, estimate, instalment


@dataclass
class House:
    price: int | None = 45_000_000
    price_on_request: bool = False
    purpose: str = "sale"
    road_width_ft: Decimal | None = Decimal(20)


def test_the_instalment_matches_the_textbook_example():
    # 10 lakh at 10% a year over 10 years: the EMI every Nepali and Indian bank's calculator gives, 13,215
    assert instalment(loan=1_000_000, rate_percent=Decimal(10), months=120).quantize(Decimal(1)) == 13_215
    assert instalment(loan=1_200_000, rate_percent=Decimal(0), months=120) == 10_000


def test_an_estimate_within_the_limits():
    result = estimate(House(), down_payment=22_500_000, years=20, rate_percent="9.5")
    assert result.loan == 22_500_000
    assert result.loan_to_value_percent == 50
    expected = instalment(loan=22_500_000, rate_percent=Decimal("9.5"), months=240)
    assert result.monthly_instalment == int(expected.quantize(Decimal(1)))
    assert result.total_interest == int((expected * 240 - 22_500_000).quantize(Decimal(1)))
    assert result.label.endswith("a month for 20 years")


@pytest.mark.parametrize(("house", "arguments", "field"), [
    (House(), {"down_payment": 20_000_000}, "down_payment"),  # 55.6% of the value: above the LTV cap
    (House(price=150_000_000), {"down_payment": 75_000_000}, "down_payment"),  # 50%, but above the amount cap
    (House(), {"down_payment": 45_000_000}, "down_payment"),  # nothing left to borrow
    (House(road_width_ft=Decimal(8)), {"down_payment": 30_000_000}, "road_width_ft"),
    (House(price=None, price_on_request=True), {"down_payment": 0}, "price"),
    (House(purpose="rent"), {"down_payment": 30_000_000}, "purpose"),
    (House(), {"down_payment": 30_000_000, "years": LIMITS.max_years + 1}, "years"),
    (House(), {"down_payment": 30_000_000, "rate_percent": "35"}, "rate"),
])
def test_what_banks_would_not_lend_is_refused_naming_the_field(house, arguments, field):
    with pytest.raises(ValidationError) as refused:
        estimate(house, **{"years": 20, "rate_percent": "9.5", **arguments})
    assert refused.value.field == field


def test_the_refusal_says_the_smallest_down_payment_that_would_do():
    with pytest.raises(ValidationError) as refused:
        estimate(House(), down_payment=1, years=20, rate_percent="9")
    assert "at least Rs 2.25 crore" in refused.value.message
    assert estimate(House(), down_payment=22_500_000, years=20, rate_percent="9").loan == 22_500_000
