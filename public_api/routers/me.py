"""``/v1/me``: the signed-in caller's profile, groups, entitlements and delivery preferences."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from marketplace.entitlements import entitlements_of
from marketplace.selectors.people import person
from public_api.auth import signed_in_caller
from public_api.routers import SIGNED_IN, documented
from public_api.schemas.me import Delivery, EntitlementsOut, Me, MeChange

router = Router()


def _me(actor, preferences=None) -> Me:
    profile, subscription, stored = person(user_id=actor.user_id)  # one Query
    chosen = preferences or stored
    return Me(user_id=actor.user_id, email=(profile.email if profile else "") or actor.email,
              name=(profile.name if profile else "") or actor.name, groups=sorted(actor.groups),
              entitlements=EntitlementsOut(**entitlements_of(subscription).as_dict()),
              notifications=Delivery(email=chosen.email, push=chosen.push, language=chosen.language,
                                     apps=list(chosen.apps or ())))


@router.get("", security=SIGNED_IN, summary="Who I am, what I am entitled to, how I hear from Shikhar", tags=["me"],
            responses=documented(errors=(401,)))
def me() -> Me:
    return _me(signed_in_caller(router.current_event).actor)


@router.patch("", security=SIGNED_IN, summary="Change how I hear from Shikhar (e-mail, push, language, buyer apps)", tags=["me"],
              responses=documented(errors=(400, 401, 422)))
def change(body: Annotated[MeChange, Body()]) -> Me:
    actor = signed_in_caller(router.current_event).actor
    from marketplace.delivery.preferences import preferences_update  # writes only: not on GET's path

    wanted = body.notifications
    preferences = preferences_update(actor=actor, email=wanted.email, push=wanted.push, language=wanted.language,
                                     apps=wanted.apps)
    return _me(actor, preferences)
