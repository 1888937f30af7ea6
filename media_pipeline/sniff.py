"""The real type of an upload, from its bytes (never its name or declared type), and the checks that
catch files pretending to be something else: markup, scripts, archives and polyglots."""

from __future__ import annotations

import re
import struct
import zlib

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


def embedded_markup(data: bytes, fmt: str | None = None) -> str | None:
    """The first markup or script token where a format lets text hide: before the image starts, in its
    metadata and comment segments (JPEG APPn/COM, PNG text and private chunks, WebP XMP/EXIF and unknown
    chunks) and after its end (JPEG EOI, PNG IEND, RIFF size). Compressed image data is never searched:
    it is random-looking bytes in which ``<svg`` turns up by chance (about one 10 MB photo in 70), and
    the variants are re-encoded from the decoded pixels anyway. A format without a walker here (or a file
    whose structure does not parse) is searched whole."""
    walker = _TEXT_REGIONS.get(fmt or "")
    regions = walker(data) if walker else [data]
    for region in regions:
        match = _MARKUP.search(region)
        if match:
            return match.group(0).decode("latin-1").strip()
    return None


# Markers without a length: SOI, EOI, TEM and the restart markers inside entropy-coded data.
_JPEG_STANDALONE = frozenset({0xD8, 0xD9, 0x01, *range(0xD0, 0xD8)})
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9
# The end of entropy-coded data: 0xFF (after any fill bytes) followed by neither a stuffed zero nor
# a restart marker.
_JPEG_SCAN_END = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")


def _jpeg_regions(data: bytes) -> list[bytes]:
    """Every marker segment's payload (APPn, COM and the tables), any stray bytes between segments, and
    whatever follows EOI. A trailer that is itself a JPEG (the MPF previews cameras append) is walked
    the same way."""
    regions: list[bytes] = []
    position = 2
    while position < len(data):
        if data[position] != 0xFF:  # stray bytes where a marker must be: decoders skip them, we read them
            following = data.find(b"\xff", position)
            following = len(data) if following < 0 else following
            regions.append(data[position:following])
            position = following
            continue
        while position + 1 < len(data) and data[position + 1] == 0xFF:  # fill bytes before a marker
            position += 1
        if position + 1 >= len(data):
            break
        marker = data[position + 1]
        position += 2
        if marker == _JPEG_EOI:
            if data[position:position + 3] != b"\xff\xd8\xff":
                regions.append(data[position:])
                break
            position += 2  # another image follows: walk it too
            continue
        if marker in _JPEG_STANDALONE:
            continue
        length = int.from_bytes(data[position:position + 2], "big")
        regions.append(data[position + 2:position + length])
        position += max(length, 2)
        if marker == _JPEG_SOS:  # entropy-coded data up to the next real marker
            end = _JPEG_SCAN_END.search(data, position)
            position = end.start() if end else len(data)
    return regions


_PNG_IMAGE_DATA = frozenset({b"IDAT", b"fdAT"})
_PNG_COMPRESSED_TEXT = {b"zTXt", b"iTXt"}


def _png_regions(data: bytes) -> list[bytes]:
    """Every chunk but the compressed image data (text chunks decompressed), and whatever follows IEND."""
    regions: list[bytes] = []
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind in _PNG_IMAGE_DATA:
            continue
        regions.append(body)
        if kind in _PNG_COMPRESSED_TEXT:
            regions.append(_png_text(kind, body))
        if kind == b"IEND":
            regions.append(data[position:])
            return regions
    regions.append(data[position:])
    return regions


def _png_text(kind: bytes, body: bytes) -> bytes:
    """The text of a compressed zTXt/iTXt chunk, inflated to at most 1 MB (a text bomb stays a bomb)."""
    keyword_end = body.find(b"\x00")
    if keyword_end < 0:
        return b""
    if kind == b"zTXt":
        compressed = body[keyword_end + 2:]
    elif body[keyword_end + 1:keyword_end + 2] == b"\x01":  # iTXt with its compression flag set
        rest = body[keyword_end + 3:]
        language_end = rest.find(b"\x00")
        translated_end = rest.find(b"\x00", language_end + 1)
        compressed = rest[translated_end + 1:] if language_end >= 0 and translated_end >= 0 else b""
    else:
        return b""
    try:
        return zlib.decompressobj().decompress(compressed, 1 << 20)
    except zlib.error:
        return compressed


_WEBP_IMAGE_DATA = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANMF"})


def _riff_regions(data: bytes) -> list[bytes]:
    """Every RIFF chunk but the compressed image data (XMP, EXIF, ICC, unknown chunks), and whatever
    follows the size the RIFF header declares."""
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    regions: list[bytes] = [data[end:]]
    position = 12
    while position + 8 <= end:
        kind = data[position:position + 4]
        length = int.from_bytes(data[position + 4:position + 8], "little")
        if kind not in _WEBP_IMAGE_DATA:
            regions.append(data[position + 8:position + 8 + length])
        position += 8 + length + (length & 1)  # chunks are padded to an even size
    regions.append(data[position:end])
    return regions


_TEXT_REGIONS = {"jpeg": _jpeg_regions, "png": _png_regions, "webp": _riff_regions}
