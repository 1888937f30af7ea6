"""A photo from the broker's presigned POST to ready variants, through the local worker's path."""

from __future__ import annotations

import io

from PIL import Image

from marketplace.config import settings
from marketplace.models import Listing
from tests.media_pipeline.helpers import get_object, outbox, photo


def test_a_photo_becomes_ready_variants_in_the_public_bucket(uploads):
    # Given a broker's 1600x1200 JPEG
    data = photo(1600, 1200)

    # When it is posted to the upload slot and the worker takes the notification
    media = uploads.upload(data)

    # Then the media is ready with WebP and progressive JPEG at 400 and 1024 px (no upscaling to 2048)
    assert media.state == "ready", media.failure_reason
    assert (media.width, media.height, media.scan_status) == (1600, 1200, "not_scanned")
    assert [(v.name, v.width, v.height, v.format) for v in media.variants] == [
        ("w1024_webp", 1024, 768, "webp"), ("w1024_jpeg", 1024, 768, "jpeg"),
        ("w400_webp", 400, 300, "webp"), ("w400_jpeg", 400, 300, "jpeg")]
    prefix = f"listings/{uploads.listing.listing_id}/{media.media_id}/{media.upload_id}/"
    assert media.content_version == media.upload_id
    assert [v.key for v in media.variants] == [prefix + n for n in (
        "w1024_webp.webp", "w1024_jpeg.jpg", "w400_webp.webp", "w400_jpeg.jpg")]
    for variant in media.variants:
        assert variant.bucket == settings().public_bucket
        stored = get_object(variant.bucket, variant.key)
        assert len(stored) == variant.size
        assert Image.open(io.BytesIO(stored)).size == (variant.width, variant.height)
    assert outbox("MediaProcessed")[0]["media_id"] == media.media_id
    assert Listing.get(*Listing.key(uploads.listing.listing_id)).cover.media_id == media.media_id
