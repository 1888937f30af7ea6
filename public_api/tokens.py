"""Tokens as the public API receives them: the bearer header of a public route, checked by the function
itself with ``marketplace.tokens`` (the same rules as the JWT authorizer of signed-in routes, which
``local.gateway`` emulates with it too), and claims flattened as HTTP API hands them to a function.
"""

from __future__ import annotations

from marketplace.tokens import TokenError, Verifier
from public_api.config import api_settings


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when there is no header.
    Any other shape is an error (a client that sends a header means to be signed in)."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise TokenError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def verify(token: str) -> dict:
    """The token's claims if it is valid for the apps' clients (ID or access token); ``TokenError``
    otherwise."""
    cfg = api_settings()
    return Verifier(issuer=cfg.issuer, jwks_url=cfg.jwks_url, audiences=cfg.audiences).verify(token)


def flatten_claims(claims: dict) -> dict[str, str]:
    """Claims as HTTP API hands them to a function: every value a string, lists as ``[a b]``."""
    flat = {}
    for name, value in claims.items():
        if isinstance(value, list):
            flat[name] = "[" + " ".join(str(v) for v in value) + "]"
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        else:
            flat[name] = str(value)
    return flat
