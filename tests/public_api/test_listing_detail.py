"""A listing's detail: public fields, media by entitlement, the broker, a recorded view."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from marketplace import aws, db, media_urls
from marketplace.config import reload_settings, settings
from marketplace.ids import new_id
from marketplace.models import Media, MediaVariant
from marketplace.selectors.listings import listing_get
from marketplace.services.listings import listing_update
from tests.public_api.conftest import get
from tests.shared import reads
from tests.shared.people import LISTER


def add_media(listing_id: str, *, kind: str, premium: bool, position: int, state: str = "ready",
              served: bool | None = None) -> Media:
    """Media as the pipeline leaves it: variants stored in the public or premium bucket. A first upload
    not yet ready has none; ``served`` says whether an earlier good version is there."""
    served = state == "ready" if served is None else served
    cfg = settings()
    bucket = cfg.premium_bucket if premium else cfg.public_bucket
    media_id = new_id()
    key = f"listings/{listing_id}/{media_id}/w1024.webp"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=b"RIFF....WEBP", ContentType="image/webp")
    item = Media(media_id=media_id, listing_id=listing_id, kind=kind, state=state, premium=premium,
                 position=position, caption=f"{kind} {position}", width=4000, height=2667,
                 placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj", dominant_color="#5a7d9a",
                 variants=[MediaVariant(name="w1024_webp", key=key, bucket=bucket, width=1024, height=683,
                                        size=12, format="webp")] if served else [])
    db.save(item)
    return item


@pytest.fixture
def gallery(market):
    listing_id = market["premium"].listing_id
    return {
        "photo": add_media(listing_id, kind="photo", premium=False, position=0),
        "drone": add_media(listing_id, kind="drone", premium=True, position=1),
        "processing": add_media(listing_id, kind="video", premium=True, position=2, state="processing"),
    }


def test_detail_shows_public_fields_labels_and_the_brokers_public_profile(api, market):
    detail = get(api, f"/v1/listings/{market['public'].listing_id}").json()
    assert detail["title"] == "Public family house"
    assert detail["price"] == {"amount": 45_000_000, "label": "Rs 4.5 crore", "on_request": False,
                               "approx": None}
    assert detail["land"] == {"ropani_aana_paisa_daam": "0-8-0-0", "words": "8 aana", "sqft": 2738.0}
    agency = detail["broker"].pop("agency")
    assert detail["broker"] == {"broker_id": LISTER.user_id, "name": LISTER.name, "company": "Himal Realty",
                                "verified": False}
    assert (agency["name"], agency["licence_status"]) == ("Himal Realty", "valid")
    assert detail["location"] == {"geohash": market["public"].geohash[:7]}
    assert "address" not in detail and "latitude" not in detail and "seller_id" not in detail


def test_public_media_comes_from_the_cdn_path_and_premium_media_is_locked_for_a_free_buyer(api, gallery, market, buyer):
    detail = get(api, f"/v1/listings/{market['premium'].listing_id}", buyer).json()
    photo, drone = detail["media"]  # the one still processing is not shown
    assert photo["locked"] is False
    assert photo["variants"][0]["url"] == (f"{settings().public_media_base_url}/"
                                           f"{gallery['photo'].variants[0].key}")
    assert drone["locked"] is True
    assert drone["variants"] == []
    assert drone["placeholder"] == "LEHV6nWB2yk8pyo0adR*.7kCMdnj"


def test_an_entitled_buyer_gets_premium_media_as_short_lived_cloudfront_signed_urls_the_local_edge_serves(
        api, gallery, market, premium_buyer):
    detail = get(api, f"/v1/listings/{market['premium'].listing_id}", premium_buyer).json()
    drone = detail["media"][1]
    url = drone["variants"][0]["url"]
    query = parse_qs(urlsplit(url).query)
    assert drone["locked"] is False
    assert url.startswith(f"{api}/premium/{gallery['drone'].variants[0].key}?Expires=")
    assert set(query) == {"Expires", "Signature", "Key-Pair-Id"}
    assert 0 < int(query["Expires"][0]) - time.time() <= 300
    assert requests.get(url, timeout=10).content == b"RIFF....WEBP"
    assert drone["expires_at"] is not None


def test_in_aws_premium_media_is_signed_for_cloudfront_with_the_key_from_secrets_manager(
        api, gallery, market, premium_buyer, monkeypatch):
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    secret = aws.client("secretsmanager").create_secret(Name="shikhar/test/cloudfront-signing-key",
                                                        SecretString=pem)["ARN"]
    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/shikhar/test/cloudfront/public-key-id", Value="K2JCJMDEHXQW5F", Type="String")
    ssm.put_parameter(Name="/shikhar/test/cloudfront/domain", Value="d111111abcdef8.cloudfront.net", Type="String")
    monkeypatch.setenv("SHIKHAR_CLOUDFRONT_KEY_SECRET", secret)
    monkeypatch.setenv("SHIKHAR_CLOUDFRONT_KEY_ID_PARAMETER", "/shikhar/test/cloudfront/public-key-id")
    monkeypatch.setenv("SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER", "/shikhar/test/cloudfront/domain")
    reload_settings()
    media_urls.reset()

    detail = get(api, f"/v1/listings/{market['premium'].listing_id}", premium_buyer).json()

    url = detail["media"][1]["variants"][0]["url"]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    resource = f"https://{parts.netloc}{parts.path}"
    assert resource == f"https://d111111abcdef8.cloudfront.net/premium/{gallery['drone'].variants[0].key}"
    assert query["Key-Pair-Id"] == "K2JCJMDEHXQW5F"
    assert 0 < int(query["Expires"]) - time.time() <= 300
    policy = json.dumps({"Statement": [{"Resource": resource, "Condition": {
        "DateLessThan": {"AWS:EpochTime": int(query["Expires"])}}}]}, separators=(",", ":")).encode()
    signature = base64.b64decode(query["Signature"].replace("-", "+").replace("_", "=").replace("~", "/"))
    private_key.public_key().verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # raises if forged


def test_premium_media_stays_locked_when_the_signing_key_is_unusable(api, gallery, market, premium_buyer, monkeypatch):
    secret = aws.client("secretsmanager").create_secret(Name="placeholder", SecretString="not-a-pem")["ARN"]
    aws.client("ssm").put_parameter(Name="/k", Value="K2JCJMDEHXQW5F", Type="String")
    aws.client("ssm").put_parameter(Name="/d", Value="d111111abcdef8.cloudfront.net", Type="String")
    monkeypatch.setenv("SHIKHAR_CLOUDFRONT_KEY_SECRET", secret)
    monkeypatch.setenv("SHIKHAR_CLOUDFRONT_KEY_ID_PARAMETER", "/k")
    monkeypatch.setenv("SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER", "/d")
    reload_settings()
    media_urls.reset()

    response = get(api, f"/v1/listings/{market['premium'].listing_id}", premium_buyer)

    assert response.status_code == 200
    drone = response.json()["media"][1]
    assert (drone["locked"], drone["variants"]) == (True, [])


def test_unknown_and_invisible_listings_get_the_same_404(api, market):
    unknown = get(api, "/v1/listings/01jzzzzzzzzzzzzzzzzzzzzzzz")
    hidden = get(api, f"/v1/listings/{market['exclusive'].listing_id}")
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json() == hidden.json() == {"code": "not_found", "message": "no such listing", "field": "listing_id"}


def test_each_detail_view_is_counted_for_the_day(api, market):
    listing_id = market["public"].listing_id
    for _ in range(3):
        get(api, f"/v1/listings/{listing_id}")
    get(api, f"/v1/listings/{market['exclusive'].listing_id}")  # not shown, so not counted
    today = datetime.now(UTC).date()
    assert reads.views(listing_id, since=today, until=today) == {today.isoformat(): 3}
    assert reads.views(market["exclusive"].listing_id, since=today, until=today) == {}


def test_a_failed_replacement_still_shows_the_previous_version(api, market):
    # Given a photo whose replacement failed (its earlier version's variants are still there)
    media = add_media(market["public"].listing_id, kind="photo", premium=False, position=0, state="failed",
                      served=True)

    # When anyone opens the listing, then the photo is shown from its earlier version
    detail = get(api, f"/v1/listings/{market['public'].listing_id}").json()
    assert [m["media_id"] for m in detail["media"]] == [media.media_id]


def test_detail_shows_the_price_history_in_reso_words(api, market, lister):
    # given a listed house whose broker cut the price from 4.5 to 4.14 crore
    listing_id = market["public"].listing_id
    version = listing_get(listing_id=listing_id, consistent=True).version
    listing_update(actor=lister, listing_id=listing_id, fields={"price": "4.14 crore"}, expected_version=version)
    # when a buyer opens it
    history = get(api, f"/v1/listings/{listing_id}").json()["price_history"]
    # then its market history is there, oldest first, with both prices and the change
    assert [(h["change_type"], h["label"], h["reso_status"], h["price"]["amount"]) for h in history] == [
        ("NewListing", "Listed", "Active", 45_000_000), ("PriceChange", "Price changed", "Active", 41_400_000)]
    assert history[1]["previous_price"]["label"] == "Rs 4.5 crore"
    assert history[1]["change_percent"] == -8.0
