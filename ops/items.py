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
_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%fZ")


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
        if value:
            for fmt in _FORMATS:
                try:
                    return datetime.strptime(value, fmt)
                except ValueError:
                    continue
    return None


def scan(table: str) -> Iterator[dict]:
    """Every item of a table (strongly consistent, paginated)."""
    paginator = client("dynamodb").get_paginator("scan")
    for page in paginator.paginate(TableName=table, ConsistentRead=True):
        yield from page["Items"]


def counts(items: Iterable[dict]) -> dict[str, int]:
    return dict(sorted(Counter(entity(i) for i in items).items()))
