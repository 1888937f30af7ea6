"""A media item and the version waiting for its review hold the same served fields (``MediaServed``):
approval serves every one of them."""

from __future__ import annotations

from marketplace import db
from marketplace.models import SERVED_FIELDS, Listing
from marketplace.selectors.media import media_get
from marketplace.services.media import media_approve
from tests.media_pipeline.helpers import photo
from tests.shared.media import served_fields, version_shown
from tests.shared.people import ADMIN


def test_approval_serves_every_field_the_waiting_version_was_processed_with(uploads):
    # Given a photo added to a published listing, processed and waiting for review
    listing = Listing.get(*Listing.key(uploads.listing.listing_id))
    listing.status = "active"
    db.save(listing)
    waiting = uploads.upload(photo(), filename="terrace.jpg")
    proposed = served_fields(waiting.proposed)
    assert set(proposed) == set(SERVED_FIELDS) - {"duration_seconds"}  # a photo has no duration
    assert served_fields(waiting) == {"variants": []}

    # When an admin approves it
    media_approve(listing_id=waiting.listing_id, media_id=waiting.media_id, actor=ADMIN,
                  expected_version=version_shown(waiting))

    # Then the item serves exactly what the version held
    served = media_get(listing_id=waiting.listing_id, media_id=waiting.media_id)
    assert served_fields(served) == proposed and served.content_version == waiting.proposed.content_version
