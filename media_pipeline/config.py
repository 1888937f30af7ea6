"""The pipeline's own settings, from the environment (read on each call: cheap, and tests can change it)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from marketplace.deployment import Env

DEFAULT_MAX_PIXELS = 100_000_000  # a 100 MP image decodes to 300 MB of RGB: beyond the images step's memory


@dataclass(frozen=True)
class MediaSettings:
    max_pixels: int  # checked from the header before any decoding
    ffmpeg: str | None  # local transcoder; None: "transcoder unavailable"
    ffprobe: str | None
    clamscan: str | None  # ClamAV's clamscan/clamdscan (a Lambda layer in AWS); None: not scanned
    clamav_database: str | None
    mediaconvert_role_arn: str | None  # set in AWS: videos go to MediaConvert
    mediaconvert_queue_arn: str | None


def _tool(variable: str, default: str) -> str | None:
    """A configured path wins (empty or "none" disables the tool); otherwise whatever is on PATH."""
    if variable in os.environ:
        value = os.environ[variable].strip()
        return shutil.which(value) if value and value.lower() != "none" else None
    return shutil.which(default)


def media_settings() -> MediaSettings:
    clamscan = os.environ.get(Env.CLAMSCAN, "").strip()  # opt-in: no signatures, no scanner
    return MediaSettings(
        max_pixels=int(os.environ.get(Env.MEDIA_MAX_PIXELS) or DEFAULT_MAX_PIXELS),
        ffmpeg=_tool(Env.FFMPEG, "ffmpeg"),
        ffprobe=_tool(Env.FFPROBE, "ffprobe"),
        clamscan=shutil.which(clamscan) if clamscan else None,
        clamav_database=os.environ.get(Env.CLAMAV_DATABASE) or None,
        mediaconvert_role_arn=os.environ.get(Env.MEDIACONVERT_ROLE_ARN) or None,
        mediaconvert_queue_arn=os.environ.get(Env.MEDIACONVERT_QUEUE_ARN) or None,
    )
