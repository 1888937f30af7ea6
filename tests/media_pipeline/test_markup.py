"""Markup is looked for where a format lets text hide (metadata, comments, before and after the image),
never in compressed image data, where tokens such as ``<svg`` turn up by chance in large photos."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageChops

from media_pipeline import sniff
from tests.media_pipeline.helpers import photo

pytestmark = pytest.mark.timeout(180)

TOKENS = (b"<svg ", b"<script>", b"<html>", b"<iframe ", b"<!DOCTYPE html", b"javascript:", b"<?php ")


def camera_like(width: int, height: int, *, fmt: str = "JPEG", sigma: float = 40, **save) -> bytes:
    """A photo as a camera makes one: gradients under sensor noise, so the compressed data is
    random-looking and large (about 1 MB per megapixel at JPEG quality 95)."""
    bands = [ImageChops.add(gradient.resize((width, height)), Image.effect_noise((width, height), sigma), 1, -128)
             for gradient in (Image.linear_gradient("L"), Image.linear_gradient("L").rotate(90),
                              Image.radial_gradient("L"))]
    buffer = io.BytesIO()
    Image.merge("RGB", bands).save(buffer, fmt, **save)
    return buffer.getvalue()


def spell_tokens(data: bytes, start: int, end: int) -> bytes:
    """The tokens written into data[start:end], spread out. None contains 0xFF, so inside JPEG entropy
    data no marker appears; the decoder reads them as (odd-looking) image data."""
    out = bytearray(data)
    for n, token in enumerate(TOKENS):
        at = start + (end - start) * (n + 1) // (len(TOKENS) + 1)
        out[at:at + len(token)] = token
    return bytes(out)


def jpeg_scan_data(data: bytes) -> tuple[int, int]:
    """Where the last scan's entropy-coded data lies (after its SOS header, before EOI)."""
    sos = data.rindex(b"\xff\xda")
    header = int.from_bytes(data[sos + 2:sos + 4], "big")
    return sos + 2 + header, data.rindex(b"\xff\xd9")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_spelling_tokens(width: int, height: int) -> bytes:
    """A valid RGB PNG whose pixel rows, stored uncompressed (deflate's stored blocks), spell the tokens:
    the image data then holds them byte for byte, as a legitimate file may."""
    rows = bytearray()
    for y in range(height):
        line = bytes((x * 7 + y * 3) % 251 for x in range(width * 3))
        if y % 97 == 0:
            token = TOKENS[(y // 97) % len(TOKENS)]
            line = token + line[len(token):]
        rows += b"\x00" + line
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 0))
            + _png_chunk(b"IEND", b""))


def webp_spelling_tokens(width: int, height: int) -> bytes:
    data = camera_like(width, height, fmt="WEBP", quality=92)
    chunk = data.index(b"VP8 ")
    length = int.from_bytes(data[chunk + 4:chunk + 8], "little")
    return spell_tokens(data, chunk + 8 + length // 4, chunk + 8 + length - 16)


def jpeg_spelling_tokens(width: int, height: int, **save) -> bytes:
    data = camera_like(width, height, **save)
    return spell_tokens(data, *jpeg_scan_data(data))


GENUINE = {
    # (file, kind, content type, smallest size it must have)
    "12 MB progressive JPEG": (lambda: jpeg_spelling_tokens(4000, 3000, quality=96, progressive=True), "photo",
                               "image/jpeg", 10_000_000),
    "40 MB drone JPEG": (lambda: jpeg_spelling_tokens(7200, 4800, quality=98), "drone", "image/jpeg", 38_000_000),
    "12 MB PNG": (lambda: png_spelling_tokens(2300, 1800), "photo", "image/png", 12_000_000),
    "WebP": (lambda: webp_spelling_tokens(2000, 1500), "photo", "image/webp", 1_000_000),
}


@pytest.mark.parametrize("case", list(GENUINE))
def test_a_genuine_photo_whose_image_data_spells_markup_becomes_ready(uploads, case):
    # Given a camera-like photo whose compressed image data contains markup tokens, and still decodes
    make, kind, content_type, smallest = GENUINE[case]
    data = make()
    assert len(data) >= smallest and all(token in data for token in TOKENS)
    Image.open(io.BytesIO(data)).load()

    # When it is uploaded
    media = uploads.upload(data, kind=kind, content_type=content_type)

    # Then it is processed like any photo
    assert media.state == "ready", media.failure_reason


def _jpeg_with_segment(marker: bytes, body: bytes) -> bytes:
    data = photo(1200, 900)
    segment = marker + struct.pack(">H", len(body) + 2) + body
    return data[:2] + segment + data[2:]


def _jpeg_with_stray(text: bytes) -> bytes:
    """Bytes between the first segment and the next marker, which decoders skip."""
    data = photo(1200, 900)
    end = 4 + int.from_bytes(data[4:6], "big")
    return data[:end] + text + data[end:]


def _png_with(chunk: bytes, *, after_end: bytes = b"") -> bytes:
    data = photo(1200, 900, fmt="PNG")
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + chunk + data[iend:] + after_end


def _webp_with(chunk: bytes = b"", *, after_end: bytes = b"") -> bytes:
    data = photo(1200, 900, fmt="WEBP")
    body = data[12:] + chunk
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body + after_end


HOSTILE = {
    "JPEG XMP segment": (_jpeg_with_segment(b"\xff\xe1", b"http://ns.adobe.com/xap/1.0/\x00<x><script>x()</script>"),
                         "jpeg", "<script"),
    "JPEG comment": (photo(1200, 900, comment=b"<svg onload=alert(1)>"), "jpeg", "<svg"),
    "after JPEG EOI": (photo(1200, 900) + b"<html><body>hi</body></html>", "jpeg", "<html"),
    "stray bytes between JPEG segments": (_jpeg_with_stray(b"<iframe src=x>"), "jpeg", "<iframe"),
    "after an appended JPEG's EOI": (photo(1200, 900) + photo(400, 300) + b"<?php system($x); ?>", "jpeg", "<?php"),
    "PNG tEXt": (_png_with(_png_chunk(b"tEXt", b"Comment\x00<script>x()</script>")), "png", "<script"),
    "PNG zTXt, compressed": (_png_with(_png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"<svg onload=x>"))),
                             "png", "<svg"),
    "PNG iTXt, compressed": (_png_with(_png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00en\x00\x00"
                                                  + zlib.compress(b"<html>x</html>"))), "png", "<html"),
    "PNG private chunk": (_png_with(_png_chunk(b"prVt", b"<embed src=x>")), "png", "<embed"),
    "after PNG IEND": (_png_with(b"", after_end=b"<!DOCTYPE html><p>x"), "png", "<!DOCTYPE html"),
    "WebP XMP chunk": (_webp_with(b"XMP " + struct.pack("<I", 14) + b"<svg onload=x>"), "webp", "<svg"),
    "after the RIFF size": (_webp_with(after_end=b"javascript:alert(1)"), "webp", "javascript:"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_markup_where_a_format_allows_text_is_found(case):
    # Given a valid image with markup where the format lets text hide
    data, fmt, token = HOSTILE[case]
    Image.open(io.BytesIO(data)).load()

    # When its regions are searched, then the markup is found
    assert sniff.embedded_markup(data, fmt) == token


def test_markup_in_a_file_of_no_known_structure_is_found_anywhere():
    assert sniff.embedded_markup(b"\x00" * 5000 + b"<script>" + b"\x00" * 5000, "heif") == "<script"


def test_a_hostile_jpeg_still_fails_through_the_pipeline(uploads):
    # Given a JPEG with a script after its end
    data, _, _ = HOSTILE["after JPEG EOI"]

    # When it is uploaded, then it is refused, saying why
    media = uploads.upload(data)
    assert (media.state, media.failure_reason) == (
        "failed", "the file contains web page code (<html); export the image again and re-upload")
