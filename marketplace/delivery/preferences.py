"""Per-person delivery preferences: e-mail and push on or off, the language of messages, and the buyer apps
whose push topics carry their push."""

from __future__ import annotations

from datetime import UTC, datetime

from marketplace.actors import Actor
from marketplace.delivery import BUYER_APP_NAMES, BUYER_APPS, LANGUAGE_NAMES, LANGUAGES
from marketplace.errors import ValidationError
from marketplace.formatting import word_list
from marketplace.models import DeliveryPreferences


def preferences_of(*, user_id: str) -> DeliveryPreferences:
    """The person's preferences (the defaults when they never chose)."""
    return DeliveryPreferences.get_or_none(user_id) or DeliveryPreferences(user_id=user_id)


def preferences_update(*, actor: Actor, email: bool | None = None, push: bool | None = None,
                       language: str | None = None, apps: list[str] | None = None) -> DeliveryPreferences:
    """Change what is given, keep the rest. One PutItem (the item holds nothing else). ``apps`` replaces
    the registered buyer apps (each named once, from ``BUYER_APPS``; an empty list: none)."""
    if language is not None and language not in LANGUAGES:
        raise ValidationError(f"must be {word_list(LANGUAGE_NAMES.values(), last='or')}", field="language")
    if apps is not None:
        if any(app not in BUYER_APPS for app in apps):
            raise ValidationError(f"must be {word_list(BUYER_APP_NAMES.values(), last='or')}", field="apps")
        if twice := [app for app in BUYER_APPS if apps.count(app) > 1]:
            raise ValidationError(f"names each app once, not {word_list(BUYER_APP_NAMES[a] for a in twice)} twice",
                                  field="apps")
        apps = [app for app in BUYER_APPS if app in apps]  # one order: the configured one
    preferences = preferences_of(user_id=actor.user_id)
    for name, value in (("email", email), ("push", push), ("language", language), ("apps", apps)):
        if value is not None:
            setattr(preferences, name, value)
    preferences.updated_at = datetime.now(UTC)
    preferences.derive_keys()
    preferences.save()
    return preferences
