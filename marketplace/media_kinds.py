"""What each media kind accepts and produces: the one place the upload slot (size cap and content types
of the presigned POST) and the pipeline (enforcing them again, and rendering) read it from.

Import-light (no Pillow): the domain, the back office and the pipeline all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class KindRules:
    name: str
    content_types: tuple[str, ...]  # what a browser may declare for the slot
    formats: frozenset[str]  # what the bytes must really be (media_pipeline.sniff names)
    max_bytes: int
    widths: tuple[int, ...] = ()  # variant long edges, largest last
    min_long_edge: int = 0
    lossless: bool = False  # line art: lossless WebP + PNG instead of WebP + progressive JPEG
    aspect: float | None = None  # panoramas: width / height, kept exactly in every variant
    viewer_width: int | None = None  # panoramas: the 360° viewer's texture size

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    @property
    def is_video(self) -> bool:
        return self.name == "video"


_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
_IMAGE_FORMATS = frozenset({"jpeg", "png", "webp"})

KINDS: dict[str, KindRules] = {rules.name: rules for rules in (
    KindRules("photo", _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=40 * MB, widths=(400, 1024, 2048),
              min_long_edge=1024),
    # Drone shots are the hero images of a luxury listing: one more size for large screens.
    KindRules("drone", _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=60 * MB, widths=(400, 1024, 2048, 3840),
              min_long_edge=1024),
    # 4096x2048 is the largest equirectangular texture mobile viewers handle reliably.
    KindRules("panorama", _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=60 * MB, widths=(1024, 2048),
              min_long_edge=2048, aspect=2.0, viewer_width=4096),
    KindRules("floor_plan", _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=20 * MB, widths=(1024, 2048),
              min_long_edge=600, lossless=True),
    KindRules("video", ("video/mp4", "video/quicktime"), frozenset({"mp4", "quicktime"}),
              max_bytes=1024 * MB),
)}

ASPECT_TOLERANCE = 0.01  # panoramas: 2:1 within 1 %

# What makes a premium listing premium: its drone shots, 360° tours, videos and floor plans. Its
# ordinary photos stay public, so its card and cover show to everyone.
PREMIUM_KINDS = frozenset({"drone", "panorama", "video", "floor_plan"})


def is_premium_media(*, kind: str, listing_premium: bool, marked_premium: bool) -> bool:
    """The one rule for where a media object lives and who may see it: in the premium bucket, behind
    short-lived signed URLs for entitled buyers, when the broker marked it premium or it is a premium kind
    of a premium listing; otherwise in the public bucket. Read at upload (the destination), when the
    listing's premium flag changes (objects move) and when presenting (what is locked)."""
    return bool(marked_premium) or (bool(listing_premium) and kind in PREMIUM_KINDS)


def human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def raw_key_suffix(kind: str) -> str:
    """How every raw upload's key of a kind ends (``<listing>/<media>/<upload>/original.<kind>``): the AWS
    rule that starts the pipeline and the local queues (images apart from videos) match on it."""
    return f"/original.{kind}"
