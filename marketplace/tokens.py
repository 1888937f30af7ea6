"""Verifying Cognito JWTs: one rule set for every deployable, as API Gateway's HTTP API JWT authorizer
applies it.

RS256 signature by a key of the pool's JWKS (fetched once per process and URL, cached), ``iss`` equal
to the pool's issuer, ``aud`` (ID token) or ``client_id`` (access token) one of the accepted app
clients, ``exp``/``nbf``/``iat`` honoured with no leeway, and, when asked, one kind of token only
(``token_use``). Used by the public API (its optional bearer tokens, and the local gateway's authorizer)
and by the back office (the ID token of a sign-in).

Plain Python, no Django; PyJWT is imported on the first token, never on the cold path of a request
that carries none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

JWKS_CACHE_SECONDS = 6 * 3600  # keys rotate rarely; an unknown ``kid`` refetches at once anyway
JWKS_TIMEOUT_SECONDS = 5
_jwks_clients: dict[str, object] = {}


class TokenError(Exception):
    """The token is missing, malformed, expired, or not from this user pool and its clients."""


def pool_issuer(*, region: str, user_pool_id: str) -> str:
    """The ``iss`` of the pool's tokens. Always the AWS address: the emulator's tokens name it too."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def pool_jwks_url(issuer: str) -> str:
    """Where AWS publishes the pool's signing keys (the emulator serves them elsewhere: configurable)."""
    return f"{issuer}/.well-known/jwks.json"


@dataclass(frozen=True)
class Verifier:
    issuer: str
    jwks_url: str
    audiences: Collection[str]  # the app clients whose tokens are accepted
    token_use: str | None = None  # "id" or "access"; None accepts either, as the authorizer does

    def verify(self, token: str) -> dict:
        """The token's claims if it is valid; ``TokenError`` otherwise."""
        import jwt  # only when a token arrives: PyJWT and cryptography are heavy for a cold start

        try:
            key = _jwks_client(self.jwks_url).get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key=key.key, algorithms=["RS256"], issuer=self.issuer,
                                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False})
        except jwt.PyJWKClientConnectionError as error:
            raise TokenError("the signing keys could not be fetched") from error
        except jwt.PyJWTError as error:
            raise TokenError(f"the token is not valid: {error}") from error
        if self.token_use is not None and claims.get("token_use") != self.token_use:
            raise TokenError(f"the token is not an {self.token_use} token")
        audience = claims.get("aud") if "aud" in claims else claims.get("client_id")
        audiences = audience if isinstance(audience, list) else [audience]
        if not set(self.audiences).intersection(a for a in audiences if isinstance(a, str)):
            raise TokenError("the token was not issued to this application")
        return claims


def _jwks_client(url: str):
    import jwt

    client = _jwks_clients.get(url)
    if client is None:
        client = jwt.PyJWKClient(url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS)
        _jwks_clients[url] = client
    return client


def reset() -> None:
    """Forget cached key sets (tests that replace the user pool)."""
    _jwks_clients.clear()
