"""The one writer of the search index: the consumer of the "search-index" rule.

It keeps the index in memory, applies each listing event by reading the listing as it is now (so
events may come twice or out of order: the result is the table's state), and publishes a new version at
most every ``Settings.search_publish_seconds``. In AWS it is a Lambda with reserved concurrency 1 fed
by the queue (its container keeps the index between batches; a new container loads the current version,
or builds from the table when none is published); locally, ``local.workers.search_index`` runs the same
writer in a loop. A message is acknowledged only after a version holding its change is published.

What it stores as each listing's card is given to it (``CardPresenter``): the cards are the API's
(``public_api.presenters.stored_card``), and the domain does not import the API. The Lambda entry point
that composes the two is ``public_api.functions.search_index_writer.handler``; the local worker, the
runbook's rebuild and the benches take the same ``CARDS`` from there.

A round that fails keeps what it had: listings it could not read stay ``waiting`` and are read again on
the next round, listings it applied stay ``pending`` in the same database, and the next round publishes
them (within the normal interval once S3 and the table answer again). ``pending`` only ever names
changes the in-memory database holds. In AWS a failed round is first tried again within the invocation;
then the batch is reported failed and made visible again after a short backoff, so SQS brings it back
(and with it an invocation that publishes) within seconds rather than after the queue's visibility timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from marketplace.aws import client
from marketplace.config import settings
from marketplace.consumers import VISIBILITY_TIMEOUT
from marketplace.events import Queue
from marketplace.observability import logger
from marketplace.outbox import detail_of
from marketplace.search_index import database, store
from marketplace.search_index.database import Present

CONSUMER = Queue.SEARCH_INDEX


@dataclass(frozen=True)
class CardPresenter:
    """What the index stores as each listing's card, given by whoever composes the writer: the API presents
    cards (``public_api.functions.search_index_writer``), and the domain never imports it.

    ``present`` renders a listing's card; ``fingerprint`` names the shape and wording ``present`` gives (it may
    change with the deployment's settings, so it is asked each time): the writer marks each version it
    publishes with it and builds again from the table when the current version was presented otherwise."""

    present: Present
    fingerprint: Callable[[], str]


@dataclass
class Writer:
    cards: CardPresenter
    connection: object = None
    version: int | None = None
    pending: set[str] = field(default_factory=set)  # applied to ``connection``, not yet published
    waiting: set[str] = field(default_factory=set)  # received, not yet applied (a failed read): read next round
    published_at: float = 0.0  # monotonic

    def open(self) -> None:
        """Start from the current version, or build one from the table when none can be loaded."""
        try:
            loaded = store.load_current(cards=self.cards.fingerprint())  # cards of another shape: built again
            self.connection, self.version = loaded.connection, loaded.version
        except store.IndexUnavailable as error:
            logger.warning("search index: building from the table", extra={"reason": str(error)})
            self.connection, self.version = database.build_from_table(present=self.cards.present), store.current_version()
            self.pending.add("*")  # a build is itself a change to publish

    def apply(self, listing_ids: set[str]) -> None:
        """Bring these listings (and any a failed round left waiting) up to date in memory. If reading
        them fails they stay waiting, so nothing received is forgotten when the call raises."""
        self.waiting |= listing_ids
        if self.connection is None:
            self.open()
        if self.waiting:
            ids = set(self.waiting)
            database.apply_changes(self.connection, ids, present=self.cards.present)
            self.pending |= ids
            self.waiting -= ids

    def due_in(self) -> float:
        """Seconds until a publish is allowed."""
        return max(0.0, self.published_at + settings().search_publish_seconds - time.monotonic())

    def publish(self) -> int | None:
        """Publish what is pending (now: callers wait for ``due_in``). If it fails, what is pending stays
        pending for the next call. On a race with another writer, load the newer version, apply the
        pending listings again and publish that."""
        self.apply(set())  # what a failed round could not read yet
        if not self.pending:
            return None
        try:
            self.version = _publish(self.connection, self.cards, expected=self.version)
        except store.StaleVersion:
            self._rebase()
            self.version = _publish(self.connection, self.cards, expected=self.version)
        self.pending.clear()
        self.published_at = time.monotonic()
        logger.info("search index published", extra={"version": self.version})
        return self.version

    def _rebase(self) -> None:
        """Start again from the newer version, with this writer's changes waiting to be applied to it (if
        loading or reading fails they stay waiting: the next round tries again)."""
        self.waiting |= self.pending - {"*"}
        self.connection, self.pending = None, set()
        self.apply(set())


def _publish(connection, cards: CardPresenter, *, expected: int | None) -> int:
    database.mark_cards(connection, cards.fingerprint())
    return store.publish(connection, expected=expected)


def listing_of(body: str) -> str | None:
    """The listing an event (an SQS message body from the bus) is about, if any."""
    _, detail = detail_of(body)
    return (detail.get("data") or {}).get("listing_id")


# The log line of a failed round: infra counts it (a metric filter on the writer's log group) and alarms
# when rounds keep failing, since a handled failure is no invocation error.
ROUND_FAILED = "search index round failed"

Handler = Callable[..., dict]  # (event, context=None) -> the SQS batch response


def handler_for(cards: CardPresenter) -> Handler:
    """The Lambda handler of the search-index queue for a writer storing ``cards``: one writer per
    container, kept between batches (composed with the API's presenter in
    ``public_api.functions.search_index_writer``)."""
    index_writer = Writer(cards)

    def handle(event: dict, context=None) -> dict:
        return _handle_batch(index_writer, event, context)

    return handle


def _handle_batch(index_writer: Writer, event: dict, context=None) -> dict:
    """One SQS batch of the search-index queue. The whole batch is applied and published together. A
    failing round is tried again within the invocation while its time allows (a brief S3 or DynamoDB
    blip costs seconds); if it still fails the writer keeps what it applied, and the whole batch is
    reported failed and made visible again after ``redelivery_delay``: its redelivery publishes it (the
    writer reads its listings again, which is harmless)."""
    records = event.get("Records", [])
    ids = messages_listings([record["body"] for record in records])
    while True:
        started = time.monotonic()
        try:
            index_writer.apply(ids)
            time.sleep(index_writer.due_in())  # concurrency 1: the next batch waits, so versions come at most this often
            index_writer.publish()
            return {"batchItemFailures": []}
        except Exception:  # noqa: BLE001 - S3 or the table failing: nothing applied is lost, the batch comes back
            logger.exception(ROUND_FAILED, extra={"messages": len(records)})
            if not _time_for_another_round(context, spent=time.monotonic() - started):
                break
            ids = set()  # applied or waiting in the writer already
            time.sleep(_ROUND_RETRY_SECONDS)
    _return_later(records)
    return {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in records]}


_ROUND_RETRY_SECONDS = 2


def _time_for_another_round(context, *, spent: float) -> bool:
    """Whether the invocation has time for one more round taking twice as long as the one that failed
    (a timeout would lose the writer's container and bring the batch back only after the visibility
    timeout)."""
    if context is None:  # invoked by hand: one round
        return False
    needed = _ROUND_RETRY_SECONDS + settings().search_publish_seconds + 2 * spent + 1
    return context.get_remaining_time_in_millis() / 1000 > needed


def redelivery_delay(receive_count: int) -> int:
    """Seconds a failed batch stays hidden: 5, 15, 45, 135, then the queue's visibility timeout. The
    first retry comes within seconds; a failure that lasts still reaches the DLQ only after minutes, not
    after the quick retries of a poison message (the writer's failures are its dependencies', not the
    messages')."""
    return int(min(5 * 3 ** max(receive_count - 1, 0), VISIBILITY_TIMEOUT.total_seconds()))


def _return_later(records: list[dict]) -> None:
    """Make a failed batch visible again after ``redelivery_delay`` rather than the queue's visibility
    timeout (SQS's event source hides a failed message for the whole timeout)."""
    entries = [{"Id": str(n), "ReceiptHandle": record["receiptHandle"],
                "VisibilityTimeout": redelivery_delay(int(record.get("attributes", {}).get("ApproximateReceiveCount", 1)))}
               for n, record in enumerate(records) if record.get("receiptHandle")]
    if not entries:
        return
    try:
        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=settings().queue_name(CONSUMER))["QueueUrl"]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
    except Exception:  # noqa: BLE001 - then the batch comes back after the visibility timeout
        logger.exception("search index: could not return the batch for a prompt retry")


def rebuild(cards: CardPresenter) -> dict:
    """Build the whole index from the table with ``cards`` and publish it (the runbook's command)."""
    current = store.current_version()
    connection = database.build_from_table(present=cards.present)
    version = _publish(connection, cards, expected=current)
    return {"version": version, "listings": database.size(connection)}


def messages_listings(bodies: list[str]) -> set[str]:
    """Listing ids of a batch of message bodies; bodies that are not events are skipped (and logged)."""
    ids = set()
    for body in bodies:
        try:
            listing_id = listing_of(body)
        except (ValueError, KeyError, TypeError):  # JSONDecodeError is a ValueError
            logger.warning("search index: not an event")
            continue
        if listing_id:
            ids.add(listing_id)
    return ids
