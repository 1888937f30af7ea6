"""Each upload is its own object: a slot takes one file, variant keys carry the upload as their content
version, a newer upload supersedes an older one whichever execution finishes first, a failed replacement
leaves the previous version served, and the listing's photo count and cover follow the media as they are."""

from __future__ import annotations

import pytest

from marketplace.aws import client
from marketplace.config import settings
from marketplace.models import SERVED_FIELDS
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_get
from marketplace.services.media import media_delete, media_replace_upload, variants_prefix
from media_pipeline.runner import handle_message, run
from media_pipeline.steps import STEPS
from tests.media_pipeline.helpers import get_object, outbox, photo
from tests.shared.media import version_shown
from tests.shared.people import BROKER

pytestmark = pytest.mark.timeout(180)

PUBLISH = STEPS[-1]
A, B = photo(1600, 1200), photo(2000, 1000, colour=(200, 30, 30))


def stored_keys(listing_id: str, media_id: str) -> set[str]:
    """Every variant object of a media item, in either bucket."""
    cfg = settings()
    s3 = client("s3")
    return {o["Key"] for bucket in (cfg.public_bucket, cfg.premium_bucket)
            for o in s3.list_objects_v2(Bucket=bucket, Prefix=variants_prefix(listing_id, media_id))
            .get("Contents", [])}


def replace(uploads, media_id: str):
    shown = media_get(listing_id=uploads.listing.listing_id, media_id=media_id).version
    return media_replace_upload(listing_id=uploads.listing.listing_id, media_id=media_id, actor=BROKER,
                                content_type="image/jpeg", size=len(B), filename="better.jpg",
                                expected_version=shown)


def media_of(uploads, slot):
    return media_get(listing_id=uploads.listing.listing_id, media_id=slot.media.media_id)


def ready_photo(uploads):
    """A photo uploaded and processed: its slot and the media item as it ended."""
    slot = uploads.slot()
    uploads.post(slot, A)
    uploads.process_pending()
    return slot, media_of(uploads, slot)


def served(media) -> dict:
    """The item's served fields as stored."""
    return {name: value for name, value in media.serialize().items() if name in SERVED_FIELDS}


def assert_serves_only(uploads, media, data_size: tuple[int, int]):
    """The item is ready with the given picture, its variants under its own content version, no other
    version's files left, and the listing counts it once with a cover made of its variants."""
    listing = listing_get(listing_id=uploads.listing.listing_id, consistent=True)
    assert media.state == "ready", media.failure_reason
    assert (media.width, media.height) == data_size
    assert media.content_version == media.upload_id
    prefix = variants_prefix(media.listing_id, media.media_id, media.content_version)
    assert all(v.key.startswith(prefix) for v in media.variants)
    assert stored_keys(media.listing_id, media.media_id) == {v.key for v in media.variants}
    assert listing.ready_photos == 1
    assert {v["key"] for v in listing.cover.variants.as_dict().values()} <= {v.key for v in media.variants}


def test_a_slot_takes_one_file_a_second_post_to_it_is_ignored(uploads):
    # Given a slot that took a photo, which is ready
    slot, first = ready_photo(uploads)

    # When the same presigned POST is replayed with another file, before and after processing
    uploads.post(slot, B)
    uploads.process_pending()
    uploads.post(slot, B)
    uploads.post(slot, B)
    uploads.process_pending()

    # Then the first file stays the media item's, processed once, counted once
    media = media_of(uploads, slot)
    assert_serves_only(uploads, media, (1600, 1200))
    assert (media.version, media.raw_version) == (first.version, first.raw_version)
    assert len(outbox("MediaProcessed")) == 1 and len(outbox("MediaUploaded")) == 1


def test_a_replay_before_the_first_file_is_processed_is_ignored_too(uploads):
    # Given two files posted to one slot before the pipeline ran
    slot = uploads.slot()
    uploads.post(slot, A)
    uploads.post(slot, B)

    # When both notifications are processed
    uploads.process_pending()

    # Then one of them is the media item's, processed once and counted once
    media = media_of(uploads, slot)
    assert media.state == "ready" and (media.width, media.height) in ((1600, 1200), (2000, 1000))
    assert listing_get(listing_id=uploads.listing.listing_id, consistent=True).ready_photos == 1
    assert len(outbox("MediaProcessed")) == 1


def test_a_replacement_becomes_the_served_version_and_the_old_files_go(uploads):
    # Given a ready photo, the listing's cover
    slot, old = ready_photo(uploads)

    # When the broker replaces it with another file
    new_slot = replace(uploads, old.media_id)
    assert new_slot.key != slot.key
    uploads.post(new_slot, B)
    uploads.process_pending()

    # Then the new file is served under new keys, the old files are gone, the cover has the new size
    media = media_of(uploads, slot)
    assert media.upload_id == new_slot.media.upload_id != old.upload_id
    assert_serves_only(uploads, media, (2000, 1000))
    assert not {v.key for v in old.variants} & {v.key for v in media.variants}
    cover = listing_get(listing_id=uploads.listing.listing_id, consistent=True).cover
    assert cover.variants.as_dict()["w1024_webp"]["height"] == 512


@pytest.mark.parametrize("older_publishes", ["first", "last"])
def test_two_versions_in_flight_end_with_the_newer_one_whichever_finishes_first(uploads, older_publishes):
    # Given an upload A rendered but not yet published (its execution is still running)
    slot = uploads.slot()
    uploads.post(slot, A)
    [upload_a] = uploads.take_uploads()
    rendered_a = run(upload_a, steps=STEPS[:-1])
    assert rendered_a.get("variants")

    # And a replacement B posted meanwhile, rendered too
    new_slot = replace(uploads, slot.media.media_id)
    uploads.post(new_slot, B)
    [upload_b] = uploads.take_uploads()
    rendered_b = run(upload_b, steps=STEPS[:-1])

    # When both publish, the older one first or last
    order = [rendered_a, rendered_b] if older_publishes == "first" else [rendered_b, rendered_a]
    outcomes = [run(state, steps=[PUBLISH]) for state in order]

    # Then B is served, A's files are gone, and the older execution published nothing
    assert [o["published"] for o in outcomes] == ([False, True] if older_publishes == "first" else [True, False])
    assert_serves_only(uploads, media_of(uploads, slot), (2000, 1000))
    assert len(outbox("MediaProcessed")) == 1


def test_a_failed_replacement_leaves_the_previous_version_served(uploads):
    # Given a ready photo
    slot, good = ready_photo(uploads)

    # When a replacement turns out to be a web page
    new_slot = replace(uploads, good.media_id)
    uploads.post(new_slot, b"<html><script>x()</script></html>")
    uploads.process_pending()

    # Then the broker sees the replacement failed, and the previous version is still served and counted
    media = media_of(uploads, slot)
    assert (media.state, media.failure_reason) == (
        "failed", "the file is an HTML document, not a photo (a JPEG, PNG or WebP image)")
    assert media.served and media.content_version == good.upload_id
    assert [v.key for v in media.variants] == [v.key for v in good.variants]
    assert stored_keys(media.listing_id, media.media_id) == {v.key for v in good.variants}
    assert get_object(good.variants[0].bucket, good.variants[0].key)
    listing = listing_get(listing_id=uploads.listing.listing_id, consistent=True)
    assert listing.ready_photos == 1 and listing.cover.media_id == good.media_id


def test_ready_photos_is_the_count_of_served_photos_whatever_the_events(uploads):
    # Given two photos, each notification delivered twice, and one of them replaced
    slots = [uploads.slot(), uploads.slot()]
    for slot in slots:
        uploads.post(slot, A)
    bodies = uploads.process_pending()
    for body in bodies:  # at-least-once delivery
        handle_message(body)
    replacement = replace(uploads, slots[0].media.media_id)
    uploads.post(replacement, B)
    uploads.process_pending()

    # Then the listing counts two photos
    assert listing_get(listing_id=uploads.listing.listing_id, consistent=True).ready_photos == 2

    # When one is deleted, then it counts one
    media_delete(listing_id=uploads.listing.listing_id, media_id=slots[1].media.media_id, actor=BROKER,
                 expected_version=version_shown(slots[1].media))
    assert listing_get(listing_id=uploads.listing.listing_id, consistent=True).ready_photos == 1


def test_a_replacement_flagged_as_infected_leaves_the_served_scan_status(uploads, tmp_path, monkeypatch):
    # Given a ready photo, served as not scanned (no scanner configured)
    slot, good = ready_photo(uploads)
    assert good.scan_status == "not_scanned"

    # When a malware scanner is configured that flags the replacement (a clamscan stand-in: exit 1, FOUND)
    clamscan = tmp_path / "clamscan"
    clamscan.write_text('#!/bin/sh\nfor f; do :; done\necho "$f: Eicar-Signature FOUND"\nexit 1\n')
    clamscan.chmod(0o755)
    monkeypatch.setenv("SHIKHAR_CLAMSCAN", str(clamscan))
    new_slot = replace(uploads, good.media_id)
    uploads.post(new_slot, B)
    uploads.process_pending()

    # Then the replacement failed as infected, the served fields are still the good version's, and the
    # verdict is in MediaFailed
    media = media_of(uploads, slot)
    assert (media.state, media.failure_reason) == (
        "failed", "the malware scanner flagged this file (Eicar-Signature); it was not published")
    assert media.content_version == good.upload_id
    assert served(media) == served(good) and "scan_status" in served(good)
    assert [event["scan_status"] for event in outbox("MediaFailed")] == ["infected"]
