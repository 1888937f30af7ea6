"""Land and floor areas: exact conversions between ft², m² and the Nepali systems.

Everything is stored in square feet as a ``Decimal``; the rest is derived from the foot
(1 ft = 0.3048 m exactly), never from rounded published constants.

Hill system (Kathmandu valley): 1 ropani = 16 aana = 74 ft x 74 ft = 5,476 ft²;
1 aana = 4 paisa; 1 paisa = 4 daam.  Terai: 1 bigha = 20 kattha = 72,900 ft²; 1 kattha = 20 dhur.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marketplace.errors import ValidationError
from marketplace.money import group_npr, plain_number

SQM_PER_SQFT = Decimal("0.09290304")  # (0.3048 m)², exact

SQFT_PER_ROPANI = Decimal(5476)
SQFT_PER_AANA = SQFT_PER_ROPANI / 16  # 342.25
SQFT_PER_PAISA = SQFT_PER_AANA / 4  # 85.5625
SQFT_PER_DAAM = SQFT_PER_PAISA / 4  # 21.390625

SQFT_PER_BIGHA = Decimal(72900)
SQFT_PER_KATTHA = SQFT_PER_BIGHA / 20  # 3,645
SQFT_PER_DHUR = SQFT_PER_KATTHA / 20  # 182.25

# Every spelling a Kathmandu listing or buyer uses, mapped to square feet per unit.
_UNIT_SQFT: dict[str, Decimal] = {}
for _names, _value in (
    (("ropani", "ropanis", "rop", "r"), SQFT_PER_ROPANI),
    (("aana", "aanas", "ana", "anna", "annas", "a"), SQFT_PER_AANA),
    (("paisa", "paisas", "p"), SQFT_PER_PAISA),
    (("daam", "daams", "dam", "d"), SQFT_PER_DAAM),
    (("bigha", "bighas"), SQFT_PER_BIGHA),
    (("kattha", "katha", "katthas", "kathas"), SQFT_PER_KATTHA),
    (("dhur", "dhurs"), SQFT_PER_DHUR),
    (("sqft", "sq ft", "sq. ft", "sq.ft", "sq.ft.", "ft2", "ft²", "square feet", "sq feet", "sf"), Decimal(1)),
    (("m2", "m²", "sqm", "sq m", "sq. m", "sq.m", "square meters", "square metres", "sq meters"),
     1 / SQM_PER_SQFT),
):
    for _name in _names:
        _UNIT_SQFT[_name] = _value

_NUMBER = r"\d+(?:\.\d+)?"
_UNIT_ALTERNATIVES = "|".join(re.escape(n) for n in sorted(_UNIT_SQFT, key=len, reverse=True))
_TERM = re.compile(rf"\s*({_NUMBER})\s*({_UNIT_ALTERNATIVES})(?![a-z²])\s*,?", re.IGNORECASE)
_DASHED = re.compile(rf"^\s*({_NUMBER})(?:\s*-\s*({_NUMBER})){{1,3}}\s*$")


@dataclass(frozen=True, order=True)
class Area:
    """An area, held exactly in square feet."""

    sqft: Decimal

    def __post_init__(self):
        if not isinstance(self.sqft, Decimal):
            object.__setattr__(self, "sqft", Decimal(str(self.sqft)))
        if self.sqft < 0:
            raise ValidationError(f"area cannot be negative: {self.sqft}", field="area")

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_sqm(cls, sqm: Decimal | int | str) -> Area:
        return cls(Decimal(str(sqm)) / SQM_PER_SQFT)

    @classmethod
    def from_rapd(cls, ropani=0, aana=0, paisa=0, daam=0) -> Area:
        parts = (Decimal(str(ropani)), Decimal(str(aana)), Decimal(str(paisa)), Decimal(str(daam)))
        return cls(sum(p * u for p, u in zip(parts, (SQFT_PER_ROPANI, SQFT_PER_AANA, SQFT_PER_PAISA,
                                                        SQFT_PER_DAAM))))

    @classmethod
    def from_bkd(cls, bigha=0, kattha=0, dhur=0) -> Area:
        parts = (Decimal(str(bigha)), Decimal(str(kattha)), Decimal(str(dhur)))
        return cls(sum(p * u for p, u in zip(parts, (SQFT_PER_BIGHA, SQFT_PER_KATTHA, SQFT_PER_DHUR))))

    # -- derived views ------------------------------------------------------------------------
    @property
    def sqm(self) -> Decimal:
        return self.sqft * SQM_PER_SQFT

    @property
    def ropani(self) -> Decimal:
        return self.sqft / SQFT_PER_ROPANI

    def rapd(self) -> tuple[int, int, int, Decimal]:
        """(ropani, aana, paisa, daam): whole units, the remainder in (possibly fractional) daam."""
        ropani, rest = divmod(self.sqft, SQFT_PER_ROPANI)
        aana, rest = divmod(rest, SQFT_PER_AANA)
        paisa, rest = divmod(rest, SQFT_PER_PAISA)
        return int(ropani), int(aana), int(paisa), rest / SQFT_PER_DAAM

    def bkd(self) -> tuple[int, int, Decimal]:
        bigha, rest = divmod(self.sqft, SQFT_PER_BIGHA)
        kattha, rest = divmod(rest, SQFT_PER_KATTHA)
        return int(bigha), int(kattha), rest / SQFT_PER_DHUR


def _trim(value: Decimal, places: int = 2) -> str:
    quantized = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(quantized, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _grouped(value: Decimal, places: int = 2) -> str:
    whole, _, frac = _trim(value, places).partition(".")
    whole = group_npr(int(whole))  # Nepali grouping: 1,23,456
    return f"{whole}.{frac}" if frac else whole


def format_area(area: Area, system: str = "hill") -> str:
    """Format for people: ``hill`` -> "1-4-0-0", ``hill_words`` -> "1 ropani 4 aana",
    ``terai`` -> "1-5-3" (bigha-kattha-dhur), ``sqm`` -> "508.74 m²", ``sqft`` -> "5,476 ft²"."""
    if system == "hill":
        r, a, p, d = area.rapd()
        return f"{r}-{a}-{p}-{_trim(d)}"
    if system == "hill_words":
        r, a, p, d = area.rapd()
        words = [f"{n} {u}" for n, u in ((r, "ropani"), (a, "aana"), (p, "paisa")) if n]
        if d.quantize(Decimal("0.01")) != 0:
            words.append(f"{_trim(d)} daam")
        return " ".join(words) or "0 aana"
    if system == "terai":
        b, k, d = area.bkd()
        return f"{b}-{k}-{_trim(d)}"
    if system == "sqm":
        return f"{_grouped(area.sqm)} m²"
    if system == "sqft":
        return f"{_grouped(area.sqft)} ft²"
    raise ValueError(f"unknown area system {system!r}: use hill, hill_words, terai, sqm or sqft")


def parse_area(text: str, *, field: str = "area") -> Area:
    """Parse what a broker types or a buyer searches: "1-4-0-0", "8 aana", "1 ropani 4 aana",
    "1 bigha 5 kattha", "500 m2", "5000 sqft", "1,52,000 sqft", "०-८-०-०". Raises ValidationError naming
    the input."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("an area is required, e.g. '1-4-0-0', '8 aana' or '500 m2'", field=field)
    raw = plain_number(text.strip())  # "1,52,000 sqft" and Devanagari digits read too
    dashed = _DASHED.match(raw)
    if dashed:
        parts = [Decimal(p) for p in re.split(r"\s*-\s*", raw)]
        if len(parts) != 4:
            raise ValidationError(
                f"{raw!r} is not ropani-aana-paisa-daam: write four numbers like '1-4-0-0'", field=field)
        r, a, p, d = parts
        if a >= 16 or p >= 4 or d >= 4:
            raise ValidationError(
                f"{raw!r} is out of range: aana must be under 16, paisa under 4, daam under 4", field=field)
        return Area.from_rapd(r, a, p, d)
    total = Decimal(0)
    position = 0
    lowered = raw.lower()
    while position < len(lowered):
        term = _TERM.match(lowered, position)
        if not term:
            raise ValidationError(
                f"cannot read {raw!r} as an area: use '1-4-0-0', '8 aana', '1 ropani 4 aana', "
                "'1 bigha 5 kattha', '500 m2' or '5000 sqft'", field=field)
        try:
            total += Decimal(term.group(1)) * _UNIT_SQFT[term.group(2).lower()]
        except InvalidOperation as exc:  # pragma: no cover - the regex only admits numbers
            raise ValidationError(f"bad number in {raw!r}", field=field) from exc
        position = term.end()
    return Area(total)
