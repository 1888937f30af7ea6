"""One outcome per upload: redelivered events and retries; video; scanning; the failure path."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from marketplace.errors import Conflict, IllegalTransition
from marketplace.selectors.media import media_get
from marketplace.services.media import media_retry
from media_pipeline.runner import handle_message
from media_pipeline.video import mediaconvert_job, renditions
from tests.media_pipeline.helpers import get_object, outbox, photo, tiny_video
from tests.shared.media import version_shown
from tests.shared.people import BROKER

pytestmark = pytest.mark.timeout(180)


def test_a_redelivered_notification_gives_the_same_keys_and_one_outcome(uploads):
    # Given a photo processed once
    slot = uploads.slot()
    uploads.post(slot, photo(1600, 1200))
    [body] = uploads.process_pending()
    first = media_get(listing_id=uploads.listing.listing_id, media_id=slot.media.media_id)

    # When the same notification arrives again (at-least-once delivery)
    handle_message(body)

    # Then nothing changed: same item version, same keys, one MediaProcessed, one MediaUploaded
    again = media_get(listing_id=uploads.listing.listing_id, media_id=slot.media.media_id)
    assert (again.state, again.version) == ("ready", first.version)
    assert [v.key for v in again.variants] == [v.key for v in first.variants]
    assert len(outbox("MediaProcessed")) == 1 and len(outbox("MediaUploaded")) == 1


def test_a_redelivered_failure_stays_one_failure(uploads):
    slot = uploads.slot()
    uploads.post(slot, b"<html>no</html>")
    [body] = uploads.process_pending()

    handle_message(body)

    assert len(outbox("MediaFailed")) == 1


def test_a_failed_upload_is_retried_from_the_kept_raw_object(uploads, monkeypatch):
    # Given a video that failed because no transcoder was available
    monkeypatch.setenv("SHIKHAR_FFMPEG", "none")
    media = uploads.upload(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000, kind="video", content_type="video/mp4")
    assert (media.state, media.failure_reason) == ("failed", ("transcoder unavailable: videos cannot be "
                                                             "processed here yet; retry later"))

    # When the broker retries it
    retried = media_retry(listing_id=uploads.listing.listing_id, media_id=media.media_id, actor=BROKER,
                          expected_version=version_shown(media))
    assert retried.state == "processing"
    uploads.process_pending()

    # Then a new version of the same raw object ran through the pipeline again, and failed again
    again = media_get(listing_id=uploads.listing.listing_id, media_id=media.media_id)
    assert again.raw_version != media.raw_version and again.state == "failed"
    assert len(outbox("MediaFailed")) == 2


def test_a_retry_from_a_stale_page_is_a_conflict_and_starts_nothing(uploads, monkeypatch):
    # Given a failed video as the broker's page showed it, retried from another page meanwhile
    monkeypatch.setenv("SHIKHAR_FFMPEG", "none")
    shown = uploads.upload(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000, kind="video", content_type="video/mp4")
    retried = media_retry(listing_id=shown.listing_id, media_id=shown.media_id, actor=BROKER,
                          expected_version=shown.version)

    # When the first page retries it too
    with pytest.raises(Conflict) as error:
        media_retry(listing_id=shown.listing_id, media_id=shown.media_id, actor=BROKER, expected_version=shown.version)

    # Then it is told to reload, and the other page's retry is the one under way
    assert error.value.field == "expected_version" and "reload" in error.value.message
    stored = media_get(listing_id=shown.listing_id, media_id=shown.media_id)
    assert (stored.upload_id, stored.version, stored.state) == (retried.upload_id, retried.version, "processing")


def test_retry_is_refused_for_media_that_did_not_fail(uploads):
    media = uploads.upload(photo(1600, 1200))

    with pytest.raises(IllegalTransition) as error:
        media_retry(listing_id=uploads.listing.listing_id, media_id=media.media_id, actor=BROKER,
                    expected_version=version_shown(media))
    assert error.value.field == "state"


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed (apt-get install -y ffmpeg)")
def test_a_video_becomes_hls_renditions_and_a_poster_with_ffmpeg(uploads, tmp_path):
    data = tiny_video(str(tmp_path / "walkthrough.mp4"))

    media = uploads.upload(data, kind="video", content_type="video/mp4", filename="walkthrough.mp4")

    assert media.state == "ready", media.failure_reason
    assert [(v.name, v.width, v.height, v.format) for v in media.variants] == [
        ("hls", 640, 360, "hls"), ("hls_360p", 640, 360, "hls"), ("poster_jpeg", 640, 360, "jpeg")]
    master = get_object(media.variants[0].bucket, media.variants[0].key).decode()
    assert "RESOLUTION=640x360" in master and "master_360p.m3u8" in master
    rendition = get_object(media.variants[1].bucket, media.variants[1].key).decode()
    assert "#EXT-X-ENDLIST" in rendition and "master_360p_00000.ts" in rendition
    poster = get_object(media.variants[2].bucket, media.variants[2].key)
    assert poster[:3] == b"\xff\xd8\xff" and b"Exif" not in poster
    assert float(media.duration_seconds) == pytest.approx(2.0, abs=0.1)
    assert b"+027.7172" not in get_object(media.variants[1].bucket,
                                          media.variants[1].key.replace(".m3u8", "_00000.ts"))


def test_without_a_transcoder_a_video_fails_saying_so(uploads, monkeypatch):
    monkeypatch.setenv("SHIKHAR_FFMPEG", "none")

    media = uploads.upload(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000, kind="video", content_type="video/mp4")

    assert media.failure_reason == "transcoder unavailable: videos cannot be processed here yet; retry later"


def test_mediaconvert_job_settings():
    job = mediaconvert_job(input_uri="s3://raw/l1/m1/original", destination_uri="s3://public/listings/l1/m1/",
                           role_arn="arn:aws:iam::123456789012:role/mc", width=3840, height=2160,
                           tags={"media_id": "m1"})

    hls, poster = job["Settings"]["OutputGroups"]
    assert job["Role"] == "arn:aws:iam::123456789012:role/mc" and job["UserMetadata"] == {"media_id": "m1"}
    assert job["Settings"]["Inputs"][0]["FileInput"] == "s3://raw/l1/m1/original"
    assert hls["OutputGroupSettings"]["HlsGroupSettings"]["Destination"] == "s3://public/listings/l1/m1/master"
    assert [(o["NameModifier"], o["VideoDescription"]["Width"], o["VideoDescription"]["Height"])
            for o in hls["Outputs"]] == [("_1080p", 1920, 1080), ("_720p", 1280, 720), ("_480p", 854, 480)]
    assert poster["OutputGroupSettings"]["FileGroupSettings"]["Destination"] == "s3://public/listings/l1/m1/poster"
    capture = poster["Outputs"][0]["VideoDescription"]
    assert (capture["Width"], capture["Height"], capture["CodecSettings"]["Codec"]) == (1280, 720, "FRAME_CAPTURE")
    assert "Queue" not in job


def test_the_rendition_ladder_never_upscales():
    assert [(r.name, r.width, r.height) for r in renditions(640, 360)] == [("360p", 640, 360)]
    assert [r.name for r in renditions(1080, 1920)] == ["1080p", "720p", "480p"]


@pytest.mark.skipif(not (shutil.which("clamscan") and shutil.which("sigtool")), reason="ClamAV is not installed")
def test_clamav_flags_a_file_matching_a_signature(uploads, tmp_path, monkeypatch):
    # Given ClamAV with a signature database holding this very file's hash (no downloads here)
    data = photo(1600, 1200, colour=(13, 13, 13))
    sample = tmp_path / "sample.jpg"
    sample.write_bytes(data)
    signature = subprocess.run(["sigtool", "--md5", str(sample)], capture_output=True, text=True, check=True).stdout
    database = tmp_path / "local.hdb"
    database.write_text(signature)
    monkeypatch.setenv("SHIKHAR_CLAMSCAN", "clamscan")
    monkeypatch.setenv("SHIKHAR_CLAMAV_DATABASE", str(database))

    # When it is uploaded, and then a clean photo
    infected = uploads.upload(data)
    clean = uploads.upload(photo(1600, 1200))

    # Then the first fails as infected and publishes nothing; the second is scanned clean
    assert (infected.state, infected.scan_status) == ("failed", "infected")
    assert infected.failure_reason == ("the malware scanner flagged this file (sample.jpg.UNOFFICIAL); "
                                       "it was not published")
    assert infected.variants == []
    assert (clean.state, clean.scan_status) == ("ready", "clean")
