"""The public API's configuration, derived from the environment and ``marketplace.config.settings()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from marketplace.config import settings
from marketplace.deployment import Env
from marketplace.tokens import pool_issuer, pool_jwks_url

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
    issuer = os.environ.get(Env.JWT_ISSUER) or pool_issuer(region=cfg.region, user_pool_id=cfg.user_pool_id)
    audiences = os.environ.get(Env.JWT_AUDIENCES) or cfg.user_pool_client_id
    return ApiSettings(
        issuer=issuer,
        audiences=frozenset(a.strip() for a in audiences.split(",") if a.strip()),
        jwks_url=cfg.jwks_url or pool_jwks_url(issuer),
        production=cfg.environment in ("prod", "production"),
    )


def reload_api_settings() -> ApiSettings:
    api_settings.cache_clear()
    return api_settings()
