"""The public API's configuration, derived from the environment and ``marketplace.config.settings()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from marketplace.config import settings

MAX_BODY_BYTES = 16 * 1024  # the largest request body any route accepts (an inquiry is ~2 KiB)


@dataclass(frozen=True)
class ApiSettings:
    issuer: str
    audiences: frozenset[str]
    jwks_url: str
    production: bool


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    cfg = settings()
    # Cognito's ``iss`` is always the AWS address (the emulator's tokens too), so it is derived from the
    # pool id; the JWKS URL is configurable because the emulator serves keys elsewhere.
    issuer = os.environ.get("SHIKHAR_JWT_ISSUER") or (
        f"https://cognito-idp.{cfg.region}.amazonaws.com/{cfg.user_pool_id}")
    audiences = os.environ.get("SHIKHAR_JWT_AUDIENCES") or cfg.user_pool_client_id
    return ApiSettings(
        issuer=issuer,
        audiences=frozenset(a.strip() for a in audiences.split(",") if a.strip()),
        jwks_url=cfg.jwks_url or f"{issuer}/.well-known/jwks.json",
        production=cfg.environment in ("prod", "production"),
    )


def reload_api_settings() -> ApiSettings:
    api_settings.cache_clear()
    return api_settings()
