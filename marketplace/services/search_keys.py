"""Backfill of the search keys (``Listing.title_key``, ``UserProfile.name_key``) on items written before
they existed; every write since derives them (``derive_keys``)."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from marketplace.lifecycle import Status
from marketplace.models import Listing, UserProfile
from marketplace.search_keys import search_key


def search_keys_backfill(*, apply: bool) -> int:
    """Write the missing or stale search keys: one Query per status and one over the people, then one
    UpdateItem per item that needs it, conditional on the text it was made from (a concurrent edit writes
    its own key and is left alone). Returns how many items it wrote (``apply``) or would write."""
    count = 0
    for status in Status:
        for listing in Listing.by_status(status):
            key = search_key(listing.title)
            if listing.title_key != key:
                count += _write(apply, listing, Listing.title_key.set(key), Listing.title == listing.title)
    for person in UserProfile.by_email():
        key = search_key(person.name, person.email)
        if person.name_key != key:
            count += _write(apply, person, UserProfile.name_key.set(key),
                            (UserProfile.name == person.name) & (UserProfile.email == person.email))
    return count


def _write(apply: bool, item, action, condition) -> int:
    """1 when the key is (or would be) written; 0 when the item changed meanwhile (its edit wrote its key)."""
    if not apply:
        return 1
    try:
        item.update(actions=[action], condition=condition)
    except UpdateError:
        return 0
    return 1
