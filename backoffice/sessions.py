"""Django sessions stored server-side in the table (``marketplace.models.Session``).

Server-side so they can be revoked: signing out deletes the item, and every session of a user can be
ended at once (``marketplace.services.sessions.user_sessions_revoke``) when they lose a role.
``expires`` is the table's TTL attribute; TTL deletion is lazy, so an expired item is ignored on load.
A save never resurrects a session revoked while a request was in flight: updates are conditional on
the item still existing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError

from marketplace import db
from marketplace.errors import Conflict
from marketplace.models import Session

USER_KEY = "actor"  # the signed-in person's claims: written at sign-in (views.accounts), read by middleware.actor


class SessionStore(SessionBase):
    def _item(self, session_key: str) -> Session | None:
        item = Session.get_or_none(session_key, consistent=True)
        if item is None:
            return None
        if item.expires is not None and item.expires <= datetime.now(UTC):
            return None
        return item

    def load(self) -> dict:
        item = self._item(self.session_key) if self.session_key else None
        if item is None:
            self._session_key = None
            return {}
        return self.decode(item.data)

    def exists(self, session_key: str) -> bool:
        return self._item(session_key) is not None

    def create(self) -> None:
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue  # a key clash: draw another
            self.modified = True
            return

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        actor = data.get(USER_KEY) or {}
        item = Session(session_key=self.session_key, data=self.encode(data), user_id=actor.get("user_id"),
                       expires=self.get_expiry_date())
        condition = Session.pk.does_not_exist() if must_create else Session.pk.exists()
        try:
            db.save(item, condition=condition)
        except Conflict:
            raise (CreateError if must_create else UpdateError) from None

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        if key:
            Session(*Session.key(key)).delete()

    @classmethod
    def clear_expired(cls) -> None:
        """DynamoDB's TTL removes expired sessions; nothing to do."""
