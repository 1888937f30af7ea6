"""``/v1/listings/{listing_id}/inquiries``: a signed-in buyer writes to the listing's broker."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from marketplace.services.engagement import IDEMPOTENCY_KEY, inquiry_create
from public_api.auth import signed_in_caller
from public_api.errors import SwitchedOff
from public_api.flags import INQUIRIES_OPEN, enabled
from public_api.observability import count
from public_api.routers import LISTING_ID, SIGNED_IN, documented
from public_api.schemas.inquiries import InquiryIn, InquiryOut

router = Router()
PAUSED_RETRY_SECONDS = 300


@router.post("/<listing_id>/inquiries", security=SIGNED_IN, summary="Send an inquiry to the listing's broker", tags=["inquiries"],
             description="With an `Idempotency-Key`, a retry of the same request returns the first inquiry "
                         "(200, `created: false`) and the same key with a different body is refused (422 "
                         "`idempotency_key_reused`), as the IETF Idempotency-Key draft says. Without the header the "
                         "inquiry is sent; a retry without it sends it again.",
             responses={**documented(201, "Sent", errors=(400, 401, 404, 413, 415, 422)),
                        200: {"description": "Already sent with this idempotency key: nothing new was sent"}})
def send(listing_id: Annotated[str, Path(pattern=LISTING_ID)],
         inquiry: Annotated[InquiryIn, Body()],
         idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=f"^{IDEMPOTENCY_KEY}$",
                                                       description=f"{IDEMPOTENCY_KEY}, new per message; "
                                                                   "optional")] = None,
         ) -> Response[InquiryOut]:
    if not enabled(INQUIRIES_OPEN, default=True, context={"listing_id": listing_id}):
        raise SwitchedOff("inquiries_paused", "inquiries are paused for a while: please try again later",
                          retry_after_seconds=PAUSED_RETRY_SECONDS)
    caller = signed_in_caller(router.current_event)
    created_inquiry, created = inquiry_create(
        actor=caller.actor, listing_id=listing_id, entitlements=caller.entitlements,
        idempotency_key=idempotency_key, **inquiry.model_dump())
    if created:
        count("InquiryReceived")
    body = InquiryOut(inquiry_id=created_inquiry.inquiry_id, listing_id=listing_id, status=created_inquiry.status,
                      created_at=created_inquiry.created_at, created=created)
    return Response(status_code=201 if created else 200, content_type="application/json", body=body)
