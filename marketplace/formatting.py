"""How Shikhar writes things for people: the one formatting layer of every page, chart, message and
history line (the back office's template filters and charts are thin wrappers over it; no Django here).

- Money in Nepali grouping ("Rs 1,52,96,000") or quoted in lakh and crore ("Rs 4.5 crore").
- Any count or amount in Nepali grouping (1,52,960), years and ids never grouped.
- Land in the listing's system: ropani-aana-paisa-daam ("0-8-0-0 R-A-P-D") in the hills (every
  neighbourhood Shikhar lists in), bigha-kattha-dhur ("1-5-3 B-K-D") in the Terai, m², ft².
- Dates and times in Kathmandu; an inclusive end ("valid until 15 Dec") as the day it was meant for.
- Statuses, choices and lists in words; media by kind and position ("Photo 2"), never by id.

The units and the rupee arithmetic live in ``marketplace.units`` and ``marketplace.money``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from marketplace.listing_fields import FIELD, Kind, label_of
from marketplace.media_kinds import KINDS
from marketplace.money import format_npr, group_npr, npr_words
from marketplace.neighbourhoods import BY_SLUG
from marketplace.units import Area, format_area
from marketplace.wording import NOTHING, word_list  # re-exported: formatting.word_list, formatting.NOTHING

KATHMANDU = ZoneInfo("Asia/Kathmandu")  # every date people see and every local schedule (digests, rates)
ARROW = "→"

# -- numbers and money ------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def number(value, places: int = 2) -> str:
    """1,52,96,000 and 1,234.5: Nepali grouping, at most ``places`` decimals, trailing zeros dropped."""
    amount = _decimal(value)
    if amount is None:
        return NOTHING if value is None or value == "" else str(value)
    rounded = round(amount, places)
    whole = int(rounded)
    fraction = format(abs(rounded - whole), "f").rstrip("0").rstrip(".")[1:] if rounded != whole else ""
    sign = "-" if rounded < 0 and whole == 0 else ""
    return f"{sign}{group_npr(whole)}{fraction}"


def money(amount) -> str:
    """"Rs 1,52,96,000"."""
    value = _decimal(amount)
    return NOTHING if value is None else format_npr(int(value))


def money_short(amount) -> str:
    """"Rs 4.5 crore", "Rs 75 lakh", "Rs 50,000": how a price is quoted."""
    value = _decimal(amount)
    return NOTHING if value is None else npr_words(int(value))


def money_full(amount) -> str:
    """"Rs 4,50,00,000 (Rs 4.5 crore)"; below a lakh just "Rs 50,000"."""
    value = _decimal(amount)
    if value is None:
        return NOTHING
    grouped, words = money(int(value)), money_short(int(value))
    return grouped if words == grouped else f"{grouped} ({words})"


def price(listing) -> str:
    """A listing's asking price as a list shows it."""
    return "Price on request" if listing.price_on_request else money_full(listing.price)


# -- land ---------------------------------------------------------------------------------------------

SYSTEM_NAMES = {"hill": "R-A-P-D", "terai": "B-K-D"}  # ropani-aana-paisa-daam, bigha-kattha-dhur


def land(sqft, system: str = "hill") -> str:
    """"0-8-0-0 R-A-P-D", "1-5-3 B-K-D", "254.37 m²" or "2,738 ft²" (the last two Nepali grouped)."""
    value = _decimal(sqft)
    if value is None:
        return NOTHING
    text = format_area(Area(value), system)
    return f"{text} {SYSTEM_NAMES[system]}" if system in SYSTEM_NAMES else text


# -- dates --------------------------------------------------------------------------------------------

END_OF_DAY = time(23, 59, 59)


def local(moment: datetime) -> datetime:
    """The moment in Kathmandu (a naive one is taken as UTC, as the table stores it)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(KATHMANDU)


# Nepali dates: the Gregorian calendar's months as Nepali writes them, in Devanagari digits ("३१ डिसेम्बर
# २०२६"). Bikram Sambat is not used: contracts, subscriptions and calendar invitations here run on Gregorian
# dates, and the same day must read the same in both languages.
NEPALI_DIGITS = str.maketrans("0123456789", "०१२३४५६७८९")
NEPALI_MONTHS = ("जनवरी", "फेब्रुअरी", "मार्च", "अप्रिल", "मे", "जुन", "जुलाई", "अगस्ट", "सेप्टेम्बर", "अक्टोबर",
                 "नोभेम्बर", "डिसेम्बर")


def day(value: date | datetime | None, *, year: bool = True, language: str = "en") -> str:
    """"1 Dec 2026" (or "1 Dec"): a moment's day in Kathmandu; ``language="ne"``: "१ डिसेम्बर २०२६"."""
    if value is None:
        return NOTHING
    if isinstance(value, datetime):
        value = local(value).date()
    if language == "ne":
        text = f"{value.day} {NEPALI_MONTHS[value.month - 1]}" + (f" {value.year}" if year else "")
        return text.translate(NEPALI_DIGITS)
    return f"{value.day} {value:%b %Y}" if year else f"{value.day} {value:%b}"


def moment(value: datetime | None, *, language: str = "en") -> str:
    """"1 Dec 2026, 14:30" in Kathmandu; ``language="ne"``: "१ डिसेम्बर २०२६, १४:३०"."""
    if value is None:
        return NOTHING
    here = local(value)
    text = f"{day(here.date(), language=language)}, {here:%H:%M}"
    return text.translate(NEPALI_DIGITS) if language == "ne" else text


def end_of_day(last: date) -> datetime:
    """How an inclusive end date is stored: the last second of that day in UTC (what a subscription's
    ``expires_at`` holds). ``last_day`` reads it back."""
    return datetime.combine(last, END_OF_DAY, tzinfo=UTC)


def last_day(end: datetime | None) -> date | None:
    """The day an inclusive end means. A stored end of day (23:59:59 UTC) is already 05:44 the next morning
    in Kathmandu, so its UTC day is the intended one; any other moment ends on its Kathmandu day."""
    if end is None:
        return None
    utc = (end if end.tzinfo else end.replace(tzinfo=UTC)).astimezone(UTC)
    return utc.date() if utc.time().replace(microsecond=0) == END_OF_DAY else local(utc).date()


def until(end: datetime | None) -> str:
    """"15 Dec 2026": an inclusive end date as people mean it."""
    return day(last_day(end))


def duration(seconds) -> str:
    """A span as people say it: "10 minutes", "1 hour", "45 seconds" (whole hours or minutes when it is)."""
    total = int(seconds)
    if total and total % 3600 == 0:
        return count_of(total // 3600, "hour")
    if total and total % 60 == 0:
        return count_of(total // 60, "minute")
    return count_of(total, "second")


# -- words --------------------------------------------------------------------------------------------

# Listing statuses as brokers, sellers and admins say them; any other state word is its name in words.
STATUS_WORDS = {
    "draft": "Draft", "pending_review": "Waiting for review", "active": "Active", "coming_soon": "Coming soon",
    "under_contract": "Under contract", "closed": "Sold or let", "rejected": "Rejected",
    "withdrawn": "Withdrawn", "expired": "Expired",
}


# The statuses where a chart's axis has room for at most ten characters (its bar's tooltip keeps
# ``STATUS_WORDS``'); a status not named here is short enough already.
STATUS_SHORT = {"pending_review": "In review", "coming_soon": "Upcoming", "under_contract": "Contracted",
                "closed": "Sold/let"}


def words(value) -> str:
    """A code as words: "semi_furnished" -> "Semi furnished"."""
    text = str(getattr(value, "value", value) or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else NOTHING


def status(value) -> str:
    code = str(getattr(value, "value", value) or "")
    return STATUS_WORDS.get(code) or words(code)


def status_short(value) -> str:
    """A status as a chart's axis writes it: "Contracted" for "Under contract"."""
    return STATUS_SHORT.get(str(getattr(value, "value", value) or "")) or status(value)


# -- the states of other records ----------------------------------------------------------------------
# Orders, listing documents and licence evidence, buyers' document access, viewings and media as their
# pages name them, each with its badge's tone: "ok" (done, granted), "bad" (failed, refused, ended) or
# "quiet" (waiting on someone). Listing statuses are ``STATUS_WORDS`` above.
RECORD_STATES: dict[str, dict[str, tuple[str, str]]] = {
    "order": {"created": ("Started", "quiet"), "pending": ("Awaiting payment", "quiet"),
              "completed": ("Paid", "ok"), "failed": ("Failed", "bad"), "refunded": ("Refunded", "quiet")},
    "document": {"awaiting_upload": ("Waiting for the file", "quiet"), "uploaded": ("Uploaded", "ok"),
                 "rejected": ("Rejected", "bad")},
    "access": {"requested": ("Asked", "quiet"), "granted": ("Granted", "ok"), "refused": ("Refused", "bad")},
    "viewing": {"requested": ("Waiting for an answer", "quiet"), "confirmed": ("Confirmed", "ok"),
                "declined": ("Declined", "bad"), "cancelled": ("Cancelled", "bad"),
                "expired": ("Expired unanswered", "bad")},
    "media": {"awaiting_upload": ("Waiting for the file", "quiet"), "processing": ("Processing", "quiet"),
              "ready": ("Ready", "ok"), "failed": ("Failed", "bad")},
}


def _record_state(value, record: str) -> tuple[str, str]:
    """A record state's words and tone; an unknown state is its code in words, quiet."""
    code = str(getattr(value, "value", value) or "")
    return RECORD_STATES[record].get(code) or (words(code), "quiet")


def state(value, record: str) -> str:
    """A record's state in words: ``state("completed", "order")`` -> "Paid"."""
    return _record_state(value, record)[0]


def state_tone(value, record: str) -> str:
    """The tone of a record state's badge ("ok", "bad" or "quiet"); an unknown state is quiet."""
    return _record_state(value, record)[1]


def place(slug) -> str:
    """A neighbourhood's name ("Budhanilkantha") from its slug."""
    found = BY_SLUG.get(str(slug or ""))
    return found.name if found else words(slug)


def count_of(n: int, noun: str, plural: str = "") -> str:
    """"1 listing", "3 listings", "1,20,000 views"."""
    return f"{number(n)} {noun if n == 1 else plural or noun + 's'}"


# What each lifecycle action did, for its success message: "Submitted for review: Villa in Sanepa".
DONE = {
    "submit": "Submitted for review", "approve": "Approved", "approve_coming_soon": "Approved as coming soon",
    "request_changes": "Changes requested", "reject": "Rejected", "withdraw": "Withdrawn",
    "mark_under_contract": "Marked under contract", "back_on_market": "Back on the market",
    "close": "Closed as sold or let", "relist": "Relisted as a draft", "feature": "Featured",
    "unfeature": "No longer featured", "admin_edit": "Saved", "edit": "Saved", "edit_price": "Price saved",
    "unpublish": "Unpublished", "expire": "Expired", "publish_due": "Published",
    "confirm": "Confirmed still available: it stays in search",
    "hold_unlicensed": "Held back (the agency's licence is not valid) and withdrawn",
}


def did(action) -> str:
    """What a lifecycle action did, in words: "approve_coming_soon" -> "Approved as coming soon"."""
    code = str(getattr(action, "value", action))
    return DONE.get(code) or words(code)


def done(action, subject: str) -> str:
    """A lifecycle action's success message naming what it was done to."""
    return f"{did(action)}: {subject}"


# What each audited action did to a record other than a listing, as its page's history reads it (a listing's
# history is its lifecycle's ``DONE`` words and its ``change_lines``); an action not named here is ``did``'s.
HISTORY_WORDS: dict[str, dict[str, str]] = {
    "agency": {
        "create": "Recorded", "licence_verified": "Licence verified",
        "licence_revoked": "Licence revoked: not on the published list", "licence_renew": "Renewal recorded",
        "licence_expiry_warned": "Told that the licence ends soon", "set_principal": "Principal broker set",
        "evidence_upload": "Licence evidence uploaded", "evidence_replace": "Licence evidence replaced",
        "evidence_delete": "Licence evidence deleted", "evidence_open": "Licence evidence opened",
    },
}
# Who an action names, from its changes: "Principal broker set: Sita Sharma".
HISTORY_SUBJECT = {"set_principal": "principal_broker_id"}


def history_line(entry, record: str, *, names: Mapping[str, str] | None = None) -> str:
    """One audit entry of a record in words; ``names``: people by id, for an action that names someone."""
    action = str(entry.action)
    what = HISTORY_WORDS.get(record, {}).get(action) or did(action)
    subject = HISTORY_SUBJECT.get(action)
    changes = entry.changes.as_dict() if hasattr(entry.changes, "as_dict") else entry.changes or {}
    change = changes.get(subject) if subject else None
    if change and change.get("after"):
        return f"{what}: {field_value(subject, change['after'], names=names)}"
    return what


def yes_no(value) -> str:
    return "yes" if value else "no"


# -- listing fields and history -----------------------------------------------------------------------


def media_names(media: Iterable) -> dict[str, str]:
    """{media_id: "Photo 2"}: each item by its kind and its position among the listing's media."""
    ordered = sorted(media, key=lambda m: (m.position, m.media_id))
    return {m.media_id: f"{KINDS[m.kind].label.capitalize() if m.kind in KINDS else words(m.kind)} {n}"
            for n, m in enumerate(ordered, start=1)}


def _choice_name(spec, value) -> str:
    return dict(spec.choices).get(value, words(value))


def _integer(spec, value) -> str:
    if spec.name == "year_built":  # a year is never grouped
        return str(int(_decimal(value)))
    return number(value) + (f" {spec.unit}" if spec.unit else "")


def _decimal_value(spec, value) -> str:
    return number(value, spec.places or 2) + (f" {spec.unit}" if spec.unit and spec.unit != "ft" else "")


def _area_value(spec, value) -> str:
    return land(value) if spec.name == "land_area_sqft" else land(value, "sqft")


FIELD_TEXT = {
    Kind.PRICE: lambda spec, value: money_short(value),
    Kind.AREA: _area_value,
    Kind.INTEGER: _integer,
    Kind.DECIMAL: _decimal_value,
    Kind.CHOICE: _choice_name,
    Kind.MANY: lambda spec, value: word_list(_choice_name(spec, v).lower() for v in value),
    Kind.FLAG: lambda spec, value: yes_no(value),
    Kind.TEXT: lambda spec, value: str(value),
}


def field_value(name: str, value, *, media: Mapping[str, str] | None = None,
                names: Mapping[str, str] | None = None) -> str:
    """One listing attribute's value in words, as the history and messages show it. ``media``: names by
    media id (``media_names``); ``names``: people by id (sellers, brokers)."""
    if value is None or value == "" or value == []:
        return NOTHING
    spec = FIELD.get(name)
    if spec is None:
        return _other_value(name, value, media or {}, names or {})
    if spec.kind == Kind.REFERENCE:
        return (names or {}).get(value, "someone not in the directory")
    if spec.kind in (Kind.PRICE, Kind.AREA, Kind.INTEGER, Kind.DECIMAL) and _decimal(value) is None:
        return str(value)  # not a number after all (an old entry): as it was written
    return FIELD_TEXT[spec.kind](spec, value)


def _other_value(name: str, value, media: Mapping[str, str], names: Mapping[str, str]) -> str:
    if name == "status":
        return status(value)
    if name in ("cover", "media_id"):
        return media.get(value, "a removed item")
    if name == "order":
        return word_list(media.get(v, "a removed item") for v in value)
    if name.endswith("_id") or name in ("seller", "broker"):
        return names.get(value, "someone not in the directory")
    if name.endswith("_at") and isinstance(value, str):
        try:
            return moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return word_list(words(v).lower() for v in value)
    if _decimal(value) is not None and not isinstance(value, str):
        return number(value)
    return str(value)


def change_line(name: str, before, after, *, media: Mapping[str, str] | None = None,
                names: Mapping[str, str] | None = None) -> str:
    """"Price: Rs 5.13 crore → Rs 4.5 crore"."""
    label = "Cover" if name == "cover" else "Media order" if name == "order" else label_of(name)
    return (f"{label}: {field_value(name, before, media=media, names=names)} {ARROW} "
            f"{field_value(name, after, media=media, names=names)}")


def change_lines(changes: Mapping, *, media: Mapping[str, str] | None = None,
                 names: Mapping[str, str] | None = None) -> list[str]:
    """An audit entry's changes ({field: {"before", "after"}}), one line each, in the form's field order."""
    order = {name: n for n, name in enumerate(FIELD)}
    return [change_line(name, change.get("before"), change.get("after"), media=media, names=names)
            for name, change in sorted(changes.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))]
