"""``/v1/me/orders``: a signed-in buyer orders a paid plan and follows the order."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from marketplace.ids import ID_PATTERN
from marketplace.selectors.buyers import MAX_ORDERS, orders_of_buyer
from marketplace.services.payments import payment_checkout, payment_order_get
from public_api.auth import signed_in_caller
from public_api.routers import SIGNED_IN, documented
from public_api.schemas.payments import CheckoutOut, OrderIn, OrderList, OrderOut, Redirect

router = Router()


@router.post("", security=SIGNED_IN, summary="Order a paid plan through eSewa or Khalti", tags=["payments"],
             description="The order is stored, then the answer says where the buyer's browser goes: eSewa's form "
                         "(POST the fields to the URL) or Khalti's payment page (open the URL). The provider sends "
                         "the browser back to `/v1/payments/...`, which confirms the payment with the provider; "
                         "the plan is active once the order is `completed`.",
             responses=documented(201, "Ordered", errors=(400, 401, 413, 415, 422, 503)))
def order(wanted: Annotated[OrderIn, Body()]) -> Response[CheckoutOut]:
    caller = signed_in_caller(router.current_event)
    checkout = payment_checkout(actor=caller.actor, plan=wanted.plan, provider=wanted.provider)
    body = CheckoutOut(order=OrderOut.of(checkout.order),
                       redirect=Redirect(method=checkout.method, url=checkout.url, fields=checkout.fields))
    return Response(status_code=201, content_type="application/json", body=body)


@router.get("", security=SIGNED_IN, summary="My latest orders, newest first", tags=["payments"],
            responses=documented(errors=(401, 422)))
def mine(limit: Annotated[int, Query(ge=1, le=MAX_ORDERS)] = 20) -> OrderList:
    caller = signed_in_caller(router.current_event)
    return OrderList(items=[OrderOut.of(o) for o in orders_of_buyer(user_id=caller.actor.user_id, limit=limit)])


@router.get("/<order_id>", security=SIGNED_IN, summary="One of my orders", tags=["payments"],
            responses=documented(errors=(401, 404)))
def one(order_id: Annotated[str, Path(pattern=f"^{ID_PATTERN}$")]) -> OrderOut:
    caller = signed_in_caller(router.current_event)
    return OrderOut.of(payment_order_get(actor=caller.actor, order_id=order_id))
