"""Identifiers: ULIDs sort by creation time, which the table's sort keys rely on."""

import re

from ulid import ULID

ID_PATTERN = r"[0-9a-z]{26}"  # a ULID as the domain writes it (lower case): listings, media, inquiries


def new_id() -> str:
    return str(ULID()).lower()


def is_id(text: str) -> bool:
    return re.fullmatch(ID_PATTERN, text or "") is not None
