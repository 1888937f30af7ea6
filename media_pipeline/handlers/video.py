"""video: HLS renditions and a poster frame. MediaConvert in AWS (when a MediaConvert role is configured),
ffmpeg locally when installed, otherwise the media fails with "transcoder unavailable"."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from marketplace.aws import client
from marketplace.services.media import variants_prefix
from media_pipeline import storage, video
from media_pipeline.config import media_settings
from media_pipeline.errors import Rejected
from media_pipeline.handlers.base import step_handler
from media_pipeline.steps import step

_TIMEOUT = step("video").timeout_seconds - 30  # leave time to upload and answer
CACHE_CONTROL = "public, max-age=31536000, immutable"
_CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg"}
DEFAULT_SOURCE = video.Probe(width=1920, height=1080, duration=0.0, has_audio=True)


@step_handler
def handler(state: dict) -> dict:
    cfg = media_settings()
    if cfg.mediaconvert_role_arn:
        return _mediaconvert(state, cfg)
    if not (cfg.ffmpeg and cfg.ffprobe):
        raise Rejected(video.TRANSCODER_UNAVAILABLE)
    prefix = variants_prefix(state["listing_id"], state["media_id"], state["upload_id"])
    with tempfile.TemporaryDirectory(prefix="video-") as folder:
        source = os.path.join(folder, "source")
        out = Path(folder, "out")
        out.mkdir()
        storage.download(state["bucket"], state["key"], state["version_id"], source)
        info = video.probe(cfg.ffprobe, source, timeout=60)
        ladder = video.transcode_ffmpeg(cfg.ffmpeg, source, str(out), info, timeout=_TIMEOUT)
        sizes = {}
        for path in sorted(out.iterdir()):
            storage.upload_file(state["destination"], prefix + path.name, str(path),
                                content_type=_CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                                cache_control=CACHE_CONTROL)
            sizes[path.name] = path.stat().st_size
    return _outputs(state, prefix, ladder, sizes, info)


def _outputs(state: dict, prefix: str, ladder: list[video.Rendition], sizes: dict[str, int],
             info: video.Probe) -> dict:
    bucket = state["destination"]
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


def _mediaconvert(state: dict, cfg) -> dict:
    """AWS: probe when the ffprobe layer is there (else assume 1080p: MediaConvert never upscales
    beyond its input by much harm, and the ladder stays valid), submit the job and wait for it."""
    info = DEFAULT_SOURCE
    if cfg.ffprobe:
        with tempfile.TemporaryDirectory(prefix="probe-") as folder:
            source = os.path.join(folder, "source")
            storage.download(state["bucket"], state["key"], state["version_id"], source)
            info = video.probe(cfg.ffprobe, source, timeout=60)
    prefix = variants_prefix(state["listing_id"], state["media_id"], state["upload_id"])
    job = video.mediaconvert_job(
        input_uri=f"s3://{state['bucket']}/{state['key']}", destination_uri=f"s3://{state['destination']}/{prefix}",
        role_arn=cfg.mediaconvert_role_arn, queue_arn=cfg.mediaconvert_queue_arn, width=info.width,
        height=info.height, tags={"listing_id": state["listing_id"], "media_id": state["media_id"]})
    mediaconvert = client("mediaconvert")
    with storage.transient_errors():
        job_id = mediaconvert.create_job(**job)["Job"]["Id"]
        video.wait_for_job(mediaconvert, job_id, timeout=_TIMEOUT)
        listed = client("s3").list_objects_v2(Bucket=state["destination"], Prefix=prefix)
    sizes = {o["Key"][len(prefix):]: o["Size"] for o in listed.get("Contents", [])}
    return _outputs(state, prefix, video.renditions(info.width, info.height), sizes, info)
