"""Who is calling, and what they are entitled to.

Signed-in routes sit behind the JWT authorizer: the function reads the verified claims from
``requestContext.authorizer.jwt.claims`` and refuses to run without them. Public routes take an
optional bearer token and verify it themselves (``public_api.tokens``); an invalid token there is a
401, never a silent downgrade to anonymous.

Entitlements are read from the caller's subscription only when a decision needs them (an exclusive or
early-access listing, premium media, a search filter), so most requests make no extra read.
"""

from __future__ import annotations

from functools import cached_property

from marketplace.actors import Actor
from marketplace.entitlements import ANONYMOUS, Entitlements
from marketplace.selectors.people import entitlements_for
from public_api import tokens
from public_api.errors import Unauthorized


class LazyEntitlements:
    """Looks like ``Entitlements``; reads the subscription on first use, once."""

    def __init__(self, user_id: str | None):
        self._user_id = user_id

    @cached_property
    def loaded(self) -> Entitlements:
        return entitlements_for(user_id=self._user_id) if self._user_id else ANONYMOUS

    def __getattr__(self, name):
        return getattr(self.loaded, name)


class Caller:
    def __init__(self, actor: Actor | None):
        self.actor = actor
        self.entitlements = LazyEntitlements(actor.user_id if actor else None)

    @property
    def signed_in(self) -> bool:
        return self.actor is not None


def _headers(event) -> dict:
    return event.headers or {}


def signed_in_caller(event) -> Caller:
    """From the authorizer's claims; a request that reached us without them is refused."""
    claims = event.request_context.authorizer.jwt_claim
    if not claims.get("sub"):
        raise Unauthorized()
    return Caller(Actor.from_claims(claims))


def optional_caller(event) -> Caller:
    """Anonymous without an Authorization header; signed in with a valid bearer token; 401 otherwise."""
    try:
        token = tokens.bearer_token(_headers(event).get("authorization"))
        if token is None:
            return Caller(None)
        claims = tokens.verify(token)
    except tokens.TokenError as error:
        raise Unauthorized(str(error)) from None
    return Caller(Actor.from_claims(claims))
