"""Verifying Cognito JWTs exactly as API Gateway's HTTP API JWT authorizer does.

One rule set for both places a token is checked: the authorizer on signed-in routes (emulated by
``local.gateway``) and the public routes' optional bearer token (checked by the function itself):
RS256 signature by a key of the pool's JWKS (fetched once per container, cached), ``iss`` equal to
the pool's issuer, ``aud`` (ID token) or ``client_id`` (access token) one of the app clients,
``exp``/``nbf``/``iat`` honoured with no leeway.

PyJWT is imported on the first token, never on the cold path of an anonymous request.
"""

from __future__ import annotations

from public_api.config import api_settings

_JWKS_CACHE_SECONDS = 6 * 3600  # keys rotate rarely; an unknown ``kid`` refetches at once anyway
_jwks_clients: dict[str, object] = {}


class TokenError(Exception):
    """The token is missing, malformed, expired, or not from this user pool."""


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
    """The token's claims if it is valid; ``TokenError`` otherwise."""
    import jwt  # only when a bearer token arrives: PyJWT and cryptography are heavy for a cold start

    cfg = api_settings()
    client = _jwks_clients.get(cfg.jwks_url)
    if client is None:
        client = jwt.PyJWKClient(cfg.jwks_url, cache_keys=True, lifespan=_JWKS_CACHE_SECONDS, timeout=5)
        _jwks_clients[cfg.jwks_url] = client
    try:
        key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key=key.key, algorithms=["RS256"], issuer=cfg.issuer,
                            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False})
    except jwt.PyJWKClientConnectionError as error:
        raise TokenError("the signing keys could not be fetched") from error
    except jwt.PyJWTError as error:
        raise TokenError(f"the token is not valid: {error}") from error
    audience = claims.get("aud") if "aud" in claims else claims.get("client_id")
    audiences = audience if isinstance(audience, list) else [audience]
    if not cfg.audiences.intersection(a for a in audiences if isinstance(a, str)):
        raise TokenError("the token was not issued to this application")
    return claims


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


def reset() -> None:
    """Forget cached key sets (tests that replace the user pool)."""
    _jwks_clients.clear()
