"""Writing to the table: every write goes through here so keys are derived and changes are atomic.

``transaction()`` wraps PynamoDB's TransactWrite: the entities saved in it get their keys from
``derive_keys()`` first, and a cancelled transaction becomes a typed domain error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from marketplace.errors import Conflict
from marketplace.table import Item


def connection() -> Connection:
    """The table's own connection, the one every model read and write goes through: one botocore session
    and client per process (a second one would load DynamoDB's service model and endpoint rules again,
    about 100 ms on a function's first write)."""
    return Item._get_connection().connection


class Transaction:
    """A thin facade over TransactWrite that derives keys before each save."""

    def __init__(self, inner: TransactWrite):
        self._inner = inner

    def save(self, item: Item, condition=None) -> None:
        item.derive_keys()
        self._inner.save(item, condition=condition)

    def create(self, item: Item) -> None:
        """Save only if no item with these keys exists yet."""
        item.derive_keys()
        self._inner.save(item, condition=Item.pk.does_not_exist())

    def update(self, item: Item, actions, condition=None) -> None:
        self._inner.update(item, actions=actions, condition=condition)

    def delete(self, item: Item, condition=None) -> None:
        self._inner.delete(item, condition=condition)


def cancellation_codes(error: TransactWriteError) -> list[str]:
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [r.code if r else "None" for r in reasons]


@contextmanager
def transaction(*, token: str | None = None, conflict_message: str = "this was changed by someone else; "
                "reload and try again") -> Iterator[Transaction]:
    """All saves inside commit together or not at all. A failed condition raises ``Conflict``;
    callers that expect a specific failed condition catch ``TransactWriteError`` themselves by
    passing ``conflict_message=None``."""
    try:
        with TransactWrite(connection=connection(), client_request_token=token) as inner:
            yield Transaction(inner)
    except TransactWriteError as error:
        if conflict_message and "ConditionalCheckFailed" in cancellation_codes(error):
            raise Conflict(conflict_message) from error
        raise


def save(item: Item, *, condition=None) -> None:
    """A single-item write with derived keys (use ``transaction`` when an event or audit goes with it)."""
    item.derive_keys()
    try:
        item.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("this was changed by someone else; reload and try again") from error
        raise

