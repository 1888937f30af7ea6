"""The public API's configuration, derived from the environment and ``marketplace.config.settings()``.

Premium media is signed for CloudFront (the key pair id and domain in SSM, the private key in Secrets
Manager); locally provisioning publishes the same names for the local media edge.
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
    signed_url_seconds: int
    cloudfront_key_secret: str
    cloudfront_key_id_parameter: str
    cloudfront_domain_parameter: str
    public_media_base_url: str


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    cfg = settings()
    # Cognito's ``iss`` is always the AWS address (the emulator's tokens too), so it is derived from the
    # pool id; the JWKS URL is configurable because the emulator serves keys elsewhere.
    issuer = os.environ.get("SHIKHAR_JWT_ISSUER") or (
        f"https://cognito-idp.{cfg.region}.amazonaws.com/{cfg.user_pool_id}")
    audiences = os.environ.get("SHIKHAR_JWT_AUDIENCES") or cfg.user_pool_client_id
    secret = os.environ.get("SHIKHAR_CLOUDFRONT_KEY_SECRET_ARN", "")
    return ApiSettings(
        issuer=issuer,
        audiences=frozenset(a.strip() for a in audiences.split(",") if a.strip()),
        jwks_url=cfg.jwks_url or f"{issuer}/.well-known/jwks.json",
        production=cfg.environment in ("prod", "production"),
        signed_url_seconds=int(os.environ.get("SHIKHAR_SIGNED_URL_SECONDS", "300")),
        cloudfront_key_secret=secret,
        cloudfront_key_id_parameter=os.environ.get("SHIKHAR_CLOUDFRONT_KEY_ID_PARAMETER", ""),
        cloudfront_domain_parameter=os.environ.get("SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER", ""),
        public_media_base_url=(cfg.public_media_base_url or "/media").rstrip("/"),
    )


def reload_api_settings() -> ApiSettings:
    api_settings.cache_clear()
    return api_settings()
