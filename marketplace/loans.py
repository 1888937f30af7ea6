"""Home-loan estimates on a listing: the monthly instalment (EMI) by the reducing-balance formula, within
the lending limits Nepali banks work to.

The limits are configuration (``LIMITS``), each with its source and the date it was taken from it:
Nepal Rastra Bank's cap on loan-to-value and on the amount of a personal residential home loan, the
longest term banks offer, and the narrowest access road banks commonly accept as collateral (a bank
practice, not an NRB rule). An estimate is a guide: banks decide. Pure: no AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from marketplace.errors import ValidationError
from marketplace.money import npr_words


@dataclass(frozen=True)
class LendingLimits:
    max_loan_to_value_percent: int
    max_loan_npr: int
    max_years: int
    max_rate_percent: Decimal
    min_road_width_ft: Decimal
    source: str
    as_of: str  # the date the figures were taken from the source

    @property
    def max_ltv(self) -> Decimal:
        return Decimal(self.max_loan_to_value_percent) / 100


LIMITS = LendingLimits(
    max_loan_to_value_percent=50,
    max_loan_npr=30_000_000,
    max_years=30,
    max_rate_percent=Decimal(20),
    min_road_width_ft=Decimal(13),
    source=("Nepal Rastra Bank, Unified Directives to licensed banks and financial institutions (Directive 2, "
            "credit: real-estate and residential home loans) and Monetary Policy; road width: banks' collateral "
            "valuation practice (4 m / 13 ft access), not an NRB rule"),
    as_of="2025-07-31",
)


@dataclass(frozen=True)
class Estimate:
    price: int
    down_payment: int
    loan: int
    years: int
    rate_percent: Decimal
    monthly_instalment: int
    total_interest: int
    limits: LendingLimits

    @property
    def months(self) -> int:
        return self.years * 12

    @property
    def loan_to_value_percent(self) -> Decimal:
        return (Decimal(self.loan) * 100 / self.price).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def label(self) -> str:
        return f"{npr_words(self.monthly_instalment)} a month for {self.years} years"


def instalment(*, loan: int, rate_percent: Decimal, months: int) -> Decimal:
    """The reducing-balance EMI: L·r·(1+r)^n / ((1+r)^n − 1), r the monthly rate (L/n without interest)."""
    if months <= 0:
        raise ValueError("a loan runs at least one month")
    monthly = Decimal(rate_percent) / 1200
    if monthly == 0:
        return Decimal(loan) / months
    growth = (1 + monthly) ** months
    return Decimal(loan) * monthly * growth / (growth - 1)


def _lendable(listing, *, limits: LendingLimits) -> int:
    """The listing's price if banks would lend on it at all; why not, naming the field, otherwise."""
    if listing.purpose != "sale":
        raise ValidationError("this property is for rent: there is no purchase to finance", field="purpose")
    if listing.price_on_request or listing.price is None:
        raise ValidationError("the price is on request: ask the broker for it first", field="price")
    road = listing.road_width_ft
    if road is not None and Decimal(str(road)) < limits.min_road_width_ft:
        raise ValidationError(f"its access road is {Decimal(str(road)).normalize()} ft wide; banks lend on property "
                              f"with a road of at least {limits.min_road_width_ft} ft", field="road_width_ft")
    return int(listing.price)


def estimate(listing, *, down_payment: int, years: int, rate_percent: Decimal | float | str,
             limits: LendingLimits = LIMITS) -> Estimate:
    """The monthly instalment of a home loan on ``listing`` after ``down_payment`` (whole NPR), or a
    ``ValidationError`` naming the field when banks would not lend so."""
    price = _lendable(listing, limits=limits)
    rate = Decimal(str(rate_percent))
    if not Decimal(0) <= rate <= limits.max_rate_percent:
        raise ValidationError(f"must be a yearly rate between 0 and {limits.max_rate_percent}%", field="rate")
    if not 1 <= years <= limits.max_years:
        raise ValidationError(f"banks lend for 1 to {limits.max_years} years", field="years")
    if not 0 <= down_payment < price:
        raise ValidationError(f"must be at least 0 and less than the price ({npr_words(price)})",
                              field="down_payment")
    loan = price - down_payment
    needed = max(price - int(Decimal(price) * limits.max_ltv), price - limits.max_loan_npr)
    if loan > price * limits.max_ltv or loan > limits.max_loan_npr:
        raise ValidationError(
            f"must be at least {npr_words(needed)}: banks lend at most {limits.max_loan_to_value_percent}% of the "
            f"value and at most {npr_words(limits.max_loan_npr)} on a home", field="down_payment")
    monthly = instalment(loan=loan, rate_percent=rate, months=years * 12)
    emi = int(monthly.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    total_interest = int((monthly * years * 12 - loan).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Estimate(price=price, down_payment=down_payment, loan=loan, years=years, rate_percent=rate,
                    monthly_instalment=emi, total_interest=total_interest, limits=limits)
