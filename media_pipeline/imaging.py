"""Pure image functions: what the validate and images steps (and the benchmark) run on bytes.

Speed comes from decoding a JPEG once at a reduced size (DCT scaling by 1/8 to 4/8 inside the decoder)
that still leaves a real Lanczos step down to the largest variant, doing colour and orientation work on
that reduced image, and deriving each smaller variant from the previous one. Nothing here talks to AWS.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageCms, UnidentifiedImageError

from marketplace.media_kinds import ASPECT_TOLERANCE, KindRules
from media_pipeline.errors import Rejected

JPEG_QUALITY = 82
WEBP_QUALITY = 80
# libwebp's effort for photos: 1 costs half of the default 4's encoding time for 0.0008 less SSIM at 2048 px
# and 0.8 % more bytes on a camera photo (bench/RESULTS.md, "Media pipeline"); 2 and 3 lose more or save nothing.
WEBP_METHOD = 1
WEBP_LOSSLESS_METHOD = 4  # floor plans: a lossless file's size depends on the effort far more
PNG_COMPRESS_LEVEL = 6
JPEG_FALLBACK_MAX_EDGE = 1024
PLACEHOLDER_EDGE = 32
RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 3.0
# DCT scaling keeps each 8x8 block's lowest frequencies: sharp, but its block structure shows when the
# decoded image is used nearly as is. Leaving at least this much for the Lanczos step keeps the largest
# variant as faithful as libvips' shrink-on-load (SSIM measured in bench/bench_media.py): a 6000x4000
# photo decoded at 3/8 (2250 px, 1.1x left to 2048) loses 0.007 SSIM against 4/8 (3000 px, 1.46x left).
MIN_FINAL_REDUCTION = 1.4
# libjpeg-turbo scales by M/8, choosing the smallest M with M/8 >= 1/denominator: these denominators reach
# 1/8, 2/8, 3/8 and 4/8 (Pillow's own draft() only offers the powers of two).
_DCT_DENOMINATORS = {1: 8, 2: 4, 3: 3, 4: 2}

_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "TIFF": "tiff", "BMP": "bmp"}
_SRGB = ImageCms.createProfile("sRGB")
_DAMAGED = "the image is damaged or incomplete and cannot be read; export it again and re-upload"

# The pipeline enforces its own, configurable pixel limit before decoding (``inspect``); Pillow's
# built-in guard would only warn below twice its default, so it is switched off in favour of ours.
Image.MAX_IMAGE_PIXELS = None


@dataclass(frozen=True)
class ImageInfo:
    format: str  # jpeg | png | webp | ...
    width: int  # as displayed (after EXIF orientation)
    height: int
    mode: str
    orientation: int


@dataclass(frozen=True)
class Output:
    name: str  # e.g. w1024_webp
    format: str  # webp | jpeg | png
    width: int
    height: int
    data: bytes

    @property
    def extension(self) -> str:
        return {"jpeg": "jpg"}.get(self.format, self.format)

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"


@dataclass(frozen=True)
class Rendered:
    width: int
    height: int
    outputs: list[Output]
    placeholder: str
    dominant_color: str
    perceptual_hash: str


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a malformed EXIF block only loses the orientation
        return 1
    return value if value in _TRANSPOSE else 1


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise Rejected(_DAMAGED) from error


def inspect(data: bytes, rules: KindRules, *, max_pixels: int) -> ImageInfo:
    """Read only the header: format, pixel count, animation, minimum edge, aspect. No decoding."""
    image = _open(data)
    with image:
        fmt = _FORMATS.get(image.format or "", (image.format or "unknown").lower())
        width, height = image.size
        if width <= 0 or height <= 0:
            raise Rejected(_DAMAGED)
        pixels = width * height
        if pixels > max_pixels:
            raise Rejected(f"the image is {width}x{height} pixels ({pixels / 1e6:.0f} MP); the limit is "
                           f"{max_pixels / 1e6:.0f} MP")
        if getattr(image, "is_animated", False) or getattr(image, "n_frames", 1) > 1:
            raise Rejected("animated images are not accepted; upload a still photo")
        orientation = _orientation(image)
        mode = image.mode
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    long_edge = max(width, height)
    if long_edge < rules.min_long_edge:
        raise Rejected(f"the image is {width}x{height} pixels; a {rules.label} needs at least "
                       f"{rules.min_long_edge} pixels on its long edge")
    if rules.aspect and abs(width / height - rules.aspect) > rules.aspect * ASPECT_TOLERANCE:
        raise Rejected(f"a 360° panorama must be 2:1 (equirectangular); this one is {width}x{height}")
    return ImageInfo(format=fmt, width=width, height=height, mode=mode, orientation=orientation)


def variant_sizes(rules: KindRules, width: int, height: int) -> list[tuple[str, int, int]]:
    """(label, width, height) of each variant, largest first, never upscaled; at least one."""
    long_edge = max(width, height)
    edges = sorted({e for e in rules.widths if e <= long_edge}, reverse=True) or [long_edge]
    sizes = []
    if rules.viewer_width and min(rules.viewer_width, width) > edges[0]:
        viewer = min(rules.viewer_width, width)
        sizes.append(("viewer", viewer, round(viewer / rules.aspect)))
    for edge in edges:
        if rules.aspect:  # keep the exact ratio (2:1): viewers map it onto a sphere
            w = edge
            h = round(w / rules.aspect)
        elif width >= height:
            w, h = edge, max(1, round(height * edge / width))
        else:
            w, h = max(1, round(width * edge / height)), edge
        sizes.append((f"w{edge}", w, h))
    return sizes


def variant_formats(rules: KindRules, width: int, height: int) -> tuple[str, ...]:
    """The formats written at one size: WebP everywhere; a progressive JPEG fallback up to
    JPEG_FALLBACK_MAX_EDGE (what cards, e-mails, link previews and browsers without WebP get; reasoning
    in bench/RESULTS.md); line art as lossless WebP and PNG at every size."""
    if rules.lossless:
        return ("webp", "png")
    return ("webp", "jpeg") if max(width, height) <= JPEG_FALLBACK_MAX_EDGE else ("webp",)


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Bring any mode to one the resizer and colour management handle: RGB, RGBA, CMYK or L."""
    if image.mode in ("RGB", "RGBA", "CMYK", "L"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit: keep the top 8 bits (web formats are 8-bit).
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "F":
        return image.convert("L")
    if image.mode in ("LA", "PA", "La", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _dct_eighths(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The smallest M (of 1-4) for which an M/8 DCT-scaled decode still leaves MIN_FINAL_REDUCTION to go
    down to target; 8 (full decode) when none does."""
    for eighths in _DCT_DENOMINATORS:
        if all(-(-edge * eighths // 8) >= goal * MIN_FINAL_REDUCTION for edge, goal in zip(size, target)):
            return eighths
    return 8


def _draft_jpeg(image: Image.Image, target: tuple[int, int]) -> None:
    """Make the JPEG decoder scale by M/8 while decoding (libjpeg-turbo's scaled IDCT): Pillow's draft()
    sets it up for the powers of two; 3/8 takes the same route with libjpeg's denominator 3."""
    eighths = _dct_eighths(image.size, target)
    if eighths == 8:
        return
    width, height = (-(-edge * eighths // 8) for edge in image.size)  # libjpeg's rounding: up
    image.draft(None, (width, height))
    if image.size != (width, height):  # 3/8: draft() chose 4/8; decode at 3/8 instead
        tile = image.tile[0]
        image.tile = [tile._replace(extents=(0, 0, width, height))]
        image.decoderconfig = (_DCT_DENOMINATORS[eighths], 0)
        image._size = (width, height)


def _draft_png(image: Image.Image) -> None:
    """A 16-bit grey PNG decodes straight to 8 bits (each sample's high byte, as _normalise_mode keeps):
    1 byte a pixel instead of 2, and no 4-byte integer copies (a 100 MP file peaked near 1 GB)."""
    tile = image.tile[0] if len(image.tile) == 1 else None
    if image.mode == "I;16" and tile and tile.args == "I;16B" and "transparency" not in image.info:
        image.tile = [tile._replace(args="L;16B")]
        image._mode = "L"


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """sRGB with no alpha (transparent areas on white: listing pages are white)."""
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            is_srgb = "srgb" in (ImageCms.getProfileDescription(profile) or "").lower()
            if not is_srgb or image.mode == "CMYK":
                mode = "RGBA" if image.mode == "RGBA" else "RGB"
                image = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: treat the pixels as sRGB, as browsers do
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image, fmt: str, *, lossless: bool) -> bytes:
    buffer = io.BytesIO()
    image.info = {}  # metadata never travels: no EXIF, GPS, XMP, comments or profiles
    if fmt == "webp":
        options = {"lossless": True, "quality": 80, "method": WEBP_LOSSLESS_METHOD} if lossless else \
            {"quality": WEBP_QUALITY, "method": WEBP_METHOD}
        image.save(buffer, "WEBP", exif=b"", icc_profile=None, **options)
    elif fmt == "jpeg":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True, subsampling="4:2:0")
    else:
        image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def placeholder_and_colour(image: Image.Image) -> tuple[str, str]:
    """A blurhash to paint while the photo loads, and its dominant colour as #rrggbb."""
    small = image.copy()
    small.thumbnail((PLACEHOLDER_EDGE, PLACEHOLDER_EDGE), Image.Resampling.BILINEAR)
    x, y = (4, 3) if small.width >= small.height else (3, 4)
    code = blurhash.encode(small.copy(), x_components=x, y_components=y)  # encode() closes what it gets
    palette = small.quantize(colors=5, method=Image.Quantize.MEDIANCUT)
    _count, index = max(palette.getcolors())
    r, g, b = palette.getpalette()[index * 3:index * 3 + 3]
    return code, f"#{r:02x}{g:02x}{b:02x}"


HASH_EDGE = 8  # an 8x8 grid of brightness steps: 64 bits


def perceptual_hash(image: Image.Image) -> str:
    """The picture's difference hash (dHash), 64 bits as 16 hex digits: each bit says whether a cell of a
    9x8 greyscale thumbnail is brighter than its right neighbour. It survives resizing, recompression,
    small crops and colour changes, so the same photo uploaded by two brokers lands a few bits apart
    (``marketplace.duplicates`` compares them). Pillow alone: imagehash would bring numpy, SciPy and
    PyWavelets (~150 MB) into the images function for this one computation."""
    grey = image.convert("L").resize((HASH_EDGE + 1, HASH_EDGE), Image.Resampling.LANCZOS).tobytes()
    bits = 0
    for row in range(HASH_EDGE):
        line = grey[row * (HASH_EDGE + 1):(row + 1) * (HASH_EDGE + 1)]
        for left, right in itertools.pairwise(line):
            bits = (bits << 1) | (left > right)
    return f"{bits:0{HASH_EDGE * HASH_EDGE // 4}x}"


def render(data: bytes, rules: KindRules, *, max_pixels: int) -> Rendered:
    """Every variant of an image upload, its placeholder and dominant colour."""
    info = inspect(data, rules, max_pixels=max_pixels)
    sizes = variant_sizes(rules, info.width, info.height)
    rotated = info.orientation in (5, 6, 7, 8)
    image = _open(data)
    try:
        label, largest_w, largest_h = sizes[0]
        stored = (largest_h, largest_w) if rotated else (largest_w, largest_h)  # as the pixels lie
        if image.format == "JPEG":
            _draft_jpeg(image, stored)
        elif image.format == "PNG":
            _draft_png(image)
        icc = image.info.get("icc_profile")
        image.load()
        image = _normalise_mode(image)
        if image.size != stored:
            image = image.resize(stored, RESAMPLE, reducing_gap=REDUCING_GAP)
        image = _to_srgb(image, icc)
        if info.orientation in _TRANSPOSE:
            image = image.transpose(_TRANSPOSE[info.orientation])
    except Rejected:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise Rejected(_DAMAGED) from error
    outputs: list[Output] = []
    current = image
    for label, w, h in sizes:
        if current.size != (w, h):
            current = current.resize((w, h), RESAMPLE, reducing_gap=REDUCING_GAP)
        for fmt in variant_formats(rules, w, h):
            outputs.append(Output(f"{label}_{fmt}", fmt, w, h, _encode(current, fmt, lossless=rules.lossless)))
    code, colour = placeholder_and_colour(current)
    return Rendered(width=info.width, height=info.height, outputs=outputs, placeholder=code,
                    dominant_color=colour, perceptual_hash=perceptual_hash(current))

