"""Unsubscribe links: a token signed with the platform's signing key (the one cursors use,
``marketplace.pagination``) naming one buyer's one search, so the link works without signing in and
cannot be forged or pointed at another search. Following it switches that search off (idempotent)."""

from __future__ import annotations

from urllib.parse import urlencode

from marketplace import db
from marketplace.config import settings
from marketplace.errors import ValidationError
from marketplace.models import SavedSearch
from marketplace.pagination import decode_position, encode_position

SCOPE = "unsubscribe"


def token_for(*, user_id: str, search_id: str) -> str:
    return encode_position([user_id, search_id], scope=SCOPE)


def link_for(*, user_id: str, search_id: str) -> str:
    return f"{settings().api_url}/v1/unsubscribe?{urlencode({'token': token_for(user_id=user_id, search_id=search_id)})}"


def unsubscribe(*, token: str) -> SavedSearch | None:
    """Switch the token's search off; the search (None when it was deleted meanwhile). A forged or
    malformed token is a ``ValidationError`` naming ``token``."""
    from marketplace.alerts.searches import Frequency, match_entries  # the search service imports this module

    position = decode_position(token, scope=SCOPE, field_name="token")
    if len(position) != 2 or not all(isinstance(part, str) for part in position):
        raise ValidationError("is not a valid token", field="token")
    user_id, search_id = position
    search = SavedSearch.get_or_none(user_id, search_id, consistent=True)
    if search is None or search.frequency == Frequency.OFF:
        return search
    entries = match_entries(search)
    search.frequency = Frequency.OFF.value
    with db.transaction() as tx:
        tx.save(search)
        for entry in entries:
            tx.delete(entry)
    return search
