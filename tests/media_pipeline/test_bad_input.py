"""Every file a browser can send: each ends ``ready`` or ``failed`` with a reason, never a crash or a hang,
and the worker keeps taking uploads after each one."""

from __future__ import annotations

import io
import struct
import threading
import time
import zipfile
import zlib

import pytest
from PIL import Image

from local.provision import MEDIA_QUEUES
from local.workers import sqs_consumer
from marketplace.config import settings
from marketplace.selectors.media import media_for_listing
from media_pipeline.runner import handle_message
from tests.media_pipeline.helpers import get_object, outbox, photo

pytestmark = pytest.mark.timeout(120)  # the time bound: a hang fails the test

NOT_A_PHOTO = "not a photo (a JPEG, PNG or WebP image)"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims width x height (a decompression bomb's promise)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
            + _png_chunk(b"IEND", b""))


def png_rgb16(width: int, height: int) -> bytes:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write one, so it is built by hand)."""
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    row = b"\x00" + b"".join(struct.pack(">HHH", x * 50, 30000, 65535 - x * 50) for x in range(width))
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(row * height))
            + _png_chunk(b"IEND", b""))


def png_gray16(width: int, height: int) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert("I").point(lambda v: v * 256)
    buffer = io.BytesIO()
    image.convert("I;16").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_huge_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "DroneMaker"
    exif[0x9286] = b"ASCII\x00\x00\x00" + b"x" * 60_000  # UserComment: a 60 KB EXIF block
    exif.get_ifd(0x8825).update({1: "N", 2: (27.0, 44.0, 10.5), 3: "E", 4: (85.0, 20.0, 5.25)})
    return photo(1600, 1200, exif=exif.tobytes())


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (1200, 900), colour) for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200))]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def jpeg_with_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.php", "<?php echo 'hi'; ?>")
    return photo(1600, 1200) + archive.getvalue()


def jpeg_with_script_comment() -> bytes:
    return photo(1600, 1200, comment=b"<script>alert(document.cookie)</script>")


CASES = {
    "zero bytes": (b"", "photo", "image/jpeg", "the file is empty (0 bytes); upload it again"),
    "truncated jpeg": (photo(1600, 1200)[:20_000], "photo", "image/jpeg",
                       "the image is damaged or incomplete and cannot be read; export it again and re-upload"),
    "png claiming 30000x30000": (png_claiming(30000, 30000), "photo", "image/png",
                                 "the image is 30000x30000 pixels (900 MP); the limit is 100 MP"),
    "html named .jpg": (b"<!DOCTYPE html><html><body><script>steal()</script></body></html>", "photo",
                        "image/jpeg", f"the file is an HTML document, {NOT_A_PHOTO}"),
    "svg named .jpg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                       "photo", "image/jpeg", f"the file is an SVG drawing, {NOT_A_PHOTO}"),
    "jpeg with a zip appended": (jpeg_with_zip(), "photo", "image/jpeg",
                                 ("the file is a JPEG image with an archive attached to it; export the image "
                                 "again and re-upload")),
    "jpeg with a script in a comment": (jpeg_with_script_comment(), "photo", "image/jpeg",
                                        ("the file contains web page code (<script); export the image again "
                                        "and re-upload")),
    "animated gif": (animated("GIF"), "photo", "image/jpeg", f"the file is a GIF image, {NOT_A_PHOTO}"),
    "animated webp": (animated("WEBP"), "photo", "image/webp",
                      "animated images are not accepted; upload a still photo"),
    "video that is really text": (b"this is not a video, just words\n" * 200, "video", "video/mp4",
                                  "the file is text, not a video (an MP4 or QuickTime video)"),
    "zip named .mp4": (b"PK\x03\x04" + b"\x00" * 500, "video", "video/mp4",
                       "the file is a ZIP archive, not a video (an MP4 or QuickTime video)"),
    "photo too small": (photo(800, 600), "photo", "image/jpeg",
                        "the image is 800x600 pixels; a photo needs at least 1024 pixels on its long edge"),
    "panorama not 2:1": (photo(3000, 2000), "panorama", "image/jpeg",
                         "a 360° panorama must be 2:1 (equirectangular); this one is 3000x2000"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_file_fails_with_its_reason(uploads, case):
    # Given a file a browser could send for this kind
    data, kind, content_type, reason = CASES[case]

    # When it goes through the upload slot and the pipeline
    media = uploads.upload(data, kind=kind, content_type=content_type)

    # Then the media failed, saying why, with one MediaFailed event, and the raw upload kept for a retry
    assert (media.state, media.failure_reason) == ("failed", reason)
    assert [e["reason"] for e in outbox("MediaFailed")] == [reason]
    assert get_object(settings().raw_bucket, media.raw_key) == data


def test_a_file_over_the_size_cap_fails_even_though_the_emulator_accepted_the_post(uploads):
    # Given a slot for a floor plan (cap 20 MB) and a 21 MB file the emulator lets through
    slot = uploads.slot(kind="floor_plan", content_type="image/png", size=1000)
    uploads.post(slot, b"\x89PNG\r\n\x1a\n" + b"\x00" * (21 * 1024 * 1024 - 8))

    # When the pipeline runs
    uploads.process_pending()

    # Then it fails on the size, before reading the file
    media = media_for_listing(listing_id=uploads.listing.listing_id)[0]
    assert (media.state, media.failure_reason) == ("failed", "the file is 21 MB; a floor plan may be at most 20 MB")


ODD_BUT_GOOD = {
    "jpeg with a huge exif block": (jpeg_with_huge_exif(), "image/jpeg", (1600, 1200)),
    "cmyk jpeg": (photo(1600, 1200, mode="CMYK"), "image/jpeg", (1600, 1200)),
    "16-bit grayscale png": (png_gray16(1200, 900), "image/png", (1200, 900)),
    "16-bit rgb png": (png_rgb16(1200, 900), "image/png", (1200, 900)),
    "png with transparency": (photo(1200, 900, fmt="PNG", mode="RGBA"), "image/png", (1200, 900)),
}


@pytest.mark.parametrize("case", list(ODD_BUT_GOOD))
def test_an_unusual_but_valid_image_becomes_ready_as_8_bit_srgb_without_metadata(uploads, case):
    data, content_type, size = ODD_BUT_GOOD[case]

    media = uploads.upload(data, content_type=content_type)

    assert media.state == "ready", media.failure_reason
    assert (media.width, media.height) == size
    for variant in media.variants:
        stored = get_object(variant.bucket, variant.key)
        image = Image.open(io.BytesIO(stored))
        assert (image.mode, image.size) == ("RGB", (variant.width, variant.height))
        assert not image.getexif() and "icc_profile" not in image.info
        assert b"GPS" not in stored and b"DroneMaker" not in stored


def test_the_worker_keeps_running_after_every_bad_file(uploads):
    # Given the workers ``make run`` starts, consuming the raw bucket's notifications (images, videos)
    stop = threading.Event()
    workers = [threading.Thread(target=sqs_consumer(queue, handle_message), args=(stop,), daemon=True)
               for queue in MEDIA_QUEUES]
    for worker in workers:
        worker.start()
    try:
        # When every bad file is posted, and then a good photo
        for data, kind, content_type, _ in CASES.values():
            uploads.post(uploads.slot(kind=kind, content_type=content_type, size=max(1, len(data))), data)
        good = uploads.slot()
        uploads.post(good, photo(1600, 1200))

        # Then each ends failed or ready, and the good photo after them all is ready
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            media = media_for_listing(listing_id=uploads.listing.listing_id, consistent=True)
            if all(m.state in ("ready", "failed") for m in media):
                break
            time.sleep(0.2)
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    states = {m.media_id: m.state for m in media}
    assert states.pop(good.media.media_id) == "ready"
    assert set(states.values()) == {"failed"} and len(states) == len(CASES)
