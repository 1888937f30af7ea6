"""What the images step makes: orientation applied, every piece of metadata gone, sRGB, WebP and
progressive JPEG (lossless for floor plans), panoramas at 2:1, placeholder and dominant colour."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys

import blurhash
import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageStat

from marketplace.aws import client
from marketplace.config import settings
from marketplace.media_kinds import KINDS
from marketplace.models import Listing
from media_pipeline.imaging import render
from tests.media_pipeline.helpers import get_object, outbox, photo

ADOBE_RGB = "/usr/share/color/icc/ghostscript/a98.icc"  # shipped with the OS's colour packages


def gps_photo(width: int, height: int, *, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (27.0, 44.0, 10.5), 3: "E", 4: (85.0, 20.0, 5.25)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>27,44.17N</exif:GPSLatitude></x:xmpmeta>'
    return photo(width, height, exif=exif.tobytes(), xmp=xmp, comment=b"taken at the owner's house")


def decoded(variant) -> tuple[Image.Image, bytes]:
    stored = get_object(variant.bucket, variant.key)
    return Image.open(io.BytesIO(stored)), stored


def test_exif_orientation_is_applied_then_all_metadata_is_stripped(uploads):
    # Given a phone photo stored 1600x1200 with "rotate 90° clockwise", GPS, XMP and a comment
    data = gps_photo(1600, 1200, orientation=6)

    media = uploads.upload(data)

    # Then it is upright (portrait) and no variant carries EXIF, GPS, XMP, comments or a profile
    assert media.state == "ready", media.failure_reason
    assert (media.width, media.height) == (1200, 1600)
    assert [(v.name, v.width, v.height) for v in media.variants] == [
        ("w1024_webp", 768, 1024), ("w1024_jpeg", 768, 1024), ("w400_webp", 300, 400), ("w400_jpeg", 300, 400)]
    for variant in media.variants:
        image, stored = decoded(variant)
        assert image.size == (variant.width, variant.height)
        assert not image.getexif()
        assert not ({"exif", "xmp", "icc_profile", "comment"} & set(image.info))
        for marker in (b"Exif", b"GPS", b"PhoneMaker", b"xmpmeta", b"owner's house"):
            assert marker not in stored


def test_jpeg_variants_are_progressive_and_webp_is_webp(uploads):
    media = uploads.upload(photo(2400, 1600))

    formats = {}
    for variant in media.variants:
        image, _ = decoded(variant)
        formats[variant.name] = (image.format, bool(image.info.get("progressive") or image.info.get("progression")))
    # (sizes above 1024 px are WebP only: browsers without WebP get the 1024 px JPEG)
    assert formats == {"w2048_webp": ("WEBP", False),
                       "w1024_webp": ("WEBP", False), "w1024_jpeg": ("JPEG", True),
                       "w400_webp": ("WEBP", False), "w400_jpeg": ("JPEG", True)}


@pytest.mark.skipif(not os.path.exists(ADOBE_RGB), reason="needs an Adobe RGB profile file on the machine")
def test_a_wide_gamut_photo_is_converted_to_srgb(uploads):
    # Given a green photo tagged Adobe RGB (the same numbers mean a more saturated green than in sRGB)
    with open(ADOBE_RGB, "rb") as profile:
        icc = profile.read()
    source = Image.new("RGB", (1600, 1200), (60, 160, 90))
    buffer = io.BytesIO()
    source.save(buffer, "PNG", icc_profile=icc)

    media = uploads.upload(buffer.getvalue(), content_type="image/png")

    # Then the variants hold the sRGB rendering of it, untagged (browsers assume sRGB)
    expected = ImageCms.profileToProfile(Image.new("RGB", (8, 8), (60, 160, 90)),
                                         ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"))
    image, _ = decoded(media.variants[-1])  # w400_jpeg
    assert "icc_profile" not in image.info
    r, g, b = image.convert("RGB").getpixel((image.width // 2, image.height // 8))
    er, eg, eb = expected.getpixel((0, 0))
    assert abs(er - 60) > 30  # the conversion really changes the numbers
    assert abs(r - er) <= 6 and abs(g - eg) <= 6 and abs(b - eb) <= 6


def test_a_drone_shot_gets_the_3840_variant(uploads):
    media = uploads.upload(photo(4000, 3000), kind="drone")

    assert [v.name for v in media.variants] == ["w3840_webp", "w2048_webp", "w1024_webp", "w1024_jpeg",
                                                "w400_webp", "w400_jpeg"]
    assert media.variants[0].width == 3840 and media.variants[0].height == 2880


def test_a_panorama_keeps_exactly_2_to_1_and_gets_a_viewer_sized_variant(uploads):
    media = uploads.upload(photo(6000, 2990), kind="panorama")  # within 1 % of 2:1

    assert [(v.name, v.width, v.height) for v in media.variants] == [
        ("viewer_webp", 4096, 2048), ("w2048_webp", 2048, 1024), ("w1024_webp", 1024, 512),
        ("w1024_jpeg", 1024, 512)]


def test_a_floor_plan_is_lossless(uploads):
    # Given line art: black lines on white, 1024 px wide (no resizing needed for the 1024 variant)
    plan = Image.new("RGB", (1024, 768), "white")
    for x in range(0, 1024, 64):
        plan.paste((0, 0, 0), (x, 0, x + 2, 768))
    buffer = io.BytesIO()
    plan.save(buffer, "PNG")

    media = uploads.upload(buffer.getvalue(), kind="floor_plan", content_type="image/png")

    # Then it is kept as lossless WebP and PNG, pixel for pixel, with no JPEG at all
    assert [(v.name, v.format) for v in media.variants] == [("w1024_webp", "webp"), ("w1024_png", "png")]
    for variant in media.variants:
        image, _stored = decoded(variant)
        assert list(image.convert("RGB").getdata()) == list(plan.getdata())
    assert b"VP8L" in get_object(media.variants[0].bucket, media.variants[0].key)  # WebP's lossless codec


def test_placeholder_and_dominant_colour(uploads):
    # Given a photo that is mostly one terracotta colour
    image = Image.new("RGB", (1600, 1200), (190, 90, 60))
    image.paste((20, 40, 90), (0, 0, 300, 300))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    media = uploads.upload(buffer.getvalue(), content_type="image/png")

    assert media.dominant_color == "#be5a3c"
    assert blurhash.is_valid_blurhash(media.placeholder)
    cover = Listing.get(*Listing.key(uploads.listing.listing_id)).cover
    assert (cover.placeholder, cover.dominant_color) == (media.placeholder, "#be5a3c")


def test_a_premium_listing_keeps_its_drone_shots_private_and_its_photos_public(premium_uploads):
    drone = premium_uploads.upload(photo(2400, 1350), kind="drone")
    ordinary = premium_uploads.upload(photo(1600, 1200))

    assert (drone.state, ordinary.state) == ("ready", "ready")
    assert {v.bucket for v in drone.variants} == {settings().premium_bucket}
    assert {v.bucket for v in ordinary.variants} == {settings().public_bucket}
    assert all(key.split("/")[2] == drone.media_id for key in get_object_keys(settings().premium_bucket))
    # the card's cover must show to everyone: the public photo, never the private drone shot
    assert Listing.get(*Listing.key(premium_uploads.listing.listing_id)).cover.media_id == ordinary.media_id


def get_object_keys(bucket: str) -> list[str]:
    return [o["Key"] for o in client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_first_ready_photo_becomes_the_cover_and_later_ones_do_not(uploads):
    first = uploads.upload(photo(1600, 1200))
    second = uploads.upload(photo(1600, 1200, colour=(200, 30, 30)))

    cover = Listing.get(*Listing.key(uploads.listing.listing_id)).cover
    assert second.state == "ready"
    assert cover.media_id == first.media_id
    assert cover.variants.as_dict() == {v.name: {"key": v.key, "width": v.width, "height": v.height,
                                                 "format": v.format} for v in first.variants
                                        if v.name.startswith(("w400_", "w1024_"))}
    assert sorted(cover.variants.as_dict()) == ["w1024_jpeg", "w1024_webp", "w400_jpeg", "w400_webp"]
    assert [e["media_id"] for e in outbox("MediaProcessed")] == [first.media_id, second.media_id]


def test_render_never_upscales_and_keeps_at_least_one_variant():
    data = photo(700, 500, fmt="PNG")

    rendered = render(data, KINDS["floor_plan"], max_pixels=10_000_000)

    assert [(o.name, o.width, o.height) for o in rendered.outputs] == [("w700_webp", 700, 500), ("w700_png", 700, 500)]


def psnr(image: Image.Image, reference: Image.Image) -> float:
    mean_square = sum(rms * rms for rms in ImageStat.Stat(ImageChops.difference(image, reference)).rms)
    return 10 * math.log10(255 * 255 / (mean_square / len(reference.getbands())))


def fine_detail_jpeg(width: int, height: int) -> bytes:
    """Grey detail a few pixels across and thin diagonal lines: what a soft reduction blurs."""
    image = Image.effect_noise((width // 4, height // 4), 60).resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 97):
        draw.line((x, 0, x + 300, height), fill=245, width=2)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize("width, height", [(8000, 2000), (6000, 1500)])  # decoded at 3/8 and at 4/8 scale
def test_a_large_jpeg_is_reduced_as_faithfully_as_from_its_full_decode(width, height):
    # Given a large JPEG with fine detail (line art, so the variants are lossless and show the resizing alone)
    data = fine_detail_jpeg(width, height)

    rendered = render(data, KINDS["floor_plan"], max_pixels=100_000_000)

    # Then its 2048 px variant is as close to the full decode reduced straight to 2048 px (Lanczos) as
    # decoding at half size and reducing with Lanczos is (what libvips' shrink-on-load does); a bicubic
    # step after the reduced decode was ~10 dB further away
    largest = next(o for o in rendered.outputs if o.name == "w2048_png")
    ours = Image.open(io.BytesIO(largest.data)).convert("L")
    full = Image.open(io.BytesIO(data))
    ideal = full.resize(ours.size, Image.Resampling.LANCZOS)
    half = Image.open(io.BytesIO(data))
    half.draft(None, (width // 2, height // 2))
    shrink_on_load = half.resize(ours.size, Image.Resampling.LANCZOS)
    assert half.size == (width // 2, height // 2)
    assert psnr(ours, ideal) >= psnr(shrink_on_load, ideal) - 0.5


def test_a_16_bit_grey_png_keeps_the_high_byte_of_each_sample():
    # Given a 16-bit grey PNG ramp (no resizing: 700 px wide, a floor plan keeps it as is)
    samples = [(x * 93) % 65536 for x in range(700)]
    image = Image.new("I;16", (700, 500))
    image.putdata(samples * 500)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    rendered = render(buffer.getvalue(), KINDS["floor_plan"], max_pixels=10_000_000)

    # Then the lossless variant holds each sample's top 8 bits
    png = Image.open(io.BytesIO(rendered.outputs[1].data)).convert("L")
    assert rendered.outputs[1].name == "w700_png"
    assert [png.getpixel((x, 250)) for x in range(700)] == [sample >> 8 for sample in samples]


RENDER_PEAK = """
import sys
from marketplace.media_kinds import KINDS
from media_pipeline.imaging import render
data = open(sys.argv[1], "rb").read()
rendered = render(data, KINDS["photo"], max_pixels=100_000_000)
high_water = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(rendered.outputs[0].name, int(high_water.split()[1]) // 1024)
"""


def test_a_100_mp_16_bit_png_renders_in_bounded_memory(tmp_path):
    # Given a 100 MP 16-bit grey PNG that compresses to almost nothing (decoded through 32-bit integers
    # it peaked near 1 GB)
    image = Image.new("I;16", (10_000, 10_000), 30_000)
    image.paste(50_000, (1000, 1000, 4000, 3000))
    path = tmp_path / "grey16.png"
    image.save(path, "PNG")
    del image

    # When a fresh process renders it
    done = subprocess.run([sys.executable, "-c", RENDER_PEAK, str(path)], capture_output=True, text=True, check=True)

    # Then every variant is made and the process's peak memory stays far below the images function's
    name, peak_mb = done.stdout.split()
    assert name == "w2048_webp"
    assert int(peak_mb) < 400
