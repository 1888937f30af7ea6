"""Video: HLS renditions and a poster frame. In AWS a MediaConvert job (its settings are built here, as
data); locally the same outputs with ffmpeg when it is installed; otherwise "transcoder unavailable"."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from media_pipeline.errors import Rejected

LADDER = ((1080, 5_000_000), (720, 2_800_000), (480, 1_200_000))  # (height, video bits/s)
AUDIO_BITRATE = 128_000
SEGMENT_SECONDS = 6
POSTER_HEIGHT = 720
TRANSCODER_UNAVAILABLE = "transcoder unavailable: videos cannot be processed here yet; retry later"
MASTER = "master.m3u8"
# MediaConvert names frame captures <base>.<7-digit frame number>.jpg; the local runner uses the same name.
POSTER = "poster.0000000.jpg"
UNREADABLE = "the video cannot be read; export it again as MP4 (H.264) and re-upload"


@dataclass(frozen=True)
class Rendition:
    name: str  # e.g. 720p
    width: int
    height: int
    bitrate: int

    @property
    def playlist(self) -> str:
        """MediaConvert's name for it (<master base><name modifier>.m3u8); ffmpeg writes the same."""
        return f"master_{self.name}.m3u8"


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    duration: float
    has_audio: bool


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def renditions(width: int, height: int) -> list[Rendition]:
    """The HLS ladder for a source: never upscaled, at least one rendition."""
    chosen = [(h, rate) for h, rate in LADDER if h <= height] or [(_even(height), LADDER[-1][1])]
    return [Rendition(f"{h}p", _even(width * h / height), h, rate) for h, rate in chosen]


def poster_size(width: int, height: int) -> tuple[int, int]:
    h = min(POSTER_HEIGHT, _even(height))
    return _even(width * h / height), h


def master_playlist(ladder: list[Rendition]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for r in ladder:
        lines.append(f"#EXT-X-STREAM-INF:BANDWIDTH={r.bitrate + AUDIO_BITRATE},RESOLUTION={r.width}x{r.height}")
        lines.append(r.playlist)
    return "\n".join(lines) + "\n"


# ---- local: ffmpeg ---------------------------------------------------------------------------------

def probe(ffprobe: str, path: str, *, timeout: float) -> Probe:
    try:
        done = subprocess.run([ffprobe, "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
                               path], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise Rejected(UNREADABLE) from error
    if done.returncode != 0:
        raise Rejected(UNREADABLE)
    info = json.loads(done.stdout or "{}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if not video or not video.get("width") or not video.get("height"):
        raise Rejected("the file has no video track")
    duration = float(info.get("format", {}).get("duration") or video.get("duration") or 0)
    rotation = abs(int(float(next((d.get("rotation", 0) for d in video.get("side_data_list", [])
                                   if "rotation" in d), 0))))
    width, height = int(video["width"]), int(video["height"])
    if rotation in (90, 270):  # phones record sideways and say so; ffmpeg applies it when scaling
        width, height = height, width
    return Probe(width, height, duration, any(s.get("codec_type") == "audio" for s in streams))


def _run(args: list[str], *, timeout: float) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise Rejected("the video took too long to process; upload a shorter clip") from error
    if done.returncode != 0:
        raise Rejected(UNREADABLE)


def transcode_ffmpeg(ffmpeg: str, source: str, out_dir: str, info: Probe, *, timeout: float) -> list[Rendition]:
    """Write a playlist + segments per rendition, ``master.m3u8`` and the poster into out_dir.
    Metadata (GPS of the recording, device) is dropped with ``-map_metadata -1``."""
    out = Path(out_dir)
    ladder = renditions(info.width, info.height)
    common = [ffmpeg, "-nostdin", "-y", "-v", "error", "-i", source, "-map_metadata", "-1", "-map_chapters", "-1"]
    for r in ladder:
        audio = ["-map", "0:a:0", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", "2"] if info.has_audio else []
        _run([*common, "-map", "0:v:0", *audio, "-vf", f"scale={r.width}:{r.height}", "-c:v", "libx264",
              "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p", "-b:v", str(r.bitrate),
              "-maxrate", str(int(r.bitrate * 1.2)), "-bufsize", str(r.bitrate * 2),
              "-g", "48", "-sc_threshold", "0", "-f", "hls", "-hls_time", str(SEGMENT_SECONDS),
              "-hls_playlist_type", "vod", "-hls_segment_filename", str(out / f"master_{r.name}_%05d.ts"),
              str(out / r.playlist)], timeout=timeout)
    (out / MASTER).write_text(master_playlist(ladder))
    pw, ph = poster_size(info.width, info.height)
    at = f"{min(1.0, info.duration / 2):.2f}"
    _run([ffmpeg, "-nostdin", "-y", "-v", "error", "-ss", at, "-i", source, "-map_metadata", "-1",
          "-frames:v", "1", "-vf", f"scale={pw}:{ph}", "-q:v", "3", str(out / POSTER)], timeout=timeout)
    return ladder


# ---- AWS: MediaConvert -----------------------------------------------------------------------------

def mediaconvert_job(*, input_uri: str, destination_uri: str, role_arn: str, width: int, height: int,
                     queue_arn: str | None = None, tags: dict[str, str] | None = None) -> dict:
    """CreateJob arguments: HLS renditions (H.264 QVBR + AAC) and one poster frame, named as the local
    runner names them (``master.m3u8``, ``master_<rendition>.m3u8`` and ``POSTER``)."""
    ladder = renditions(width, height)
    destination = destination_uri.rstrip("/") + "/"
    hls_outputs = [{
        "NameModifier": f"_{r.name}",
        "ContainerSettings": {"Container": "M3U8"},
        "VideoDescription": {
            "Width": r.width, "Height": r.height, "ScalingBehavior": "DEFAULT",
            "CodecSettings": {"Codec": "H_264", "H264Settings": {
                "RateControlMode": "QVBR", "MaxBitrate": r.bitrate, "QvbrSettings": {"QvbrQualityLevel": 7},
                "CodecProfile": "MAIN", "GopSize": 2, "GopSizeUnits": "SECONDS", "SceneChangeDetect": "DISABLED"}},
        },
        "AudioDescriptions": [{"CodecSettings": {"Codec": "AAC", "AacSettings": {
            "Bitrate": AUDIO_BITRATE, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000}}}],
        "OutputSettings": {"HlsSettings": {}},
        "Extension": "m3u8",
    } for r in ladder]
    pw, ph = poster_size(width, height)
    job = {
        "Role": role_arn,
        "UserMetadata": dict(tags or {}),
        "Settings": {
            "TimecodeConfig": {"Source": "ZEROBASED"},
            "Inputs": [{"FileInput": input_uri, "TimecodeSource": "ZEROBASED",
                        "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}},
                        "VideoSelector": {"Rotate": "AUTO"}}],
            "OutputGroups": [
                {"Name": "HLS", "OutputGroupSettings": {"Type": "HLS_GROUP_SETTINGS", "HlsGroupSettings": {
                    "Destination": f"{destination}master", "SegmentLength": SEGMENT_SECONDS,
                    "MinSegmentLength": 0, "SegmentControl": "SEGMENTED_FILES",
                    "ManifestDurationFormat": "INTEGER", "OutputSelection": "MANIFESTS_AND_SEGMENTS",
                    "DirectoryStructure": "SINGLE_DIRECTORY"}},
                 "Outputs": hls_outputs},
                {"Name": "Poster", "OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {
                    "Destination": f"{destination}poster"}},
                 "Outputs": [{"ContainerSettings": {"Container": "RAW"}, "Extension": "jpg",
                              "VideoDescription": {"Width": pw, "Height": ph, "CodecSettings": {
                                  "Codec": "FRAME_CAPTURE", "FrameCaptureSettings": {
                                      "FramerateNumerator": 1, "FramerateDenominator": 1, "MaxCaptures": 1,
                                      "Quality": 80}}}}]},
            ],
        },
    }
    if queue_arn:
        job["Queue"] = queue_arn
    return job
