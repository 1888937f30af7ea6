"""``python -m ops migrate media-review``: media reviewed in place by the model before per-upload
versions (``review = "pending"`` with the unreviewed upload in the item's own served fields) wait in
``proposed`` again, as media added today do; items of today's shape are left alone."""

from __future__ import annotations

import pytest

from marketplace import db
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import IllegalTransition
from marketplace.models import AuditEntry, Listing, Media
from marketplace.selectors.media import media_awaiting_review, media_get
from marketplace.services.media import media_approve, media_replace_upload
from ops.cli import main
from tests.media_pipeline.helpers import photo
from tests.shared.media import served_fields, version_shown
from tests.shared.people import ADMIN, BROKER


def _publish(listing_id: str) -> None:
    listing = Listing.get(*Listing.key(listing_id))
    listing.status = "active"
    db.save(listing)


def _store_in_the_old_shape(media: Media) -> dict:
    """Rewrite the stored item as the model before per-upload versions wrote it: the upload waiting for
    review in the item's own served fields, ``review`` pending, no ``proposed``. Returns those fields."""
    dynamodb, table = client("dynamodb"), settings().table_name
    key = {"pk": {"S": media.pk}, "sk": {"S": media.sk}}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    in_place = item.pop("proposed")["M"]
    item.update(in_place, review={"S": "pending"})
    dynamodb.put_item(TableName=table, Item=item)
    return in_place


def _replace(media: Media) -> None:
    media_replace_upload(listing_id=media.listing_id, media_id=media.media_id, actor=BROKER,
                         content_type="image/jpeg", size=1000, filename="better.jpg",
                         expected_version=version_shown(media))


def _migrate(*args: str) -> int:
    return main(["migrate", "media-review", *args])


def test_a_photo_reviewed_in_place_waits_for_review_again(uploads, capsys):
    # Given a published listing with a reviewed cover, and a photo added after publishing that the old
    # model stored with its unreviewed upload in place
    cover = uploads.upload(photo())
    _publish(uploads.listing.listing_id)
    added = uploads.upload(photo(colour=(200, 30, 30)), filename="new.jpg")
    in_place = _store_in_the_old_shape(added)
    old = media_get(listing_id=added.listing_id, media_id=added.media_id)
    # (so it is served unreviewed, and no admin can approve it)
    assert old.served and old.proposed is None
    with pytest.raises(IllegalTransition):
        media_approve(listing_id=old.listing_id, media_id=old.media_id, actor=ADMIN, expected_version=old.version)

    # When the migration runs dry, then for real
    assert _migrate() == 0
    assert "would move 1 " in capsys.readouterr().out
    assert media_get(listing_id=old.listing_id, media_id=old.media_id).version == old.version
    assert _migrate("--apply") == 0
    assert "moved 1 " in capsys.readouterr().out

    # Then the upload waits in "proposed", unserved, in the admins' queue; the listing keeps its reviewed cover
    moved = media_get(listing_id=old.listing_id, media_id=old.media_id)
    assert moved.proposed.content_version == in_place["content_version"]["S"] == old.content_version
    assert served_fields(moved.proposed) == served_fields(old) and old.variants
    assert (moved.served, moved.content_version, moved.review) == (False, None, "pending")
    assert [m.media_id for m in media_awaiting_review()] == [moved.media_id]
    listing = Listing.get(*Listing.key(old.listing_id))
    assert (listing.cover.media_id, listing.ready_photos) == (cover.media_id, 1)
    [audit] = [e for e in AuditEntry.history("media", moved.media_id) if e.action == "migrate_review"]
    assert audit.actor_id == "system"
    # and an admin approves it as any other
    approved = media_approve(listing_id=moved.listing_id, media_id=moved.media_id, actor=ADMIN,
                             expected_version=moved.version)
    assert approved.served and approved.content_version == old.content_version
    assert Listing.get(*Listing.key(old.listing_id)).ready_photos == 2


def test_running_again_changes_nothing(uploads, capsys):
    # Given two items reviewed in place, migrated once
    _publish(uploads.listing.listing_id)
    for colour in ((200, 30, 30), (30, 200, 30)):
        _store_in_the_old_shape(uploads.upload(photo(colour=colour)))
    assert _migrate("--apply") == 0
    assert "moved 2 " in capsys.readouterr().out
    after_first = {m.media_id: m.version for m in Media.of_listing(uploads.listing.listing_id, consistent_read=True)}

    # When it runs again (as after an interruption)
    assert _migrate("--apply") == 0

    # Then there is nothing left to move and no item is written again
    assert "moved 0 " in capsys.readouterr().out
    assert {m.media_id: m.version for m in Media.of_listing(uploads.listing.listing_id, consistent_read=True)} == (
        after_first)


def test_while_a_newer_upload_is_on_its_way_the_history_tells_the_old_shape_from_todays(uploads):
    # Given, on a published listing, a photo added after publishing, stored in place by the old model and
    # being replaced (its in-place version was never reviewed)
    reviewed = uploads.upload(photo())
    _publish(uploads.listing.listing_id)
    added = uploads.upload(photo(colour=(200, 30, 30)), filename="new.jpg")
    _store_in_the_old_shape(added)
    _replace(added)
    # and a photo reviewed before publishing, being replaced today (its served version WAS reviewed)
    _replace(reviewed)
    replaced = media_get(listing_id=reviewed.listing_id, media_id=reviewed.media_id)
    assert (replaced.review, replaced.proposed, replaced.state) == ("pending", None, "awaiting_upload")

    # When the migration runs
    assert _migrate("--apply") == 0

    # Then only the never-reviewed version moves into "proposed"; the reviewed one stays served
    moved = media_get(listing_id=added.listing_id, media_id=added.media_id)
    assert (moved.served, moved.proposed.content_version) == (False, added.proposed.content_version)
    kept = media_get(listing_id=reviewed.listing_id, media_id=reviewed.media_id)
    assert (kept.served, kept.proposed, kept.version) == (True, None, replaced.version)
    assert Listing.get(*Listing.key(reviewed.listing_id)).ready_photos == 1


def test_an_item_still_uploading_with_no_history_is_left_alone_and_named(uploads, capsys):
    # Given an item reviewed in place and being replaced, whose audit history is gone
    _publish(uploads.listing.listing_id)
    added = uploads.upload(photo(colour=(200, 30, 30)))
    _store_in_the_old_shape(added)
    _replace(added)
    for entry in AuditEntry.history("media", added.media_id):
        entry.delete()
    before = media_get(listing_id=added.listing_id, media_id=added.media_id)

    # When the migration runs
    assert _migrate("--apply") == 0

    # Then nothing is written to it, and the operator is told which item could not be decided
    out = capsys.readouterr().out
    assert "moved 0 " in out and "1 left as they are, no audit history" in out
    assert f"{added.listing_id}/{added.media_id}" in out
    assert media_get(listing_id=added.listing_id, media_id=added.media_id).version == before.version
