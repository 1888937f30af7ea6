"""Published versions of the index: one object in the (versioned) search bucket, ``OBJECT_KEY``, a new
S3 version per publish, and one small item in the table naming the current one.

``marketplace.models.SearchIndexVersion`` is the pointer: ``version`` (a counter), ``object_key`` and
``object_version`` (the S3 object version), ``listings``, ``published_at``. The writer publishes with a
condition on the version it started from, so a second writer (a rebuild while the consumer runs) can never make the pointer go back.
The object is written before the pointer names it; functions read the exact S3 version the pointer
names, so a version being replaced stays readable until the bucket's lifecycle rule expires it a day
later (infra), long after any function finished loading it.

S3 is reached through botocore (as PynamoDB reaches DynamoDB): the listings function loads the index
at init without importing boto3.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from marketplace.config import settings
from marketplace.models import SearchIndexVersion
from marketplace.search_index.database import SCHEMA_VERSION, analysed, cards_of, connect, scratch, size

PREFIX = "search-index/"
OBJECT_KEY = f"{PREFIX}index.sqlite"
POINTER_KEY = SearchIndexVersion.key()
_GONE = ("NoSuchKey", "NoSuchVersion", "404", "InvalidArgument")  # InvalidArgument: a version id S3 never issued


class IndexUnavailable(Exception):
    """No index can be loaded: none published yet, its object is gone, or it is unreadable."""


class StaleVersion(Exception):
    """Another writer published since this one loaded: load the current version and apply again."""


@dataclass(frozen=True)
class Loaded:
    version: int
    connection: sqlite3.Connection


@cache
def _s3():
    cfg = settings()
    budget = cfg.call_budget
    config = Config(retries={"mode": "standard", "total_max_attempts": budget.attempts},
                    connect_timeout=budget.connect_seconds, read_timeout=budget.read_seconds)
    return botocore.session.get_session().create_client("s3", region_name=cfg.region, endpoint_url=cfg.endpoint_url,
                                                        config=config)


def reset() -> None:
    """Forget the S3 client (tests that move the endpoint)."""
    _s3.cache_clear()


def current_version() -> int | None:
    """The version the pointer names (one GetItem), or None when nothing is published."""
    try:
        return int(SearchIndexVersion.get(*POINTER_KEY, attributes_to_get=["version"]).version)
    except SearchIndexVersion.DoesNotExist:
        return None


def publish(connection: sqlite3.Connection, *, expected: int | None) -> int:
    """Upload the database and point the item at it; returns the new version. ``expected`` is the version
    this writer loaded (None: none existed); raises ``StaleVersion`` when another writer got there first."""
    version = (expected or 0) + 1
    written = _s3().put_object(Bucket=settings().search_bucket, Key=OBJECT_KEY, Body=analysed(connection).serialize(),
                               ContentType="application/vnd.sqlite3")
    pointer = SearchIndexVersion(version=version, object_key=OBJECT_KEY, object_version=written.get("VersionId"),
                                 listings=size(connection), published_at=datetime.now(UTC))
    pointer.derive_keys()
    condition = (SearchIndexVersion.pk.does_not_exist() if expected is None
                 else SearchIndexVersion.version == expected)
    try:
        pointer.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise StaleVersion(f"version {expected} is no longer current") from error
        raise
    return version


def load_current(*, cards: str | None = None) -> Loaded:
    """The current version, downloaded and opened in memory; ``IndexUnavailable`` when it cannot be, or when
    ``cards`` is given and its cards were presented for another card shape (``database.mark_cards``)."""
    try:
        pointer = SearchIndexVersion.get(*POINTER_KEY)
    except SearchIndexVersion.DoesNotExist:
        raise IndexUnavailable("no search index has been published") from None
    exact = {"VersionId": pointer.object_version} if pointer.object_version else {}
    try:
        body = _s3().get_object(Bucket=settings().search_bucket, Key=pointer.object_key, **exact)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _GONE:
            raise
        raise IndexUnavailable(f"the published index {pointer.object_key} ({pointer.object_version}) is missing") from None
    connection = connect()
    try:
        connection.deserialize(body)
        schema = connection.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    except sqlite3.DatabaseError as error:
        raise IndexUnavailable(f"the published index {pointer.object_key} is unreadable: {error}") from None
    if schema is None or int(schema[0]) != SCHEMA_VERSION:
        raise IndexUnavailable(f"the published index {pointer.object_key} has another schema ({schema})")
    if cards is not None and cards_of(connection) != cards:
        raise IndexUnavailable(f"the published index {pointer.object_key} holds cards presented for another card "
                               f"shape ({cards_of(connection)}, not {cards})")
    scratch(connection)
    return Loaded(version=int(pointer.version), connection=connection)


def withdraw() -> None:
    """Remove the pointer (the runbook's way to force every function onto the fallback)."""
    pointer = SearchIndexVersion()
    pointer.derive_keys()
    pointer.delete()
