"""Identifiers: ULIDs sort by creation time, which the table's sort keys rely on."""

import re
from datetime import datetime

from ulid import ULID

ID_PATTERN = r"[0-9a-z]{26}"  # a ULID as the domain writes it (lower case): listings, media, inquiries


def new_id() -> str:
    return str(ULID()).lower()


def is_id(text: str) -> bool:
    return re.fullmatch(ID_PATTERN, text or "") is not None


def id_floor(moment: datetime) -> str:
    """The smallest id made at ``moment`` or later: a lower bound for ranges of ids (ULID order is time)."""
    return str(ULID.from_datetime(moment))[:10].lower() + "0" * 16
