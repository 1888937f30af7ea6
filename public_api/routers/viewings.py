"""``/v1/listings/{listing_id}/viewings``: a signed-in buyer asks to view a listing; ``/v1/me/viewings``
(``public_api.routers.my_viewings``) lists and cancels their requests."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from marketplace.services.engagement import IDEMPOTENCY_KEY
from marketplace.services.viewings import MAX_OPEN, MAX_OPEN_PER_LISTING, viewing_request_once
from public_api.auth import signed_in_caller
from public_api.observability import count
from public_api.routers import LISTING_ID, SIGNED_IN, documented
from public_api.schemas.viewings import ViewingIn, ViewingOut

router = Router()


@router.post("/<listing_id>/viewings", security=SIGNED_IN, tags=["viewings"],
             summary="Ask to view a listing at one of up to three times",
             description="The broker confirms one time in the back office (both then receive an invitation) or "
                         "declines with a reason; unanswered within 24 hours, the request expires. A buyer keeps "
                         f"{MAX_OPEN_PER_LISTING} open request per listing and {MAX_OPEN} in all. With an "
                         "`Idempotency-Key`, a retry of the same request returns the first one (200, `created: "
                         "false`); the same key with a different body is refused (422 `idempotency_key_reused`).",
             responses={**documented(201, "Requested", errors=(400, 401, 404, 413, 415, 422)),
                        200: {"description": "Already requested with this idempotency key: nothing new was made"}})
def request_viewing(listing_id: Annotated[str, Path(pattern=LISTING_ID)],
                    viewing: Annotated[ViewingIn, Body()],
                    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=f"^{IDEMPOTENCY_KEY}$",
                                                                  description=f"{IDEMPOTENCY_KEY}, new per request; "
                                                                              "optional")] = None,
                    ) -> Response[ViewingOut]:
    caller = signed_in_caller(router.current_event)
    made, created = viewing_request_once(
        actor=caller.actor, listing_id=listing_id, entitlements=caller.entitlements, slots=viewing.slots,
        name=viewing.name, email=viewing.email, phone=viewing.phone, message=viewing.message,
        idempotency_key=idempotency_key)
    if created:
        count("ViewingRequested")
    return Response(status_code=201 if created else 200, content_type="application/json",
                    body=ViewingOut.of(made, created=created))
