"""Media URLs for every deployable (the public API and the back office): public objects from the CDN's
``/media`` path, premium objects only as short-lived CloudFront signed URLs.

Premium media is served by CloudFront's ``/premium`` behaviour, which only accepts URLs signed with the
trusted key group (botocore's ``CloudFrontSigner``; key pair id and domain from SSM, the PEM private key
from Secrets Manager). Locally the same names point at the local media edge (``local.media_edge``), which checks the
signatures as CloudFront does: one code path. Signing material is loaded on first use and kept for the
container's life; without it premium media stays locked (fail closed).
"""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from marketplace.config import settings
from marketplace.deployment import Env

PREVIEW_SIZE = "w400"  # what staff pages and lists show: the smallest variant


class SigningUnavailable(Exception):
    """The signing key is missing or unusable: premium media stays locked."""


def public_url(key: str) -> str:
    base = (settings().public_media_base_url or "/media").rstrip("/")
    return f"{base}/{quote(key)}"


def edge_path(bucket: str, key: str) -> str:
    """The path CloudFront serves a stored object at (``/media/...`` or ``/premium/...``), as an
    invalidation names it."""
    return f"/{'premium' if is_premium_bucket(bucket) else 'media'}/{quote(key)}"


def is_premium_bucket(bucket: str | None) -> bool:
    return bucket == settings().premium_bucket


@lru_cache(maxsize=1)
def _cloudfront():
    # Imported here: only premium media is signed, and cryptography is heavy to import.
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    from marketplace.aws import client

    cfg = settings()
    try:
        if not cfg.cloudfront_key_secret:
            raise ValueError(f"no CloudFront signing key is configured ({Env.CLOUDFRONT_KEY_SECRET})")
        ssm = client("ssm")
        key_id = ssm.get_parameter(Name=cfg.cloudfront_key_id_parameter)["Parameter"]["Value"]
        domain = ssm.get_parameter(Name=cfg.cloudfront_domain_parameter)["Parameter"]["Value"]
        pem = client("secretsmanager").get_secret_value(SecretId=cfg.cloudfront_key_secret)["SecretString"]
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    except Exception as error:  # any failure here must lock premium media, never expose it
        raise SigningUnavailable(str(error)) from error

    def rsa_sign(message: bytes) -> bytes:
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # CloudFront's, for both policies

    base = domain if "://" in domain else f"https://{domain}"  # the local media edge has an http:// origin
    return CloudFrontSigner(key_id, rsa_sign), base.rstrip("/")


def signed_url(*, key: str, now: datetime | None = None, prefix: str | None = None) -> tuple[str, datetime]:
    """A URL for one object of the premium bucket that stops working after ``signed_url_seconds``: a
    canned policy for exactly that object or, with ``prefix``, a custom policy whose resource is every
    object under the prefix (``.../premium/<prefix>*``), so the same Policy, Signature and Key-Pair-Id
    (as query parameters or as CloudFront-* cookies) open each of them."""
    expires = (now or datetime.now(UTC)) + timedelta(seconds=settings().signed_url_seconds)
    signer, base = _cloudfront()
    url = f"{base}/premium/{quote(key)}"
    if prefix is None:
        return signer.generate_presigned_url(url, date_less_than=expires), expires
    policy = signer.build_policy(f"{base}/premium/{quote(prefix)}*", date_less_than=expires)
    return signer.generate_presigned_url(url, policy=policy), expires


# An HLS playlist names its rendition playlists and segments by relative URIs, which a player requests
# without the playlist's query: they are signed by a policy over the upload's whole prefix instead.
PREFIX_SIGNED_FORMATS = frozenset({"hls"})


def variant_url(variant, *, now: datetime | None = None) -> tuple[str, datetime | None]:
    """(URL, expiry) of one stored variant: signed when it lives in the premium bucket, else public.
    Callers decide first whether the viewer may see premium media at all."""
    if is_premium_bucket(variant.bucket):
        prefix = posixpath.dirname(variant.key) + "/" if variant.format in PREFIX_SIGNED_FORMATS else None
        return signed_url(key=variant.key, now=now, prefix=prefix)
    return public_url(variant.key), None


def preview_variant(variants):
    """The variant a list or staff page shows: the smallest still image (WebP first), or a video's poster."""
    images = [v for v in variants or [] if v.format in ("webp", "jpeg", "png")]
    smallest = [v for v in images if v.name.split("_")[0] == PREVIEW_SIZE]
    chosen = smallest or sorted(images, key=lambda v: int(v.width or 0))
    return next((v for v in chosen if v.format == "webp"), chosen[0] if chosen else None)


def reset() -> None:
    _cloudfront.cache_clear()
