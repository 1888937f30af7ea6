"""The real type of an upload, from its bytes (never its name or declared type), and the checks that
catch files pretending to be something else: markup, scripts, archives and polyglots."""

from __future__ import annotations

import re
import struct

HEAD = 4096  # enough of the start of a file to know what it is
TAIL = 65_557  # a ZIP's end-of-central-directory record lies within this many bytes of the end

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"II*\x00", 0, "tiff"),
    (b"MM\x00*", 0, "tiff"),
    (b"BM", 0, "bmp"),
    (b"%PDF-", 0, "pdf"),
    (b"PK\x03\x04", 0, "zip"),
    (b"PK\x05\x06", 0, "zip"),
    (b"Rar!\x1a\x07", 0, "rar"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"\x1aE\xdf\xa3", 0, "matroska"),
    (b"\x7fELF", 0, "executable"),
    (b"MZ", 0, "executable"),
)
_QUICKTIME_BRANDS = {b"qt  "}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif"}
_MARKUP = re.compile(rb"<\s*(script|html|svg|\?php|iframe|object|embed)\b|<!doctype\s+html|javascript:",
                     re.IGNORECASE)
ARCHIVES = frozenset({"zip", "rar", "7z", "gzip"})

DESCRIPTIONS = {
    "jpeg": "a JPEG image", "png": "a PNG image", "webp": "a WebP image", "gif": "a GIF image",
    "tiff": "a TIFF image", "bmp": "a BMP image", "heif": "a HEIC/AVIF image", "pdf": "a PDF document",
    "zip": "a ZIP archive", "rar": "a RAR archive", "7z": "a 7-Zip archive", "gzip": "a gzip archive",
    "matroska": "a WebM/MKV video", "executable": "a program", "mp4": "an MP4 video",
    "quicktime": "a QuickTime video", "svg": "an SVG drawing", "html": "an HTML document",
    "xml": "an XML document", "text": "text", "empty": "empty", "unknown": "of an unknown type",
}


def describe(kind: str) -> str:
    return DESCRIPTIONS.get(kind, kind)


def sniff(head: bytes) -> str:
    """What the first bytes say the file is (one of ``DESCRIPTIONS``)."""
    if not head:
        return "empty"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "heif"
        return "quicktime" if brand in _QUICKTIME_BRANDS else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # older QuickTime files start with an atom
        return "quicktime"
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf\xfe\xff \t\r\n").lower()
    if text.startswith(b"<"):
        if b"<svg" in text:
            return "svg"
        if b"<html" in text or b"<!doctype html" in text or b"<script" in text or b"<body" in text:
            return "html"
        return "svg" if b"<svg" in head.lower() else "xml"
    sample = head[:1024]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    if printable >= 0.95 * len(sample):
        return "text"
    try:
        sample.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown"


def has_zip_directory(tail: bytes) -> bool:
    """True if the bytes end with a ZIP end-of-central-directory record, which is what makes a file
    open as an archive whatever comes before it (a JPEG+ZIP polyglot)."""
    position = tail.rfind(b"PK\x05\x06")
    while position >= 0:
        if position + 22 <= len(tail):
            comment_length = struct.unpack_from("<H", tail, position + 20)[0]
            if position + 22 + comment_length == len(tail):
                return True
        position = tail.rfind(b"PK\x05\x06", 0, position)
    return False


def embedded_markup(data: bytes) -> str | None:
    """The first markup or script token anywhere in the bytes (HTML/SVG/PHP hidden in an image)."""
    match = _MARKUP.search(data)
    return match.group(0).decode("latin-1").strip() if match else None
