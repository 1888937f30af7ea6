"""The video steps: prepare (probe, and the MediaConvert job in AWS), transcode (in AWS a Step Functions
``.sync`` MediaConvert task; this module's ``transcode`` is its local stand-in with ffmpeg) and outputs
(what was written, as variants). Without MediaConvert or ffmpeg, videos fail "transcoder unavailable"."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from marketplace.aws import client
from marketplace.services.media import variants_prefix
from media_pipeline import storage, video
from media_pipeline.config import media_settings
from media_pipeline.errors import Rejected
from media_pipeline.handlers.base import step_handler
from media_pipeline.steps import step

_TIMEOUT = step("transcode").timeout_seconds - 30  # leave time to upload and answer
_PROBE_TIMEOUT = step("video_prepare").timeout_seconds - 30
CACHE_CONTROL = "public, max-age=31536000, immutable"  # keys carry the upload: never rewritten
_CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg"}
DEFAULT_SOURCE = video.Probe(width=1920, height=1080, duration=0.0, has_audio=True)


def _prefix(state: dict) -> str:
    return variants_prefix(state["listing_id"], state["media_id"], state["upload_id"])


def _probe(state: dict, ffprobe: str) -> video.Probe:
    with tempfile.TemporaryDirectory(prefix="probe-") as folder:
        source = os.path.join(folder, "source")
        storage.download(state["bucket"], state["key"], state["version_id"], source)
        return video.probe(ffprobe, source, timeout=_PROBE_TIMEOUT)


@step_handler
def prepare(state: dict) -> dict:
    """video_prepare: the source's size (ffprobe; in AWS without the ffprobe layer, 1080p is assumed:
    the ladder stays valid and MediaConvert scales from whatever it reads) and, in AWS, the MediaConvert
    job the transcode step submits."""
    cfg = media_settings()
    if not cfg.mediaconvert_role_arn and not (cfg.ffmpeg and cfg.ffprobe):
        raise Rejected(video.TRANSCODER_UNAVAILABLE)
    info = _probe(state, cfg.ffprobe) if cfg.ffprobe else DEFAULT_SOURCE
    additions: dict = {"probe": asdict(info)}
    if cfg.mediaconvert_role_arn:
        additions["job"] = video.mediaconvert_job(
            input_uri=f"s3://{state['bucket']}/{state['key']}",
            destination_uri=f"s3://{state['destination']}/{_prefix(state)}", role_arn=cfg.mediaconvert_role_arn,
            queue_arn=cfg.mediaconvert_queue_arn, width=info.width, height=info.height,
            tags={"listing_id": state["listing_id"], "media_id": state["media_id"], "upload_id": state["upload_id"]})
    return additions


@step_handler
def transcode(state: dict) -> dict:
    """transcode, locally: ffmpeg makes what the MediaConvert job makes in AWS, under the same names."""
    cfg = media_settings()
    if not (cfg.ffmpeg and cfg.ffprobe):
        raise Rejected(video.TRANSCODER_UNAVAILABLE)
    info = video.Probe(**state["probe"])
    with tempfile.TemporaryDirectory(prefix="video-") as folder:
        source = os.path.join(folder, "source")
        out = Path(folder, "out")
        out.mkdir()
        storage.download(state["bucket"], state["key"], state["version_id"], source)
        video.transcode_ffmpeg(cfg.ffmpeg, source, str(out), info, timeout=_TIMEOUT)
        for path in sorted(out.iterdir()):
            storage.upload_file(state["destination"], _prefix(state) + path.name, str(path),
                                content_type=_CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                                cache_control=CACHE_CONTROL)
    return {"transcoded": {"job_id": None, "status": "COMPLETE"}}


@step_handler
def outputs(state: dict) -> dict:
    """video_outputs: what the transcode wrote, as variants (the same in AWS and locally)."""
    info = video.Probe(**state["probe"])
    prefix, bucket = _prefix(state), state["destination"]
    with storage.transient_errors():
        pages = client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        sizes = {o["Key"][len(prefix):]: o["Size"] for page in pages for o in page.get("Contents", [])}
    if video.MASTER not in sizes:
        raise Rejected(video.UNREADABLE)
    ladder = video.renditions(info.width, info.height)
    top = ladder[0]
    variants = [{"name": "hls", "key": prefix + video.MASTER, "bucket": bucket, "width": top.width,
                 "height": top.height, "size": sizes.get(video.MASTER, 0), "format": "hls"}]
    for r in ladder:
        part = f"master_{r.name}"
        size = sum(s for name, s in sizes.items() if name.startswith(part))
        variants.append({"name": f"hls_{r.name}", "key": prefix + r.playlist, "bucket": bucket, "width": r.width,
                         "height": r.height, "size": size, "format": "hls"})
    pw, ph = video.poster_size(info.width, info.height)
    variants.append({"name": "poster_jpeg", "key": prefix + video.POSTER, "bucket": bucket, "width": pw,
                     "height": ph, "size": sizes.get(video.POSTER, 0), "format": "jpeg"})
    return {"variants": variants, "width": info.width, "height": info.height,
            "duration_seconds": info.duration or None}
