"""Backfill of the search keys (``Listing.title_key``, ``Listing.broker_key``, ``UserProfile.name_key``) on
items written before they existed; every write since derives them (``derive_keys``; the broker's name
from ``listing_create`` and ``broker_rename``, which calls ``broker_key_rewrite``)."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from marketplace.lifecycle import Status
from marketplace.models import BrokerProfile, Listing, UserProfile
from marketplace.search_keys import search_key


def search_keys_backfill(*, apply: bool) -> int:
    """Write the missing or stale search keys: one Query over the broker directory, one per status and one
    over the people, then one UpdateItem per key that needs it, conditional on the text it was made from (a
    concurrent edit writes its own key and is left alone). Returns how many keys it wrote (``apply``) or
    would write."""
    count = 0
    brokers = {b.broker_id: search_key(b.name) for b in BrokerProfile.directory()}
    for status in Status:
        for listing in Listing.by_status(status):
            key = search_key(listing.title)
            if listing.title_key != key:
                count += _write(apply, listing, Listing.title_key.set(key), Listing.title == listing.title)
            broker_key = brokers.get(listing.broker_id)
            if broker_key is not None and listing.broker_key != broker_key:
                count += _write(apply, listing, Listing.broker_key.set(broker_key),
                                Listing.broker_id == listing.broker_id)
    for person in UserProfile.by_email():
        key = search_key(person.name, person.email)
        if person.name_key != key:
            count += _write(apply, person, UserProfile.name_key.set(key),
                            (UserProfile.name == person.name) & (UserProfile.email == person.email))
    return count


def broker_key_rewrite(*, broker_id: str, name: str, attempts: int = 3) -> int:
    """Give every listing of the broker their name's search key: one Query of the broker's listings (gsi3),
    then one UpdateItem per listing whose key differs. Each update is conditioned on the listing's
    ``write_version`` (PynamoDB's version check), so a full save racing it fails and rereads the new key;
    a listing that changed meanwhile is read again and retried. Returns how many listings it wrote."""
    key, written = search_key(name), 0
    for listing in Listing.of_broker(broker_id):
        for _ in range(attempts):
            if listing.broker_key == key:
                break
            try:
                listing.update(actions=[Listing.broker_key.set(key)])
                written += 1
                break
            except UpdateError:
                listing = Listing.get(*Listing.key(listing.listing_id), consistent_read=True)
    return written


def _write(apply: bool, item, action, condition) -> int:
    """1 when the key is (or would be) written; 0 when the item changed meanwhile (its edit wrote its key)."""
    if not apply:
        return 1
    try:
        item.update(actions=[action], condition=condition)
    except UpdateError:
        return 0
    return 1
