"""Identifiers: ULIDs sort by creation time, which the table's sort keys rely on."""

from ulid import ULID


def new_id() -> str:
    return str(ULID()).lower()
