"""Keys from the owner index (gsi6, keys-only projection).

PynamoDB adds a ``type IN (...)`` filter to every model query, even on the base ``Item``; a keys-only
index does not carry ``type``, so a model query on gsi6 always comes back empty. Keys are read here
with the table connection's plain Query instead.
"""

from __future__ import annotations

from marketplace.table import Item


def owner_index_keys(*, partition: str, prefix: str = "", newest_first: bool = True,
                     limit: int | None = None) -> list[tuple[str, str]]:
    """(pk, sk) of every item under ``partition`` whose gsi6sk starts with ``prefix``."""
    condition = Item.gsi6sk.startswith(prefix) if prefix else None
    keys, last = [], None
    while True:
        page = Item._get_connection().query(partition, range_key_condition=condition, index_name="gsi6",
                                            scan_index_forward=not newest_first, exclusive_start_key=last,
                                            limit=(limit - len(keys)) if limit else None)
        keys += [(i["pk"]["S"], i["sk"]["S"]) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        if not last or (limit and len(keys) >= limit):
            return keys
