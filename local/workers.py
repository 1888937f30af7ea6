"""Background workers of the local platform: each is a loop run in a thread by ``make run``.

In AWS the same functions run as Lambdas fed by the table stream, EventBridge rules and SQS.
A worker is ``fn(stop: threading.Event) -> None`` and must return soon after ``stop`` is set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from local.provision import MEDIA_QUEUES, media_visibility_timeout
from marketplace import notifications, outbox
from marketplace import scheduler as clock
from marketplace.alerts import digests, matching
from marketplace.aws import client
from marketplace.config import settings
from marketplace.consumers import VISIBILITY_TIMEOUT
from marketplace.delivery import feedback
from marketplace.events import Queue
from marketplace.observability import logger
from marketplace.search_index.writer import ROUND_FAILED, Writer, messages_listings
from marketplace.services import daily_reports, freshness, media_placement, payments
from marketplace.services import exchange_rates as exchange_rate_services
from media_pipeline import runner as media_runner
from media_pipeline import sweep as media_sweeper
from public_api.functions.search_index_writer import CARDS as SEARCH_CARDS

Worker = Callable[[threading.Event], None]


def outbox_relay(stop: threading.Event, *, interval: float = 0.5) -> None:
    while not stop.is_set():
        try:
            outbox.relay_pending()
        except Exception:  # noqa: BLE001 - keep relaying: one bad poll must not end the worker
            logger.exception("outbox relay failed")
        stop.wait(interval)


def _every(stop: threading.Event, interval: float, job: Callable[[], object], *, failed: str) -> None:
    """A schedule's job every ``interval`` seconds until ``stop``, as its EventBridge rule runs it in AWS."""
    while not stop.wait(interval):
        try:
            job()
        except Exception:  # noqa: BLE001 - the next run tries again; one bad run must not end the worker
            logger.exception(failed)


def scheduler(stop: threading.Event, *, interval: float = 30) -> None:
    """What the EventBridge schedule does in AWS: publish coming-soon listings whose date has come."""
    _every(stop, interval, clock.tick, failed="scheduler tick failed")


def digest_clock(stop: threading.Event, *, interval: float = 60) -> None:
    """What the digests' EventBridge schedules do in AWS: at 07:00 Kathmandu time, put the buyers due the
    daily digest (and on Sundays the weekly one) on the digest queue, and send the admins' moderation
    summary. The digest queue's worker sends the digests."""
    def send_due() -> None:
        for frequency in digests.due(datetime.now(UTC)):
            digests.handler({"frequency": frequency})

    _every(stop, interval, send_due, failed="digest run failed")


def exchange_rates(stop: threading.Event, *, interval: float = 6 * 3600) -> None:
    """What the daily schedule does in AWS: store the reference rates (offline: the stored NRB answer)."""
    while True:
        try:
            exchange_rate_services.rates_refresh()
        except Exception:  # noqa: BLE001 - the next run tries again; prices are shown without a guide meanwhile
            logger.exception("exchange rates refresh failed")
        if stop.wait(interval):
            return


def listing_freshness(stop: threading.Event, *, interval: float = 3600) -> None:
    """What the daily schedule does in AWS: ask brokers to reconfirm ageing listings, expire unconfirmed
    ones (hourly locally, so a demo shows it; each listing is asked once per confirmation)."""
    _every(stop, interval, freshness.sweep, failed="listing freshness sweep failed")


def media_sweep(stop: threading.Event, *, interval: float = media_sweeper.SWEEP_MINUTES * 60) -> None:
    """What the media sweep's schedule does in AWS: fail media stuck past their deadline."""
    _every(stop, interval, media_sweeper.handler, failed="media sweep failed")


def payments_poller(stop: threading.Event, *, interval: float = 60) -> None:
    """What the payments poller's schedule does in AWS: ask the providers about open orders."""
    _every(stop, interval, payments.payments_poll, failed="payments poll failed")


def retry_delay(receive_count: int) -> int:
    """Seconds a message whose handling failed stays hidden before its next try: 1, 2, 4, 8... so a
    failure is retried promptly and a message that keeps failing reaches its DLQ within a minute."""
    return min(2 ** max(receive_count - 1, 0), RETRY_DELAY_CAP_SECONDS)


RETRY_DELAY_CAP_SECONDS = 30


def _return_for_retry(sqs, url: str, message: dict) -> None:
    """A handling that failed: the message comes back after ``retry_delay`` rather than after the whole
    visibility timeout, which is long (the slowest pipeline) only so that a message whose worker died
    mid-run is not handed to a second worker meanwhile."""
    receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
    try:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                      VisibilityTimeout=retry_delay(receives))
    except Exception:  # noqa: BLE001 - then it comes back after its visibility timeout, as if the worker died
        logger.exception("could not return the message for a prompt retry", extra={"queue_url": url})


def sqs_consumer(queue: str, handle: Callable[[str], None], *,
                 visibility_timeout: int = int(VISIBILITY_TIMEOUT.total_seconds()), batch: int = 10) -> Worker:
    """A loop that long-polls ``queue`` and hands each message body to ``handle``. A message whose
    handling fails is retried after a short backoff (``retry_delay``); one whose worker dies is
    redelivered once ``visibility_timeout`` has passed; after five tries it goes to the queue's DLQ."""

    def run(stop: threading.Event) -> None:
        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=settings().queue_name(queue))["QueueUrl"]
        while not stop.is_set():
            try:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, WaitTimeSeconds=1,
                                               VisibilityTimeout=visibility_timeout,
                                               AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
            except Exception:  # noqa: BLE001 - the emulator may be briefly unreachable: poll again
                logger.exception("receive failed", extra={"queue": queue})
                stop.wait(1)
                continue
            for message in messages:
                try:
                    handle(message["Body"])
                except Exception:  # noqa: BLE001 - returned to the queue for a prompt retry
                    logger.exception("message handling failed", extra={"queue": queue})
                    _return_for_retry(sqs, url, message)
                    continue
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    run.__name__ = f"consume-{queue}"
    return run


def _search_index_round(writer: Writer, sqs, url: str, held: list[str]) -> None:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   VisibilityTimeout=int(VISIBILITY_TIMEOUT.total_seconds())).get("Messages", [])
    held += [m["ReceiptHandle"] for m in messages]  # held before applying: a failed read keeps them too
    writer.apply(messages_listings([m["Body"] for m in messages]))
    if writer.due_in() > 0:
        return
    writer.publish()
    for start in range(0, len(held), 10):  # acknowledged only once a version holding their change is published
        # A handle held through a long outage may have expired (its message came back and is held again
        # under a new handle): SQS reports it failed, which is harmless.
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": handle}
                                                        for n, handle in enumerate(held[start:start + 10])])
    held.clear()


def search_index(stop: threading.Event) -> None:
    """The search index's one writer, as its consumer runs in AWS (marketplace.search_index.writer, with
    the API's cards as public_api.functions.search_index_writer gives them): load or build the index, apply
    events as they come, publish at most every few seconds. A round that fails (S3 or the table not
    answering) keeps what the writer applied and the messages it holds: the next round, a second later,
    publishes them."""
    writer, held = Writer(SEARCH_CARDS), []
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=settings().queue_name(Queue.SEARCH_INDEX))["QueueUrl"]
    while not stop.is_set():
        try:
            _search_index_round(writer, sqs, url, held)
        except Exception:  # noqa: BLE001 - the writer keeps its changes; the next round tries again
            logger.exception(ROUND_FAILED)
            stop.wait(1)


# Every worker ``make run`` starts. Other parts of the platform add theirs here.
WORKERS: list[Worker] = [
    outbox_relay,
    scheduler,
    exchange_rates,
    listing_freshness,
    media_sweep,
    payments_poller,
    sqs_consumer(Queue.NOTIFICATIONS, notifications.handle_message),
    # SES bounces and complaints (through the feedback topic) suppress addresses.
    sqs_consumer(feedback.QUEUE, feedback.handle_message),
    # Saved-search and favorites alerts on listing events; the digests at 07:00 Kathmandu time.
    sqs_consumer(Queue.ALERTS, matching.handle_message),
    digest_clock,
    sqs_consumer(digests.QUEUE, digests.handle_message,
                 visibility_timeout=int(digests.QUEUE_VISIBILITY.total_seconds()), batch=1),
    sqs_consumer(Queue.MEDIA_PLACEMENT, media_placement.handle_message),
    search_index,
    sqs_consumer(Queue.DAILY_REPORTS, daily_reports.handle_message),
    # Raw uploads -> the media pipeline's steps, as the state machine runs them in AWS: one consumer per
    # queue (images, videos), one message at a time so none waits in a batch past its visibility timeout.
    *(sqs_consumer(queue, media_runner.handle_message, visibility_timeout=media_visibility_timeout(queue), batch=1)
      for queue in MEDIA_QUEUES),
]
