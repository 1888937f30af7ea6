"""``/v1/me``: the signed-in caller's profile, groups and entitlements."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from marketplace.entitlements import entitlements_of
from marketplace.selectors.people import profile_and_subscription
from public_api.auth import signed_in_caller
from public_api.routers import SIGNED_IN, documented
from public_api.schemas.me import EntitlementsOut, Me

router = Router()


@router.get("", security=SIGNED_IN, summary="Who I am and what I am entitled to", tags=["me"], responses=documented(errors=(401,)))
def me() -> Me:
    actor = signed_in_caller(router.current_event).actor
    profile, subscription = profile_and_subscription(user_id=actor.user_id)  # one Query
    entitlements = entitlements_of(subscription)
    return Me(user_id=actor.user_id, email=(profile.email if profile else "") or actor.email,
              name=(profile.name if profile else "") or actor.name, groups=sorted(actor.groups),
              entitlements=EntitlementsOut(**entitlements.as_dict()))
