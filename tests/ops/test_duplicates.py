"""``python -m ops duplicates backfill``: listings moderated before fingerprints existed get theirs, so
the review page finds them as likely duplicates."""

from __future__ import annotations

from marketplace.models import ListingFingerprint
from marketplace.selectors.listings import listing_with_media
from marketplace.services.duplicates import likely_duplicates
from ops.cli import main
from tests.shared.listings import make_listing
from tests.shared.people import LISTER


def test_a_backfill_gives_listings_without_a_fingerprint_theirs(platform, capsys):
    # Given an active listing whose fingerprint is missing (moderated before fingerprints existed)
    older = make_listing(LISTER, status="active", title="House moderated long ago")
    ListingFingerprint.get(*ListingFingerprint.key(older.listing_id)).delete()
    draft = make_listing(LISTER, title="A draft")
    newer = make_listing(LISTER, status="pending_review", title="The same house again", price="4.6 crore")
    listing, media = listing_with_media(listing_id=newer.listing_id)
    assert likely_duplicates(listing=listing, media=media) == []

    # When the backfill runs: a dry run first, then for real
    assert main(["duplicates", "backfill"]) == 0
    assert "would write 2 listing fingerprints" in capsys.readouterr().out
    assert ListingFingerprint.get_or_none(older.listing_id) is None
    assert main(["duplicates", "backfill", "--apply"]) == 0

    # Then the older listing is found again, and drafts still have none
    assert [d.listing_id for d in likely_duplicates(listing=listing, media=media)] == [older.listing_id]
    assert ListingFingerprint.get_or_none(draft.listing_id) is None
