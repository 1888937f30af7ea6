"""``/v1/listings/{listing_id}/viewings``: a signed-in buyer asks to view a listing."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from marketplace.services.viewings import viewing_request
from public_api.auth import signed_in_caller
from public_api.observability import count
from public_api.routers import LISTING_ID, SIGNED_IN, documented
from public_api.schemas.viewings import ViewingIn, ViewingOut

router = Router()


@router.post("/<listing_id>/viewings", security=SIGNED_IN, tags=["viewings"],
             summary="Ask to view a listing at one of up to three times",
             description="The broker confirms one time in the back office (both then receive an invitation); "
                         "unconfirmed within 24 hours, the request expires.",
             responses=documented(201, "Requested", errors=(400, 401, 404, 413, 415, 422)))
def request_viewing(listing_id: Annotated[str, Path(pattern=LISTING_ID)],
                    viewing: Annotated[ViewingIn, Body()]) -> Response[ViewingOut]:
    caller = signed_in_caller(router.current_event)
    created = viewing_request(actor=caller.actor, listing_id=listing_id, entitlements=caller.entitlements,
                              slots=viewing.slots, name=viewing.name, email=viewing.email, phone=viewing.phone,
                              message=viewing.message)
    count("ViewingRequested")
    return Response(status_code=201, content_type="application/json", body=ViewingOut(
        viewing_id=created.viewing_id, listing_id=created.listing_id, state=created.state, slots=created.slots,
        expires_at=created.expires_at, confirmed_start=created.confirmed_start))
