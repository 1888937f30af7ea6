"""``/v1/payments``: where eSewa and Khalti send the buyer's browser back. Nothing in the request is
trusted: eSewa's answer must carry its signature, and either way the provider is asked before anything
is granted (``marketplace.services.payments``). The answer is the order (its state says what happened)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from marketplace.ids import ID_PATTERN
from marketplace.payments.esewa import MAX_DATA
from marketplace.services.payments import payment_check, payment_confirm_esewa, payment_confirm_khalti
from public_api.routers import documented
from public_api.schemas.payments import OrderOut

router = Router()
ORDER_ID = f"^{ID_PATTERN}$"
_ERRORS = (400, 404, 422, 503)


@router.get("/esewa/return", summary="eSewa's success redirect", tags=["payments"],
            responses=documented(errors=_ERRORS))
def esewa_return(data: Annotated[str, Query(min_length=1, max_length=MAX_DATA)]) -> OrderOut:
    return OrderOut.of(payment_confirm_esewa(data=data))


@router.get("/esewa/failure", summary="eSewa's failure redirect", tags=["payments"],
            responses=documented(errors=_ERRORS))
def esewa_failure(order_id: Annotated[str, Query(pattern=ORDER_ID)]) -> OrderOut:
    return OrderOut.of(payment_check(order_id=order_id))


@router.get("/khalti/return", summary="Khalti's return URL", tags=["payments"],
            responses=documented(errors=_ERRORS))
def khalti_return(pidx: Annotated[str, Query(min_length=1, max_length=64)],
                  purchase_order_id: Annotated[str, Query(pattern=ORDER_ID)]) -> OrderOut:
    return OrderOut.of(payment_confirm_khalti(pidx=pidx, purchase_order_id=purchase_order_id))
