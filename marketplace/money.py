"""Nepalese rupees: integers only, grouped 3 then 2 (3,50,00,000), spoken in lakh and crore."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marketplace.errors import ValidationError

LAKH = 100_000
CRORE = 10_000_000

_WORDS = {"lakh": LAKH, "lakhs": LAKH, "lac": LAKH, "lacs": LAKH, "l": LAKH,
          "crore": CRORE, "crores": CRORE, "cr": CRORE, "k": 1_000, "thousand": 1_000}
_AMOUNT = re.compile(r"^(?:rs\.?|npr|रु\.?)?\s*([\d,]+(?:\.\d+)?)\s*([a-z]+)?\.?$", re.IGNORECASE)


def group_npr(amount: int) -> str:
    """3,50,00,000: the last three digits, then pairs."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"NPR amounts are integers, got {amount!r}")
    sign, digits = ("-", str(-amount)) if amount < 0 else ("", str(amount))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return sign + ",".join([head, *pairs, tail])


def format_npr(amount: int) -> str:
    """"Rs 3,50,00,000"."""
    return f"Rs {group_npr(amount)}"


def npr_words(amount: int) -> str:
    """"Rs 3.5 crore", "Rs 75 lakh", "Rs 50,000": how luxury prices are quoted."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"NPR amounts are integers, got {amount!r}")
    for unit, name in ((CRORE, "crore"), (LAKH, "lakh")):
        if abs(amount) >= unit:
            value = (Decimal(amount) / unit).quantize(Decimal("0.01"))
            text = format(value, "f").rstrip("0").rstrip(".")
            return f"Rs {text} {name}"
    return format_npr(amount)


def parse_npr(text: str | int, *, field: str = "price") -> int:
    """Read "3.5 crore", "Rs 3,50,00,000", "75 lakh" or "35000000" into whole rupees."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValidationError(f"{text} is negative: a price must be zero or more", field=field)
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("a price is required, e.g. '3.5 crore' or '3,50,00,000'", field=field)
    match = _AMOUNT.match(text.strip())
    if not match:
        raise ValidationError(f"cannot read {text!r} as rupees: write e.g. '3.5 crore', '75 lakh' or "
                              "'3,50,00,000'", field=field)
    number, word = match.groups()
    multiplier = 1
    if word:
        if word.lower() not in _WORDS:
            raise ValidationError(f"unknown amount word {word!r} in {text!r}: use lakh or crore", field=field)
        multiplier = _WORDS[word.lower()]
    try:
        value = Decimal(number.replace(",", "")) * multiplier
    except InvalidOperation as exc:
        raise ValidationError(f"cannot read {text!r} as rupees", field=field) from exc
    if value != value.to_integral_value():
        raise ValidationError(f"{text!r} is not a whole number of rupees", field=field)
    return int(value)
