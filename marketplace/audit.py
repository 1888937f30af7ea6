"""Audit entries: who changed what, when, with the before/after of each changed field."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

from marketplace.actors import Actor
from marketplace.ids import new_id
from marketplace.models import AuditEntry, iso
from marketplace.observability import correlation_id


def _plain(value):
    """Values as the audit log shows them: JSON-friendly and stable."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):  # a Tier or Status: its value (the table stores plain types only)
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    return value


def changes_between(before: dict, after: dict) -> dict:
    fields = sorted(set(before) | set(after))
    return {f: {"before": _plain(before.get(f)), "after": _plain(after.get(f))}
            for f in fields if _plain(before.get(f)) != _plain(after.get(f))}


def audit_entry(*, actor: Actor, entity_type: str, entity_id: str, action: str, before: dict | None = None,
                after: dict | None = None, reason: str | None = None) -> AuditEntry:
    """Build (not save) the entry; the caller writes it in the same transaction as the change."""
    return AuditEntry(audit_id=new_id(), entity_type=entity_type, entity_id=entity_id, action=action,
                      actor_id=actor.user_id, actor_email=actor.email,
                      changes=changes_between(before or {}, after or {}), reason=reason,
                      correlation_id=correlation_id())
