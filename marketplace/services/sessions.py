"""Ending back-office sessions: all of a person's at once, when they lose a role or are locked out."""

from __future__ import annotations

from marketplace.actors import Actor
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import PermissionDenied
from marketplace.models import Session


def user_sessions_revoke(*, actor: Actor, user_id: str, reason: str = "") -> int:
    """Delete every stored session of ``user_id`` (their Cognito ``sub``; keys from the owner index, then
    batched deletes) and sign them out of Cognito everywhere (refresh tokens revoked).
    Returns how many sessions ended."""
    if not (actor.is_admin or actor.user_id == user_id):
        raise PermissionDenied("only admins may end someone else's sessions")
    keys = [(i.pk, i.sk) for i in Session.of_user(user_id)]
    with Session.batch_write() as batch:
        for pk, sk in keys:
            batch.delete(Session(pk, sk))
        batch.save(_audit(actor, user_id, len(keys), reason))
    client("cognito-idp").admin_user_global_sign_out(UserPoolId=settings().user_pool_id, Username=user_id)
    return len(keys)


def _audit(actor: Actor, user_id: str, count: int, reason: str):
    entry = audit_entry(actor=actor, entity_type="user", entity_id=user_id, action="end_sessions",
                        after={"sessions_ended": count}, reason=reason or None)
    entry.derive_keys()
    return entry
