"""``/v1/listings/{listing_id}/loan-estimate``: what a home loan on a listing would cost a month."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from marketplace.entitlements import can_see
from marketplace.errors import NotFound
from marketplace.loans import LIMITS, estimate
from marketplace.selectors.listings import listing_get
from public_api.auth import optional_caller
from public_api.routers import LISTING_ID, OPTIONAL_SIGN_IN, Npr, documented, money_query, npr_param
from public_api.schemas.loans import LendingLimitsOut, LoanEstimate

router = Router()
NOTE = "An estimate, a guide only: the bank decides the loan, its rate and its fees"


@router.get("/<listing_id>/loan-estimate", security=OPTIONAL_SIGN_IN, tags=["listings"],
            summary="The monthly instalment of a home loan on this listing",
            description="Reducing-balance EMI. Refused (400, naming the field) where banks would not lend: a down "
                        "payment below what the central bank's loan-to-value and amount limits leave, a rental, a price "
                        "on request, or an access road narrower than banks accept.",
            responses=documented(errors=(400, 401, 404, 422)))
def loan_estimate(
    listing_id: Annotated[str, Path(pattern=LISTING_ID)],
    down_payment: Annotated[Npr, money_query("NPR paid up front")],
    years: Annotated[int, Query(ge=1, le=LIMITS.max_years)],
    rate: Annotated[float, Query(ge=0, le=float(LIMITS.max_rate_percent), description="Yearly interest, percent")],
) -> LoanEstimate:
    caller = optional_caller(router.current_event)
    try:
        listing = listing_get(listing_id=listing_id)
    except NotFound:
        raise NotFound("no such listing", field="listing_id") from None
    if not can_see(listing, caller.entitlements):
        raise NotFound("no such listing", field="listing_id")
    paid = npr_param(down_payment, field="down_payment")
    result = estimate(listing, down_payment=paid, years=years, rate_percent=str(rate))
    return LoanEstimate(
        listing_id=listing_id, price=result.price, down_payment=result.down_payment, loan_amount=result.loan,
        loan_to_value_percent=float(result.loan_to_value_percent), years=result.years, months=result.months,
        rate_percent=float(result.rate_percent), monthly_instalment=result.monthly_instalment,
        monthly_instalment_label=result.label, total_interest=result.total_interest,
        total_paid=result.loan + result.total_interest,
        limits=LendingLimitsOut(max_loan_to_value_percent=LIMITS.max_loan_to_value_percent, max_loan=LIMITS.max_loan_npr,
                                max_years=LIMITS.max_years, min_road_width_ft=float(LIMITS.min_road_width_ft),
                                source=LIMITS.source, as_of=LIMITS.as_of),
        note=NOTE)
