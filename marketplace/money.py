"""Nepalese rupees: integers only, grouped 3 then 2 (3,50,00,000), spoken in lakh and crore."""

from __future__ import annotations

import re
from decimal import Decimal

from marketplace.errors import ValidationError

LAKH = 100_000
CRORE = 10_000_000

_WORDS = {"lakh": LAKH, "lakhs": LAKH, "lac": LAKH, "lacs": LAKH, "l": LAKH,
          "crore": CRORE, "crores": CRORE, "cr": CRORE, "k": 1_000, "thousand": 1_000,
          "करोड": CRORE, "करोड़": CRORE, "लाख": LAKH, "हजार": 1_000, "हज़ार": 1_000}
_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
# 3,50,00,000 (Nepali) or 35,000,000 (Western): either grouping is read, a stray comma is not.
_GROUPED = re.compile(r"(?:\d{1,3}(?:(?:,\d{2})*,\d{3}|(?:,\d{3})+)|\d+)(?![\d,])(?:\.\d+)?")
_PREFIX = re.compile(r"^\s*(?:rs\.?|npr|रु\.?|रू\.?)\s*", re.IGNORECASE)
_TERM = re.compile(rf"\s*({_GROUPED.pattern})\s*([^\s\d.,]+)?\.?\s*(?:and\s+)?", re.IGNORECASE)
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")


def latin_digits(text: str) -> str:
    """Devanagari digits (४.५) as the Latin ones every parser reads (4.5)."""
    return text.translate(_DEVANAGARI_DIGITS)


def plain_number(text: str) -> str:
    """"1,52,000" or "१,५२,०००" -> "152000": for parsers of other numbers (areas) that take either grouping."""
    return _DIGIT_COMMA.sub("", latin_digits(text))


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


def _terms(text: str, *, field: str) -> list[tuple[Decimal, int]]:
    """ "4 crore 50 lakh" -> [(4, crore), (50, lakh)]; a number without a word counts rupees."""
    terms, position = [], 0
    while position < len(text):
        term = _TERM.match(text, position)
        if not term or term.end() == position:
            raise ValidationError(f"cannot read {text!r} as rupees: write e.g. '4.5 crore', '4 crore 50 lakh', "
                                  "'75 lakh' or '4,50,00,000'", field=field)
        number, word = term.groups()
        if word and word.lower() not in _WORDS:
            raise ValidationError(f"unknown amount word {word!r} in {text!r}: use lakh or crore", field=field)
        terms.append((Decimal(number.replace(",", "")), _WORDS[word.lower()] if word else 1))
        position = term.end()
    units = [unit for _, unit in terms]
    if units != sorted(units, reverse=True) or len(set(units)) != len(units):
        raise ValidationError(f"cannot read {text!r} as rupees: give crore, then lakh, then thousand, each once",
                              field=field)
    return terms


def parse_npr(text: str | int, *, field: str = "price") -> int:
    """Read what people type for a price into whole rupees: "3.5 crore", "4 crore 50 lakh", "75 lakh",
    "Rs 3,50,00,000", "35,000,000", "४.५ करोड", "रु ४,५०,००,०००" or 35000000."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValidationError(f"{text} is negative: a price must be zero or more", field=field)
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("a price is required, e.g. '3.5 crore' or '3,50,00,000'", field=field)
    body = _PREFIX.sub("", latin_digits(text.strip()), count=1)
    if not body:
        raise ValidationError(f"cannot read {text!r} as rupees: give an amount after the currency", field=field)
    value = sum(number * unit for number, unit in _terms(body, field=field))
    if value != value.to_integral_value():
        raise ValidationError(f"{text!r} is not a whole number of rupees", field=field)
    return int(value)
