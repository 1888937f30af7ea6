"""Taking a lifecycle action in a test's set-up as a person would: at the version they just read."""

from __future__ import annotations

from marketplace.selectors.listings import listing_get
from marketplace.services.listings import listing_transition


def listing_act(*, listing_id: str, **arguments):
    """``listing_transition`` at the listing's current version (tests of stale versions call the service)."""
    version = listing_get(listing_id=listing_id, consistent=True).version
    return listing_transition(listing_id=listing_id, expected_version=version, **arguments)
