"""``/v1/me/viewings``: a buyer's viewing requests, with their state and times; cancelling one."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from marketplace.ids import ID_PATTERN
from marketplace.services.viewings import viewing_cancel, viewings_of_buyer
from public_api.auth import signed_in_caller
from public_api.routers import SIGNED_IN, documented
from public_api.schemas.viewings import ViewingCancel, ViewingList, ViewingOut

router = Router()
VIEWING_ID = f"^{ID_PATTERN}$"
LIST_MAX = 100


@router.get("", security=SIGNED_IN, summary="My viewing requests, newest first", tags=["viewings"],
            responses=documented(errors=(401,)))
def my_viewings() -> ViewingList:
    caller = signed_in_caller(router.current_event)
    return ViewingList(items=[ViewingOut.of(v) for v in viewings_of_buyer(buyer_id=caller.actor.user_id, limit=LIST_MAX)])


@router.post("/<viewing_id>/cancel", security=SIGNED_IN, tags=["viewings"],
             summary="Cancel my viewing request, or a confirmed viewing still ahead",
             description="At the version read (`expected_version`): a request changed meanwhile (confirmed, "
                         "declined) is refused with 409 `conflict`; one no longer open (expired, declined, past) "
                         "with 409 `illegal_transition`. The broker is told.",
             responses=documented(errors=(400, 401, 404, 409, 413, 415, 422)))
def cancel(viewing_id: Annotated[str, Path(pattern=VIEWING_ID)], body: Annotated[ViewingCancel, Body()]) -> ViewingOut:
    caller = signed_in_caller(router.current_event)
    return ViewingOut.of(viewing_cancel(actor=caller.actor, viewing_id=viewing_id,
                                     expected_version=body.expected_version, reason=body.reason))
