"""Items as DynamoDB returns them (typed JSON), their canonical checksums, entity counts and change times."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from marketplace.aws import client

# The timestamps entities keep, most specific first: when an item last changed, as far as it says.
CHANGE_ATTRIBUTES = ("updated_at", "sent_at", "status_changed_at", "created_at", "at")


def key_of(item: dict) -> str:
    return f"{item['pk']['S']}|{item['sk']['S']}"


def checksum(item: dict) -> str:
    """SHA-256 of the item's canonical typed JSON: equal items, equal sums, whatever the attribute order."""
    return hashlib.sha256(json.dumps(item, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def entity(item: dict) -> str:
    return item.get("type", {}).get("S", "(untyped)")


def changed_at(item: dict) -> datetime | None:
    for name in CHANGE_ATTRIBUTES:
        value = item.get(name, {}).get("S")
        try:
            moment = datetime.fromisoformat(value) if value else None  # ISO 8601, "+0000" and "Z" included
        except ValueError:
            continue
        if moment is not None and moment.tzinfo is not None:  # a time without a zone is not one of ours
            return moment
    return None


def scan(table: str) -> Iterator[dict]:
    """Every item of a table (strongly consistent, paginated)."""
    paginator = client("dynamodb").get_paginator("scan")
    for page in paginator.paginate(TableName=table, ConsistentRead=True):
        yield from page["Items"]


def counts(items: Iterable[dict]) -> dict[str, int]:
    return dict(sorted(Counter(entity(i) for i in items).items()))
