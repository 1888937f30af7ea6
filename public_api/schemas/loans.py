"""A home-loan estimate on a listing."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LendingLimitsOut(BaseModel):
    max_loan_to_value_percent: int = Field(description="Banks lend at most this share of the property's value")
    max_loan: int = Field(description="Whole NPR: the most banks lend on a home")
    max_years: int
    min_road_width_ft: float = Field(description="Banks refuse collateral with a narrower access road")
    source: str
    as_of: str = Field(description="When the figures were taken from the source", examples=["2025-07-31"])


class LoanEstimate(BaseModel):
    listing_id: str
    price: int = Field(description="Whole NPR")
    down_payment: int
    loan_amount: int
    loan_to_value_percent: float
    years: int
    months: int
    rate_percent: float = Field(description="Yearly interest rate the estimate uses")
    monthly_instalment: int = Field(description="Whole NPR a month, reducing-balance (EMI)")
    monthly_instalment_label: str = Field(examples=["Rs 2.18 lakh a month for 20 years"])
    total_interest: int
    total_paid: int
    limits: LendingLimitsOut
    note: str = Field(examples=["An estimate, a guide only: the bank decides the loan, its rate and its fees"])
