"""The size DynamoDB bills for an item, by its documented rules ("Item sizes and formats",
DynamoDB developer guide), from the item's typed JSON (``{"name": {"S": "..."}}``):

- an attribute is the UTF-8 bytes of its name plus the size of its value;
- string: UTF-8 bytes; binary: raw bytes; boolean and null: 1 byte;
- number: 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1 byte;
- list and map: 3 bytes, plus 1 byte per element, plus the elements (a map's keys are counted as names);
- string, number and binary sets: the sum of their elements' sizes.
"""

from __future__ import annotations

import base64
import math
from decimal import Decimal


def number_size(text: str) -> int:
    digits = Decimal(text).normalize().as_tuple().digits  # normalize() drops trailing zeros; no leading ones
    return math.ceil(len(digits) / 2) + 1


def _binary_size(value: bytes | str) -> int:
    # boto3 hands bytes; typed JSON read from an export carries base64 text
    return len(value) if isinstance(value, bytes | bytearray) else len(base64.b64decode(value))


def value_size(value: dict) -> int:
    (kind, inner), = value.items()
    match kind:
        case "S":
            return len(inner.encode())
        case "N":
            return number_size(inner)
        case "B":
            return _binary_size(inner)
        case "BOOL" | "NULL":
            return 1
        case "L":
            return 3 + sum(1 + value_size(v) for v in inner)
        case "M":
            return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
        case "SS":
            return sum(len(v.encode()) for v in inner)
        case "NS":
            return sum(number_size(v) for v in inner)
        case "BS":
            return sum(_binary_size(v) for v in inner)
    raise ValueError(f"unsized DynamoDB type {kind}")


def item_size(item: dict) -> int:
    """Bytes DynamoDB bills for an item (typed JSON): attribute names plus values."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())
