"""Per-person delivery preferences: e-mail and push on or off, and the language of messages."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.actors import Actor
from marketplace.delivery import LANGUAGES
from marketplace.errors import ValidationError
from marketplace.models import DeliveryPreferences


def preferences_of(*, user_id: str) -> DeliveryPreferences:
    """The person's preferences (the defaults when they never chose)."""
    return DeliveryPreferences.get_or_none(user_id) or DeliveryPreferences(user_id=user_id)


def preferences_update(*, actor: Actor, email: bool | None = None, push: bool | None = None,
                       language: str | None = None) -> DeliveryPreferences:
    """Change what is given, keep the rest. One PutItem (the item holds nothing else)."""
    if language is not None and language not in LANGUAGES:
        raise ValidationError(f"must be one of: {', '.join(LANGUAGES)}", field="language")
    preferences = preferences_of(user_id=actor.user_id)
    for name, value in (("email", email), ("push", push), ("language", language)):
        if value is not None:
            setattr(preferences, name, value)
    preferences.updated_at = datetime.now(UTC)
    preferences.derive_keys()
    preferences.save()
    return preferences
