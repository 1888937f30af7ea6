"""The e-mail suppression list as admins work it: find suppressed addresses (by address, reason, date)
and lift a suppression with a note, audited (the address is mailed again; a new bounce or complaint
suppresses it again).

The list reads the suppressions' collection on gsi5 by date; an exact address is also read by key, so a
suppression stored before the collection existed is still found and lifted (``python -m ops migrate
suppressions --apply`` gives those their index keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pynamodb.exceptions import UpdateError

from marketplace import db
from marketplace.actors import Actor
from marketplace.audit import audit_entry
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.formatting import word_list
from marketplace.models import AuditEntry, EmailSuppression, iso

REASONS = {"bounce": "Bounce", "complaint": "Complaint"}  # why an address is suppressed, as admins read it
NOTE_LENGTHS = (3, 300)
DEFAULT_DAYS = 90  # the list's default window
PAGE = 100
AUDIT_TYPE = "email_suppression"


@dataclass(frozen=True)
class SuppressionSearch:
    address: str = ""  # part of an address, or all of it
    reason: str = ""  # one of REASONS, or any
    since: date | None = None
    until: date | None = None


def _window(search: SuppressionSearch, *, today: date) -> tuple[datetime, datetime]:
    until = search.until or today
    since = search.since or until - timedelta(days=DEFAULT_DAYS)
    if since > until:
        raise ValidationError("the first day must not be after the last", field="since")
    return datetime.combine(since, time.min, UTC), datetime.combine(until, time.max, UTC)


def suppressions_find(*, search: SuppressionSearch, today: date | None = None) -> list[EmailSuppression]:
    """Suppressions matching ``search``, newest first (at most ``PAGE``): one Query of the collection,
    filtered by reason and address; an exact address also by key (one GetItem)."""
    if search.reason and search.reason not in REASONS:
        raise ValidationError(f"must be {word_list(REASONS.values(), last='or')}, or any", field="reason")
    since, until = _window(search, today=today or datetime.now(UTC).date())
    needle = search.address.strip().lower()
    condition = None
    if search.reason:
        condition = EmailSuppression.reason == search.reason
    if needle:
        contains = EmailSuppression.address.contains(needle)
        condition = contains if condition is None else condition & contains
    found = {s.address: s for s in EmailSuppression.listed(since, until, scan_index_forward=False, limit=PAGE,
                                                           filter_condition=condition)}
    if "@" in needle and needle not in found:
        exact = EmailSuppression.get_or_none(needle, consistent=True)
        if exact is not None and (not search.reason or exact.reason == search.reason):
            found[exact.address] = exact
    return sorted(found.values(), key=lambda s: s.created_at, reverse=True)


def _note(note: str) -> str:
    cleaned = " ".join((note or "").split())
    low, high = NOTE_LENGTHS
    if not low <= len(cleaned) <= high:
        raise ValidationError(f"say why, in {low} to {high} characters (e.g. 'mailbox fixed, confirmed by phone')",
                              field="note")
    return cleaned


def suppression_lift(*, actor: Actor, address: str, note: str) -> EmailSuppression:
    """An admin lifts the suppression of ``address`` with a note: the suppression is deleted (on the
    condition it is the one read: a new report meanwhile is not lifted unseen) with its audit entry, in
    one transaction."""
    if not actor.is_admin:
        raise PermissionDenied("only admins lift suppressions")
    note = _note(note)
    suppression = EmailSuppression.get_or_none(address, consistent=True)
    if suppression is None:
        raise NotFound("this address is not suppressed", field="address")
    with db.transaction(conflict_message="the address was reported again meanwhile: reload and look again",
                        conflict_field="address") as tx:
        tx.delete(suppression, condition=EmailSuppression.created_at == suppression.created_at)
        tx.save(audit_entry(actor=actor, entity_type=AUDIT_TYPE, entity_id=suppression.address, action="lift",
                            before={"reason": suppression.reason, "detail": suppression.detail,
                                    "suppressed_at": iso(suppression.created_at)}, after={}, reason=note))
    return suppression


def suppression_history(*, address: str, limit: int = 20) -> list[AuditEntry]:
    """The lifts of one address, newest first."""
    return list(AuditEntry.history(AUDIT_TYPE, address.strip().lower(), scan_index_forward=False, limit=limit))


def suppressions_backfill(*, apply: bool) -> int:
    """Give suppressions stored before the admins' list its index keys (gsi5 ``SUPPRESSIONS``): one
    filtered Scan, then one UpdateItem each, on the condition that it is still the suppression read (a new
    report meanwhile writes its own keys). Idempotent: an item with its keys no longer matches. Returns how
    many it wrote (``apply``) or would write."""
    count = 0
    for old in EmailSuppression.unlisted():
        old.derive_keys()
        if apply:
            try:
                old.update(actions=[EmailSuppression.gsi5pk.set(old.gsi5pk), EmailSuppression.gsi5sk.set(old.gsi5sk)],
                           condition=EmailSuppression.created_at == old.created_at)
            except UpdateError:
                continue
        count += 1
    return count
