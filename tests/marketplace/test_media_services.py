"""The domain's media services (marketplace/services/media.py): the upload slot, order, cover, delete,
review; ownership on every one."""

from __future__ import annotations

import base64
import json

import pytest

from marketplace import db
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.lifecycle import Action
from marketplace.media_kinds import MB
from marketplace.models import AuditEntry, Listing
from marketplace.selectors.media import media_awaiting_review, media_for_listing, media_get
from marketplace.services.listings import listing_transition
from marketplace.services.media import (
    media_approve,
    media_delete,
    media_reject,
    media_reorder,
    media_replace_upload,
    media_set_cover,
)
from tests.media_pipeline.helpers import get_object, photo
from tests.shared.media import version_shown, versions_shown
from tests.shared.people import ADMIN, BROKER, OTHER_BROKER


def test_the_upload_slot_is_a_presigned_post_capped_by_kind(uploads):
    slot = uploads.slot(kind="photo", content_type="image/png", size=5 * MB, filename="C:\\shots\\front.png")

    policy = json.loads(base64.b64decode(slot.fields["policy"]))
    assert slot.key == f"{uploads.listing.listing_id}/{slot.media.media_id}/{slot.media.upload_id}/original.photo"
    assert slot.url.endswith(f"/{settings().raw_bucket}")
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert ["content-length-range", 1, 40 * MB] in policy["conditions"]
    assert (slot.media.state, slot.media.kind, slot.media.filename, slot.media.position) == (
        "awaiting_upload", "photo", "front.png", 0)
    [audit] = AuditEntry.query(f"AUDIT#media#{slot.media.media_id}")
    assert (audit.action, audit.actor_id) == ("request_upload", BROKER.user_id)


@pytest.mark.parametrize("kind, content_type, size, field", [
    ("sculpture", "image/jpeg", 10, "kind"),
    ("photo", "image/svg+xml", 10, "content_type"),
    ("video", "image/jpeg", 10, "content_type"),
    ("photo", "image/jpeg", 0, "size"),
    ("photo", "image/jpeg", 41 * MB, "size"),
])
def test_a_bad_slot_request_names_the_field(uploads, kind, content_type, size, field):
    with pytest.raises(ValidationError) as error:
        uploads.slot(kind=kind, content_type=content_type, size=size)
    assert error.value.field == field
    assert media_for_listing(listing_id=uploads.listing.listing_id) == []


def test_only_the_owning_broker_or_an_admin_gets_a_slot(uploads):
    with pytest.raises(PermissionDenied):
        uploads.slot(actor=OTHER_BROKER)
    with pytest.raises(NotFound):
        uploads.slot(listing_id="nosuchlisting")
    assert uploads.slot(actor=ADMIN).media.uploaded_by == ADMIN.user_id


def test_reorder_sets_every_position(uploads):
    a, b, c = (uploads.slot().media.media_id for _ in range(3))

    media_reorder(listing_id=uploads.listing.listing_id, actor=BROKER, media_ids=[c, a, b],
                  expected_versions=versions_shown(uploads.listing.listing_id))

    assert [m.media_id for m in media_for_listing(listing_id=uploads.listing.listing_id)] == [c, a, b]
    with pytest.raises(ValidationError) as error:
        media_reorder(listing_id=uploads.listing.listing_id, actor=BROKER, media_ids=[c, a],
                      expected_versions=versions_shown(uploads.listing.listing_id))
    assert error.value.field == "media_ids"
    with pytest.raises(PermissionDenied):
        media_reorder(listing_id=uploads.listing.listing_id, actor=OTHER_BROKER, media_ids=[a, b, c],
                      expected_versions=versions_shown(uploads.listing.listing_id))


def test_set_cover_and_delete_the_cover(uploads):
    first = uploads.upload(photo(1600, 1200))
    second = uploads.upload(photo(1600, 1200, colour=(200, 20, 20)))
    pending = uploads.slot()

    version = Listing.get(*Listing.key(uploads.listing.listing_id)).version
    listing = media_set_cover(listing_id=uploads.listing.listing_id, media_id=second.media_id, actor=BROKER,
                              expected_version=version)
    assert listing.cover.media_id == second.media_id
    with pytest.raises(ValidationError):  # not ready yet
        media_set_cover(listing_id=uploads.listing.listing_id, media_id=pending.media.media_id, actor=BROKER,
                        expected_version=listing.version)

    media_delete(listing_id=uploads.listing.listing_id, media_id=second.media_id, actor=BROKER,
                 expected_version=version_shown(second))

    stored = Listing.get(*Listing.key(uploads.listing.listing_id))
    assert stored.cover.media_id == first.media_id
    assert [m.media_id for m in media_for_listing(listing_id=uploads.listing.listing_id)] == [
        first.media_id, pending.media.media_id]
    listed = client("s3").list_objects_v2(Bucket=settings().public_bucket,
                                          Prefix=f"listings/{uploads.listing.listing_id}/{second.media_id}/")
    assert listed.get("Contents", []) == []
    assert get_object(settings().public_bucket, first.variants[0].key)


def test_setting_the_cover_at_a_stale_version_is_a_conflict_and_changes_nothing(uploads):
    # Given a listing whose cover is the first photo, as a broker's page showed it
    first = uploads.upload(photo(1600, 1200))
    second = uploads.upload(photo(1600, 1200, colour=(200, 20, 20)))
    shown = Listing.get(*Listing.key(uploads.listing.listing_id))
    assert shown.cover.media_id == first.media_id
    # and someone changes the listing meanwhile
    media_set_cover(listing_id=shown.listing_id, media_id=first.media_id, actor=ADMIN, expected_version=shown.version)

    # When the broker makes the second photo the cover from the page they opened
    with pytest.raises(Conflict) as error:
        media_set_cover(listing_id=shown.listing_id, media_id=second.media_id, actor=BROKER,
                        expected_version=shown.version)

    # Then the conflict names the version, and nothing was written
    assert error.value.field == "expected_version"
    stored = Listing.get(*Listing.key(shown.listing_id))
    assert (stored.cover.media_id, stored.version) == (first.media_id, shown.version + 1)
    with pytest.raises(ValidationError) as missing:
        media_set_cover(listing_id=shown.listing_id, media_id=second.media_id, actor=BROKER, expected_version=None)
    assert missing.value.field == "expected_version"


def test_approving_a_listing_again_puts_the_media_reviewed_with_it_live(uploads):
    # Given a published listing to which the broker added a photo (processed, waiting for review) and a
    # second photo still on its way
    uploads.upload(photo())
    listing = Listing.get(*Listing.key(uploads.listing.listing_id))
    listing.status = "active"
    db.save(listing)
    added = uploads.upload(photo(colour=(200, 30, 30)), filename="new.jpg")
    arriving = uploads.slot(filename="late.jpg")
    uploads.post(arriving, photo(colour=(30, 30, 200)), "late.jpg")
    # and the listing is back in review after changes (withdrawn, edited, submitted again)
    listing = Listing.get(*Listing.key(listing.listing_id))
    listing.status = "pending_review"
    db.save(listing)
    assert [m.media_id for m in media_awaiting_review()] == [added.media_id]

    # When an admin approves the listing (having seen its media on the review page)
    approved = listing_transition(actor=ADMIN, listing_id=listing.listing_id, action=Action.APPROVE,
                                  expected_version=listing.version)

    # Then the processed photo is live with it, the listing counts it, and the media queue is empty
    assert approved.status == "active" and approved.ready_photos == 2
    assert media_get(listing_id=listing.listing_id, media_id=added.media_id).served
    assert media_awaiting_review() == []
    [approval] = [e for e in AuditEntry.query(f"AUDIT#listing#{listing.listing_id}") if e.action == "approve"]
    assert approval.changes.as_dict()["approved_media"] == {"before": None, "after": [added.media_id]}
    # and the photo still on its way waits for an admin in the media queue once processed
    uploads.process_pending()
    late = media_get(listing_id=listing.listing_id, media_id=arriving.media.media_id)
    assert (late.state, late.served) == ("ready", False)
    assert [m.media_id for m in media_awaiting_review()] == [late.media_id]


def test_media_added_to_a_published_listing_wait_for_an_admin(uploads):
    # Given a published listing with a reviewed cover photo
    cover = uploads.upload(photo())
    listing = Listing.get(*Listing.key(uploads.listing.listing_id))
    listing.status = "active"
    db.save(listing)
    # When the broker adds a photo
    added = uploads.upload(photo(colour=(200, 30, 30)), filename="new.jpg")
    # Then it is processed but buyers do not see it: the listing keeps its reviewed media and cover
    listing = Listing.get(*Listing.key(uploads.listing.listing_id))
    assert (added.state, added.review, added.served) == ("ready", "pending", False)
    assert (listing.cover.media_id, listing.ready_photos) == (cover.media_id, 1)
    assert [m.media_id for m in media_awaiting_review()] == [added.media_id]
    with pytest.raises(PermissionDenied):
        media_approve(listing_id=listing.listing_id, media_id=added.media_id, actor=BROKER,
                      expected_version=version_shown(added))

    # When an admin approves it, buyers see it
    approved = media_approve(listing_id=listing.listing_id, media_id=added.media_id, actor=ADMIN,
                             expected_version=version_shown(added))
    assert approved.served and media_awaiting_review() == []
    assert Listing.get(*Listing.key(listing.listing_id)).ready_photos == 2


def test_reorder_from_a_stale_page_is_a_conflict_and_keeps_the_order(uploads):
    # Given three items in the order a broker's page showed, each at its version
    a, b, c = (uploads.slot().media.media_id for _ in range(3))
    listing_id = uploads.listing.listing_id
    shown = versions_shown(listing_id)
    # and another page moved the last one first meanwhile
    media_reorder(listing_id=listing_id, actor=BROKER, media_ids=[c, a, b], expected_versions=shown)

    # When the first page swaps the first two
    with pytest.raises(Conflict) as error:
        media_reorder(listing_id=listing_id, actor=BROKER, media_ids=[b, a, c], expected_versions=shown)

    # Then it is told to reload, and the order stays the other page's
    assert error.value.field == "expected_versions" and "reload" in error.value.message
    assert [m.media_id for m in media_for_listing(listing_id=listing_id)] == [c, a, b]
    with pytest.raises(ValidationError) as missing:
        media_reorder(listing_id=listing_id, actor=BROKER, media_ids=[b, a, c], expected_versions={a: 1})
    assert missing.value.field == "expected_versions"
    media_reorder(listing_id=listing_id, actor=BROKER, media_ids=[b, a, c], expected_versions=versions_shown(listing_id))
    assert [m.media_id for m in media_for_listing(listing_id=listing_id)] == [b, a, c]


# Each edit of one media item, by whoever may make it, at the item's version a page showed.
ITEM_EDITS = {
    "delete": lambda media, version: media_delete(listing_id=media.listing_id, media_id=media.media_id,
                                                  actor=BROKER, expected_version=version),
    "replace": lambda media, version: media_replace_upload(
        listing_id=media.listing_id, media_id=media.media_id, actor=BROKER, content_type="image/jpeg", size=1000,
        filename="better.jpg", expected_version=version),
    "approve": lambda media, version: media_approve(listing_id=media.listing_id, media_id=media.media_id,
                                                    actor=ADMIN, expected_version=version),
    "reject": lambda media, version: media_reject(listing_id=media.listing_id, media_id=media.media_id,
                                                  actor=ADMIN, expected_version=version),
}


@pytest.mark.parametrize("edit", ITEM_EDITS)
def test_an_edit_of_a_media_item_from_a_stale_page_is_a_conflict_and_writes_nothing(uploads, edit):
    # Given a photo added to a published listing, processed and waiting for review, as a page showed it
    listing = Listing.get(*Listing.key(uploads.listing.listing_id))
    listing.status = "active"
    db.save(listing)
    shown = uploads.upload(photo(), filename="terrace.jpg")
    # and the broker replaced its file from another page meanwhile
    ITEM_EDITS["replace"](shown, shown.version)
    current = media_get(listing_id=shown.listing_id, media_id=shown.media_id)
    audits = len(list(AuditEntry.query(f"AUDIT#media#{shown.media_id}")))

    # When the edit is made from the first page
    with pytest.raises(Conflict) as error:
        ITEM_EDITS[edit](shown, shown.version)

    # Then it names the version and asks for a reload, and nothing was written
    assert error.value.field == "expected_version" and "reload" in error.value.message
    stored = media_get(listing_id=shown.listing_id, media_id=shown.media_id)
    assert (stored.version, stored.upload_id, stored.proposed.content_version) == (
        current.version, current.upload_id, shown.proposed.content_version)
    assert len(list(AuditEntry.query(f"AUDIT#media#{shown.media_id}"))) == audits
    with pytest.raises(ValidationError) as missing:
        ITEM_EDITS[edit](shown, None)
    assert missing.value.field == "expected_version"
    # and from a page showing the current version it goes through
    ITEM_EDITS[edit](shown, current.version)
    assert len(list(AuditEntry.query(f"AUDIT#media#{shown.media_id}"))) == audits + 1


def test_a_closed_listing_keeps_its_media_as_it_was_sold_and_only_moderation_touches_it(uploads):
    # Given a sold listing with two reviewed photos (the second the cover) and one added while it was
    # active, still waiting for an admin
    listing_id = uploads.listing.listing_id
    first = uploads.upload(photo(1600, 1200))
    second = uploads.upload(photo(1600, 1200, colour=(200, 20, 20)))
    cover = media_set_cover(listing_id=listing_id, media_id=second.media_id, actor=BROKER,
                            expected_version=Listing.get(*Listing.key(listing_id)).version)
    cover.status = "active"
    db.save(cover)
    added = uploads.upload(photo(colour=(20, 200, 20)), filename="late.jpg")
    listing = Listing.get(*Listing.key(listing_id))
    listing.status = "closed"
    db.save(listing)
    shown = versions_shown(listing_id)
    audits = len(list(AuditEntry.query(f"AUDIT#listing#{listing_id}")))

    # When the broker or an admin changes its media: order, cover, deletion, a new or a replaced file
    edits = {
        "reorder": lambda actor: media_reorder(listing_id=listing_id, actor=actor, expected_versions=shown,
                                               media_ids=[second.media_id, first.media_id, added.media_id]),
        "cover": lambda actor: media_set_cover(listing_id=listing_id, media_id=first.media_id, actor=actor,
                                               expected_version=listing.version),
        "delete": lambda actor: media_delete(listing_id=listing_id, media_id=first.media_id, actor=actor,
                                             expected_version=version_shown(first)),
        "replace": lambda actor: media_replace_upload(listing_id=listing_id, media_id=first.media_id, actor=actor,
                                                      content_type="image/jpeg", size=1000, filename="x.jpg",
                                                      expected_version=version_shown(first)),
        "add": lambda actor: uploads.slot(actor=actor),
    }
    for name, edit in edits.items():
        for actor in (BROKER, ADMIN):
            # Then each is refused, saying why
            with pytest.raises(IllegalTransition) as refused:
                edit(actor)
            assert (refused.value.field, "closed listing" in refused.value.message) == ("status", True), name

    # and nothing changed
    stored = Listing.get(*Listing.key(listing_id))
    assert (stored.cover.media_id, stored.version) == (second.media_id, listing.version)
    assert [m.media_id for m in media_for_listing(listing_id=listing_id)] == [
        first.media_id, second.media_id, added.media_id]
    assert len(list(AuditEntry.query(f"AUDIT#listing#{listing_id}"))) == audits
    # while an admin still rejects the addition nobody reviewed (a moderation decision)
    assert media_reject(listing_id=listing_id, media_id=added.media_id, actor=ADMIN,
                        expected_version=version_shown(added)) is None
    assert [m.media_id for m in media_for_listing(listing_id=listing_id)] == [first.media_id, second.media_id]
