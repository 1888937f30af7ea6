"""Nothing stays stuck: timeouts and every error reach the failure step, a sweep fails media past their
deadline, brokers retry or replace them, and locally a worker that dies mid-step has its upload
redelivered and finished (visibility timeouts outlast the steps; images and videos on their own queues)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from local.provision import MEDIA_QUEUES, media_visibility_timeout
from local.workers import sqs_consumer
from marketplace import db
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import IllegalTransition
from marketplace.selectors.listings import listing_get
from marketplace.selectors.media import media_get
from marketplace.services.media import NO_UPLOAD, STUCK, UPLOAD_DEADLINE, media_fail_overdue, media_retry
from media_pipeline.events import from_notification
from media_pipeline.handlers.failure import TIMED_OUT
from media_pipeline.runner import handle_message, run
from media_pipeline.steps import (
    ALL_STEPS,
    CATCH_ALL,
    FAILURE_STEP,
    LAMBDA_STEPS,
    STEPS,
    Step,
    pipeline_seconds,
    state_machine_definition,
    step,
)
from tests.media_pipeline.helpers import outbox, photo
from tests.shared.media import version_shown
from tests.shared.people import BROKER

pytestmark = pytest.mark.timeout(180)


def slow(state: dict, context=None) -> dict:
    """A step that runs past its timeout."""
    time.sleep(3)
    return state


def media_of(uploads, slot):
    return media_get(listing_id=uploads.listing.listing_id, media_id=slot.media.media_id)


def test_every_task_catches_every_error_and_timeout_into_the_failure_step():
    definition = state_machine_definition({s.name: "ARN" for s in LAMBDA_STEPS})

    tasks = {name: state for name, state in definition["States"].items()
             if state["Type"] == "Task" and name != FAILURE_STEP.name}
    assert set(tasks) == {s.name for s in STEPS}
    for task in tasks.values():
        assert task["Catch"] == [{"ErrorEquals": [CATCH_ALL], "ResultPath": "$.error", "Next": FAILURE_STEP.name}]
        assert task["TimeoutSeconds"] > 0
    assert definition["TimeoutSeconds"] == pipeline_seconds() >= max(pipeline_seconds(k) for k in ("photo", "video"))


def test_a_step_past_its_timeout_fails_the_media_saying_so(uploads):
    # Given an upload, and a pipeline one of whose steps runs past its one-second timeout
    slot = uploads.slot()
    uploads.post(slot, photo(1600, 1200))
    [upload] = uploads.take_uploads()
    stalled = Step("stalled", f"{__name__}.slow", timeout_seconds=1, memory_mb=128, description="stalls")

    # When the runner runs it
    outcome = run(upload, steps=[step("validate"), stalled])

    # Then the timeout went to the failure step: failed, saying so, with one MediaFailed
    media = media_of(uploads, slot)
    assert (media.state, media.failure_reason, outcome["failure_reason"]) == ("failed", TIMED_OUT, TIMED_OUT)
    assert [e["reason"] for e in outbox("MediaFailed")] == [TIMED_OUT]


def test_the_sweep_fails_a_slot_nobody_used_once_its_deadline_passed(uploads):
    # Given a slot handed out and never used
    slot = uploads.slot()
    now = datetime.now(UTC)

    # When the sweep runs before its deadline, then nothing changes
    assert media_fail_overdue(now=now) == []
    assert media_of(uploads, slot).state == "awaiting_upload"

    # When it runs after, then the media failed saying why, once
    later = now + UPLOAD_DEADLINE + timedelta(minutes=1)
    assert media_fail_overdue(now=later) == [slot.media.media_id]
    assert media_fail_overdue(now=later) == []
    media = media_of(uploads, slot)
    assert (media.state, media.failure_reason, media.deadline) == ("failed", NO_UPLOAD, None)
    assert [e["reason"] for e in outbox("MediaFailed")] == [NO_UPLOAD]


def test_media_stuck_in_processing_is_swept_then_retried_to_ready(uploads):
    # Given an upload whose execution died after validate (the item says processing)
    slot = uploads.slot()
    uploads.post(slot, photo(1600, 1200))
    [upload] = uploads.take_uploads()
    validated = run(upload, steps=STEPS[:1])
    stuck = media_of(uploads, slot)
    assert stuck.state == "processing" and stuck.deadline is not None
    with pytest.raises(IllegalTransition):  # not stuck yet: its execution may still finish
        media_retry(listing_id=stuck.listing_id, media_id=stuck.media_id, actor=BROKER,
                    expected_version=stuck.version)

    # When the sweep runs past its deadline
    later = datetime.now(UTC) + timedelta(seconds=pipeline_seconds("photo") + 60)
    assert media_fail_overdue(now=later) == [stuck.media_id]
    assert (media_of(uploads, slot).state, media_of(uploads, slot).failure_reason) == ("failed", STUCK)

    # And the broker retries it
    retried = media_retry(listing_id=stuck.listing_id, media_id=stuck.media_id, actor=BROKER,
                          expected_version=version_shown(stuck))
    uploads.process_pending()

    # Then it is ready, from a new upload of the kept file; the dead execution, if it ever went on,
    # changes nothing
    run(validated, steps=STEPS[1:])
    media = media_of(uploads, slot)
    assert media.state == "ready" and media.upload_id == retried.upload_id != stuck.upload_id
    assert listing_get(listing_id=uploads.listing.listing_id, consistent=True).ready_photos == 1
    assert len(outbox("MediaProcessed")) == 1


def test_images_and_videos_have_their_own_queues_whose_visibility_outlasts_their_steps(uploads):
    # Given the local queues
    sqs = client("sqs")
    for queue, kinds in MEDIA_QUEUES.items():
        url = sqs.get_queue_url(QueueName=settings().queue_name(queue))["QueueUrl"]
        visibility = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
                         ["Attributes"]["VisibilityTimeout"])
        # Then each message stays hidden longer than any execution of its kinds can take
        assert visibility == media_visibility_timeout(queue) > max(pipeline_seconds(k) for k in kinds)
        assert visibility > max(s.timeout_seconds for s in ALL_STEPS if any(s.applies_to(k) for k in kinds))

    # When a photo and a video are uploaded, then each lands on its own queue
    photo_slot, video_slot = uploads.slot(), uploads.slot(kind="video", content_type="video/mp4")
    uploads.post(photo_slot, b"x")
    uploads.post(video_slot, b"x")
    landed = {}
    for queue in MEDIA_QUEUES:
        url = sqs.get_queue_url(QueueName=settings().queue_name(queue))["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        landed[queue] = [upload["key"] for m in messages for upload in from_notification(m["Body"])]
    assert landed == {"media-images": [photo_slot.key], "media-videos": [video_slot.key]}


def run_worker_until_ready(worker, uploads, slot, *, seconds: float = 90) -> None:
    """Run a worker in a thread until the slot's media is ready (or ``seconds`` pass), then stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=worker, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + seconds
        while media_of(uploads, slot).state != "ready" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(10)


CONSUMER = """
import sys, threading
from local.workers import sqs_consumer
from media_pipeline.runner import handle_message
sqs_consumer(sys.argv[1], handle_message, visibility_timeout=int(sys.argv[2]), batch=1)(threading.Event())
"""


def test_a_worker_that_dies_mid_step_has_the_upload_redelivered_and_finished(uploads):
    # Given a large photo posted, and a worker process taking it (a short visibility timeout, so the
    # test need not wait the real one out)
    slot = uploads.slot()
    uploads.post(slot, photo(6000, 4000, quality=95))
    worker = subprocess.Popen([sys.executable, "-c", CONSUMER, "media-images", "3"], env=dict(os.environ),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # When the worker is killed while the upload is processing (after validate, inside a later step)
        deadline = time.monotonic() + 60
        while media_of(uploads, slot).state != "processing" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert media_of(uploads, slot).state == "processing"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    # And another worker runs (as make run restarts it)
    run_worker_until_ready(sqs_consumer("media-images", handle_message, visibility_timeout=3, batch=1),
                           uploads, slot)

    # Then the redelivered upload was finished: ready, counted once, announced once
    media = media_of(uploads, slot)
    assert media.state == "ready", media.failure_reason
    assert listing_get(listing_id=uploads.listing.listing_id, consistent=True).ready_photos == 1
    assert len(outbox("MediaUploaded")) == 1 and len(outbox("MediaProcessed")) == 1


def test_a_broker_can_retry_media_stuck_in_processing_before_the_sweep_ran(uploads):
    # Given an upload whose execution died after validate, and whose deadline has passed
    slot = uploads.slot()
    uploads.post(slot, photo(1600, 1200))
    [upload] = uploads.take_uploads()
    run(upload, steps=STEPS[:1])
    stuck = media_of(uploads, slot)
    stuck.deadline = datetime.now(UTC) - timedelta(seconds=1)  # as the clock would have it later
    db.save(stuck)
    assert stuck.overdue

    # When the broker retries it, then it is processed to ready
    media_retry(listing_id=stuck.listing_id, media_id=stuck.media_id, actor=BROKER, expected_version=stuck.version)
    uploads.process_pending()
    assert media_of(uploads, slot).state == "ready"


def test_an_upload_whose_handling_failed_is_retried_promptly_not_after_the_visibility_timeout(uploads):
    # Given a posted photo and a worker with the images queue's real visibility timeout (half an hour),
    # whose first handling fails outright (as when the table is briefly unreachable)
    slot = uploads.slot()
    uploads.post(slot, photo(1600, 1200))
    tries = []

    def flaky(body: str) -> None:
        if [u for u in from_notification(body) if u["key"] == slot.key]:
            tries.append(body)
            if len(tries) == 1:
                raise ConnectionError("the table is unreachable")
        handle_message(body)

    # When the worker runs
    run_worker_until_ready(sqs_consumer("media-images", flaky, batch=1,
                                        visibility_timeout=media_visibility_timeout("media-images")), uploads, slot)

    # Then the message came back at once and the second try finished the upload
    assert media_of(uploads, slot).state == "ready"
    assert len(tries) == 2 and media_visibility_timeout("media-images") > 90
