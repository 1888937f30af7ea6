"""Backfill of the search keys (``Listing.title_key``, ``Listing.broker_key``, ``UserProfile.name_key`` and
the people's name order on gsi3, ``BrokerProfile.name_key``, ``Agency.name_key``) on items written before
they existed; every write since derives them (``derive_keys``; the broker's name from ``listing_create``
and ``broker_rename``, which calls ``broker_key_rewrite``)."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from marketplace.lifecycle import Status
from marketplace.models import Agency, BrokerProfile, Listing, UserProfile
from marketplace.search_keys import search_key


def search_keys_backfill(*, apply: bool) -> int:
    """Write the missing or stale search keys: one Query over the broker directory, one over the agencies,
    one per status and one over the people, then one UpdateItem per key that needs it (the people's name
    order, gsi3, is one), conditional on the text it was made from (a
    concurrent edit writes its own key and is left alone). Returns how many keys it wrote (``apply``) or
    would write."""
    count = 0
    directory = list(BrokerProfile.directory())
    brokers = {b.broker_id: search_key(b.name) for b in directory}
    for item in (*directory, *Agency.by_expiry()):  # brokers and agencies: name and licence number
        stored = item.name_key
        item.derive_keys()  # the key the item derives now (in memory only: the update below writes it)
        if item.name_key != stored:
            model = type(item)
            count += _write_in_place(apply, item, model.name_key.set(item.name_key),
                                     (model.name == item.name) & (model.licence_number == item.licence_number))
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
        unchanged = (UserProfile.name == person.name) & (UserProfile.email == person.email)
        key = UserProfile.name_sort_key(person.name, person.email)
        if person.name_key != key:
            count += _write(apply, person, UserProfile.name_key.set(key), unchanged)
        stored = (person.gsi3pk, person.gsi3sk)
        person.derive_keys()  # the name order (gsi3) the profile derives now
        if (person.gsi3pk, person.gsi3sk) != stored:
            count += _write(apply, person, [UserProfile.gsi3pk.set(person.gsi3pk), UserProfile.gsi3sk.set(person.gsi3sk)],
                            unchanged)
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
        item.update(actions=action if isinstance(action, list) else [action], condition=condition)
    except UpdateError:
        return 0
    return 1


def _write_in_place(apply: bool, item, action, condition) -> int:
    """As ``_write``, leaving the item's version as it is: a key is no change of the profile, so a page
    showing it stays current (PynamoDB's ``update`` would move the version)."""
    if not apply:
        return 1
    try:
        type(item)._get_connection().update_item(item.pk, item.sk, actions=[action], condition=condition)
    except UpdateError:
        return 0
    return 1
