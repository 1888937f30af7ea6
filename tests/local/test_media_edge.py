"""The local media edge answers /media and /premium as the CloudFront distribution does: public objects to
anyone, premium objects only with a valid signed URL from the API's key pair, CloudFront's headers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image

from marketplace import media_urls
from marketplace.aws import client
from marketplace.config import settings

KEY = "listings/l1/m1/w400.webp"
CACHE_CONTROL = "public, max-age=31536000, immutable"


def picture(colour=(40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 267), colour).save(out, "WEBP")
    return out.getvalue()


@pytest.fixture
def stored(api):
    """One picture in each bucket under the same key, as the pipeline writes them."""
    cfg = settings()
    s3 = client("s3")
    for bucket, colour in ((cfg.public_bucket, (40, 120, 200)), (cfg.premium_bucket, (200, 60, 40))):
        s3.put_object(Bucket=bucket, Key=KEY, Body=picture(colour), ContentType="image/webp",
                      CacheControl=CACHE_CONTROL)
    return api


def decoded(response: requests.Response) -> Image.Image:
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def test_public_media_is_served_to_anyone_with_the_headers_cloudfront_sends(stored):
    response = requests.get(f"{stored}/media/{KEY}", timeout=10)

    assert response.status_code == 200
    assert decoded(response).size == (400, 267)
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["Cache-Control"] == CACHE_CONTROL
    assert response.headers["X-Cache"] == "Miss from cloudfront"
    assert response.headers["Via"].endswith("(CloudFront)")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    again = requests.get(f"{stored}/media/{KEY}", headers={"If-None-Match": response.headers["ETag"]}, timeout=10)
    assert again.status_code == 304


def test_a_missing_object_and_a_premium_object_by_its_public_path_are_refused_like_s3_behind_cloudfront(stored):
    missing = requests.get(f"{stored}/media/listings/l1/m1/w9999.webp", timeout=10)
    assert missing.status_code == 403
    assert "<Code>AccessDenied</Code>" in missing.text
    only_premium = "listings/l1/m2/w400.webp"
    client("s3").put_object(Bucket=settings().premium_bucket, Key=only_premium, Body=picture())
    assert requests.get(f"{stored}/media/{only_premium}", timeout=10).status_code == 403


def test_premium_media_needs_a_signature(stored):
    response = requests.get(f"{stored}/premium/{KEY}", timeout=10)

    assert response.status_code == 403
    assert "<Code>MissingKey</Code>" in response.text


def test_a_url_the_api_signs_serves_the_premium_object(stored):
    url, _ = media_urls.signed_url(key=KEY)

    response = requests.get(url, timeout=10)

    assert response.status_code == 200
    assert decoded(response).getpixel((10, 10))[0] > 150  # the premium (red) picture, not the public one
    assert response.headers["Cache-Control"] == CACHE_CONTROL


def test_an_expired_signed_url_is_refused(stored):
    url, expires = media_urls.signed_url(key=KEY, now=datetime.now(UTC) - timedelta(hours=1))

    assert expires < datetime.now(UTC)
    response = requests.get(url, timeout=10)
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text


def test_a_tampered_signature_or_expiry_is_refused(stored):
    url, _ = media_urls.signed_url(key=KEY)
    base, query = url.split("?", 1)
    params = dict(p.split("=", 1) for p in query.split("&"))
    flipped = params["Signature"][:10] + ("A" if params["Signature"][10] != "A" else "B") + params["Signature"][11:]
    later = str(int(params["Expires"]) + 3600)

    for changed in ({"Signature": flipped}, {"Expires": later}):
        tampered = base + "?" + "&".join(f"{k}={v}" for k, v in {**params, **changed}.items())
        assert requests.get(tampered, timeout=10).status_code == 403


def test_a_signature_for_one_object_does_not_open_another(stored):
    other = "listings/l1/m1/w1024.webp"
    client("s3").put_object(Bucket=settings().premium_bucket, Key=other, Body=picture())
    url, _ = media_urls.signed_url(key=KEY)

    moved = url.replace(quote(KEY), quote(other))

    assert moved != url
    assert requests.get(moved, timeout=10).status_code == 403


def test_a_url_signed_with_another_key_under_the_same_key_id_is_refused(stored):
    url, _ = media_urls.signed_url(key=KEY)
    key_id = url.rsplit("Key-Pair-Id=", 1)[1]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = CloudFrontSigner(key_id, lambda message: stranger.sign(message, padding.PKCS1v15(), hashes.SHA1()))

    forged = signer.generate_presigned_url(url.split("?", 1)[0], date_less_than=datetime.now(UTC) + timedelta(minutes=5))

    assert requests.get(forged, timeout=10).status_code == 403


def test_a_custom_policy_covers_what_its_resource_pattern_names_and_nothing_else(stored):
    signer, base = media_urls._cloudfront()
    expires = datetime.now(UTC) + timedelta(minutes=5)
    policy = signer.build_policy(f"{base}/premium/listings/l1/m1/*", expires)

    inside = signer.generate_presigned_url(f"{base}/premium/{KEY}", policy=policy)
    outside = signer.generate_presigned_url(f"{base}/premium/listings/l1/m2/w400.webp", policy=policy)

    assert requests.get(inside, timeout=10).status_code == 200
    assert requests.get(outside, timeout=10).status_code == 403
