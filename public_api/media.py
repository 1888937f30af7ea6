"""Media URLs: public variants from the CDN path, premium ones only as short-lived signed URLs.

Premium media is served by CloudFront's ``/premium`` behaviour, which only accepts URLs signed with the
trusted key group (botocore's ``CloudFrontSigner``; key pair id and domain from SSM, the PEM private key
from Secrets Manager). Locally the same names point at the local media edge (``local.media_edge``), which checks
the signatures as CloudFront does: one code path. Signing material is loaded on first use and kept for
the container's life; without it premium media stays locked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from marketplace.config import settings
from public_api.config import api_settings


class SigningUnavailable(Exception):
    """The signing key is missing or unusable: premium media stays locked (fail closed)."""


def public_url(key: str) -> str:
    return f"{api_settings().public_media_base_url}/{quote(key)}"


def is_premium_bucket(bucket: str | None) -> bool:
    return bucket == settings().premium_bucket


@lru_cache(maxsize=1)
def _cloudfront():
    # Imported here: only premium detail views in AWS sign, and cryptography is heavy to import.
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    from marketplace.aws import client

    cfg = api_settings()
    try:
        if not cfg.cloudfront_key_secret:
            raise ValueError("no CloudFront signing key is configured (SHIKHAR_CLOUDFRONT_KEY_SECRET_ARN)")
        ssm = client("ssm")
        key_id = ssm.get_parameter(Name=cfg.cloudfront_key_id_parameter)["Parameter"]["Value"]
        domain = ssm.get_parameter(Name=cfg.cloudfront_domain_parameter)["Parameter"]["Value"]
        pem = client("secretsmanager").get_secret_value(SecretId=cfg.cloudfront_key_secret)["SecretString"]
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    except Exception as error:  # any failure here must lock premium media, never expose it
        raise SigningUnavailable(str(error)) from error

    def rsa_sign(message: bytes) -> bytes:
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # CloudFront's canned policy

    base = domain if "://" in domain else f"https://{domain}"  # the local edge has an http:// origin
    return CloudFrontSigner(key_id, rsa_sign), base.rstrip("/")


def signed_url(*, key: str, now: datetime | None = None) -> tuple[str, datetime]:
    """A URL for one object of the premium bucket that stops working after ``signed_url_seconds``."""
    expires = (now or datetime.now(UTC)) + timedelta(seconds=api_settings().signed_url_seconds)
    signer, base = _cloudfront()
    return signer.generate_presigned_url(f"{base}/premium/{quote(key)}", date_less_than=expires), expires


def reset() -> None:
    _cloudfront.cache_clear()
