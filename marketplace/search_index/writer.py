"""The one writer of the search index: the consumer of the "search-index" rule.

It keeps the index in memory, applies each listing event by reading the listing as it is now (so
events may come twice or out of order: the result is the table's state), and publishes a new version at
most every ``Settings.search_publish_seconds``. In AWS it is a Lambda with reserved concurrency 1 fed
by the queue (its container keeps the index between batches; a new container loads the current version,
or builds from the table when none is published); locally, ``local.workers.search_index`` runs the same
writer in a loop. A message is acknowledged only after a version holding its change is published.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from marketplace.config import settings
from marketplace.events import Queue
from marketplace.observability import logger
from marketplace.outbox import detail_of
from marketplace.search_index import database, store
from public_api.presenters import stored_card, stored_card_schema

# The writer stores each card as the API presents it (one presenter; a page then validates JSON instead of
# presenting the card): this function's package carries the API's dependencies for that.
PRESENT = stored_card

CONSUMER = Queue.SEARCH_INDEX


@dataclass
class Writer:
    connection: object = None
    version: int | None = None
    pending: set[str] = field(default_factory=set)  # applied, not yet published
    published_at: float = 0.0  # monotonic

    def open(self) -> None:
        """Start from the current version, or build one from the table when none can be loaded."""
        try:
            loaded = store.load_current(cards=stored_card_schema())  # cards of another shape: built again
            self.connection, self.version = loaded.connection, loaded.version
        except store.IndexUnavailable as error:
            logger.warning("search index: building from the table", extra={"reason": str(error)})
            self.connection, self.version = database.build_from_table(present=PRESENT), store.current_version()
            self.pending.add("*")  # a build is itself a change to publish

    def apply(self, listing_ids: set[str]) -> None:
        if self.connection is None:
            self.open()
        if listing_ids:
            database.apply_changes(self.connection, listing_ids, present=PRESENT)
            self.pending |= listing_ids

    def due_in(self) -> float:
        """Seconds until a publish is allowed."""
        return max(0.0, self.published_at + settings().search_publish_seconds - time.monotonic())

    def publish(self) -> int | None:
        """Publish what is pending (now: callers wait for ``due_in``). On a race with another writer,
        load the newer version, apply the pending listings again and publish that."""
        if not self.pending:
            return None
        try:
            self.version = _publish(self.connection, expected=self.version)
        except store.StaleVersion:
            ids = self.pending - {"*"}
            self.connection, self.pending = None, set()
            self.apply(ids)
            self.version = _publish(self.connection, expected=self.version)
        self.pending.clear()
        self.published_at = time.monotonic()
        logger.info("search index published", extra={"version": self.version})
        return self.version


def _publish(connection, *, expected: int | None) -> int:
    database.mark_cards(connection, stored_card_schema())
    return store.publish(connection, expected=expected)


def listing_of(body: str) -> str | None:
    """The listing an event (an SQS message body from the bus) is about, if any."""
    _, detail = detail_of(body)
    return (detail.get("data") or {}).get("listing_id")


_writer = Writer()


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the search-index queue (SQS batch). The whole batch is applied and
    published together; if that fails every message comes back (the writer re-reads the listings)."""
    _writer.apply(messages_listings([record["body"] for record in event.get("Records", [])]))
    time.sleep(_writer.due_in())  # concurrency 1: the next batch waits, so versions come at most this often
    _writer.publish()
    return {"batchItemFailures": []}


def rebuild() -> dict:
    """Build the whole index from the table and publish it (the runbook's command)."""
    current = store.current_version()
    connection = database.build_from_table(present=PRESENT)
    version = _publish(connection, expected=current)
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
