"""``/v1/unsubscribe``: the link in every alert and digest. The signed token names one search; following
the link (GET from the message, or a mail client's one-click POST, RFC 8058) switches it off, without
signing in. Idempotent, so a link scanner that follows it does no more than the buyer would."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from marketplace.alerts.unsubscribe import unsubscribe
from public_api.routers import CURSOR_MAX, documented
from public_api.schemas.alerts import Unsubscribed

router = Router()

TOKEN = Annotated[str, Query(min_length=1, max_length=CURSOR_MAX, description="From the message's link")]


def _stop(token: str) -> Unsubscribed:
    search = unsubscribe(token=token)
    return Unsubscribed(search_id=search.search_id if search else None, frequency=search.frequency if search else None)


@router.get("", summary="Stop one saved search's alerts (the link in the message)", tags=["saved searches"],
            responses=documented(errors=(400, 422)))
def stop(token: TOKEN) -> Unsubscribed:
    return _stop(token)


@router.post("", summary="Stop one saved search's alerts (one-click, RFC 8058)", tags=["saved searches"],
             responses=documented(errors=(400, 422)))
def stop_one_click(token: TOKEN) -> Unsubscribed:
    return _stop(token)
