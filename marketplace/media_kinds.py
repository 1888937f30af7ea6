"""Media kinds and states, and what each kind accepts and produces: the one place the upload slot (size
cap and content types of the presigned POST), the pipeline (enforcing them again, and rendering; which
steps run for which kinds), the photo count and cover rules, the premium rule, the API's schema and the
back office read them from.

Import-light (no Pillow): the domain, the back office and the pipeline all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marketplace.wording import word_list

MB = 1024 * 1024


class MediaKind(StrEnum):
    PHOTO = "photo"
    DRONE = "drone"
    PANORAMA = "panorama"
    FLOOR_PLAN = "floor_plan"
    VIDEO = "video"


class MediaState(StrEnum):
    """The state of a media item's newest upload."""

    AWAITING_UPLOAD = "awaiting_upload"  # a slot was handed out; no file yet
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


# Still on its way (a file to arrive, or processing to finish) and so under a deadline the sweep keeps.
IN_FLIGHT = frozenset({MediaState.AWAITING_UPLOAD, MediaState.PROCESSING})


@dataclass(frozen=True)
class KindRules:
    name: MediaKind
    content_types: tuple[str, ...]  # what a browser may declare for the slot
    formats: frozenset[str]  # what the bytes must really be (media_pipeline.sniff names)
    max_bytes: int
    widths: tuple[int, ...] = ()  # variant long edges, largest last
    min_long_edge: int = 0
    lossless: bool = False  # line art: lossless WebP + PNG instead of WebP + progressive JPEG
    aspect: float | None = None  # panoramas: width / height, kept exactly in every variant
    viewer_width: int | None = None  # panoramas: the 360° viewer's texture size
    photo: bool = False  # counts as a photo of the property: the submission minimum, the cover, cards
    premium: bool = False  # premium on a premium listing (``is_premium_media``)

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    @property
    def accepted(self) -> str:
        """The file types a slot takes, as people name them: "a JPEG, PNG or WebP image"."""
        names = word_list((TYPE_NAMES[t] for t in self.content_types), last="or")
        return f"{'an' if names[0] in 'AEIMO' else 'a'} {names} {'video' if self.is_video else 'image'}"

    @property
    def is_video(self) -> bool:
        return self.name == MediaKind.VIDEO


# What people call the file types a browser declares.
TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "video/mp4": "MP4",
              "video/quicktime": "QuickTime"}
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
_IMAGE_FORMATS = frozenset({"jpeg", "png", "webp"})

KINDS: dict[str, KindRules] = {rules.name: rules for rules in (
    KindRules(MediaKind.PHOTO, _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=40 * MB, widths=(400, 1024, 2048),
              min_long_edge=1024, photo=True),
    # Drone shots are the hero images of a luxury listing: one more size for large screens.
    KindRules(MediaKind.DRONE, _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=60 * MB, widths=(400, 1024, 2048, 3840),
              min_long_edge=1024, photo=True, premium=True),
    # 4096x2048 is the largest equirectangular texture mobile viewers handle reliably.
    KindRules(MediaKind.PANORAMA, _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=60 * MB, widths=(1024, 2048),
              min_long_edge=2048, aspect=2.0, viewer_width=4096, premium=True),
    KindRules(MediaKind.FLOOR_PLAN, _IMAGE_TYPES, _IMAGE_FORMATS, max_bytes=20 * MB, widths=(1024, 2048),
              min_long_edge=600, lossless=True, premium=True),
    KindRules(MediaKind.VIDEO, ("video/mp4", "video/quicktime"), frozenset({"mp4", "quicktime"}),
              max_bytes=1024 * MB, premium=True),
)}
assert set(KINDS) == set(MediaKind), "every kind has its rules"

ASPECT_TOLERANCE = 0.01  # panoramas: 2:1 within 1 %

# What makes a premium listing premium: its drone shots, 360° tours, videos and floor plans. Its
# ordinary photos stay public, so its card and cover show to everyone.
PREMIUM_KINDS = frozenset(kind for kind, rules in KINDS.items() if rules.premium)
# Photos of the property (ordinary and drone): counted for submission, cover candidates.
PHOTO_KINDS = frozenset(kind for kind, rules in KINDS.items() if rules.photo)
VIDEO_KINDS = frozenset(kind for kind, rules in KINDS.items() if rules.is_video)
IMAGE_KINDS = frozenset(KINDS) - VIDEO_KINDS


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
