"""The pipeline's bookkeeping on a listing (photo count, cover) and the people editing it: a page opened
before a photo finished processing stays good, another person's change still makes it stale, and no
write, the pipeline's or a person's, overwrites another."""

from __future__ import annotations

import pytest

from marketplace import db
from marketplace.errors import Conflict
from marketplace.selectors.listings import listing_get
from marketplace.services.listings import listing_update
from marketplace.services.media import media_delete, media_set_cover
from media_pipeline.runner import run
from media_pipeline.steps import STEPS
from tests.media_pipeline.helpers import photo
from tests.shared.media import version_shown
from tests.shared.people import ADMIN, BROKER

pytestmark = pytest.mark.timeout(180)

PUBLISH = STEPS[-1]


def opened(uploads):
    """The listing as the broker's page shows it, opened now."""
    return listing_get(listing_id=uploads.listing.listing_id, consistent=True)


def rendered(uploads, colour=(40, 90, 160)) -> dict:
    """A photo uploaded and rendered, its execution about to publish (the pipeline's listing write)."""
    slot = uploads.slot()
    uploads.post(slot, photo(1600, 1200, colour=colour))
    [upload] = uploads.take_uploads()
    return run(upload, steps=STEPS[:-1])


@pytest.fixture
def first_commit_races(monkeypatch):
    """``races(write)``: ``write`` lands just before the next transaction commits (once), as a concurrent
    writer's would between that transaction's read and its write."""

    def races(write) -> None:
        commit = db.commit

        def racing(tx, *, token):
            monkeypatch.setattr(db, "commit", commit)
            write()
            commit(tx, token=token)

        monkeypatch.setattr(db, "commit", racing)

    return races


def test_a_page_opened_before_photos_finished_processing_still_saves_and_sets_the_cover(uploads):
    # Given the broker opened the listing, then uploaded photos the pipeline processed (count and cover)
    shown = opened(uploads)
    first = uploads.upload(photo(1600, 1200))
    second = uploads.upload(photo(1600, 1200, colour=(200, 20, 20)))
    assert (opened(uploads).ready_photos, opened(uploads).cover.media_id) == (2, first.media_id)

    # When they save the form and make the second photo the cover, from the page they opened
    saved = listing_update(actor=BROKER, listing_id=shown.listing_id, fields={"title": "Villa with a garden"},
                           expected_version=shown.version)
    media_set_cover(listing_id=shown.listing_id, media_id=second.media_id, actor=BROKER,
                    expected_version=saved.version)

    # Then both land, on top of the pipeline's bookkeeping
    stored = opened(uploads)
    assert (stored.title, stored.ready_photos, stored.cover.media_id) == ("Villa with a garden", 2, second.media_id)
    assert stored.version == shown.version + 2


def test_another_persons_change_still_makes_the_page_stale(uploads):
    # Given the broker's page, a processed photo, and an admin's edit after the page was opened
    shown = opened(uploads)
    photo_item = uploads.upload(photo(1600, 1200))
    listing_update(actor=ADMIN, listing_id=shown.listing_id, fields={"title": "Admin's title"},
                   expected_version=shown.version)

    # When the broker saves or picks a cover from the page they opened
    for write in (lambda: listing_update(actor=BROKER, listing_id=shown.listing_id, fields={"title": "Mine"},
                                         expected_version=shown.version),
                  lambda: media_set_cover(listing_id=shown.listing_id, media_id=photo_item.media_id, actor=BROKER,
                                          expected_version=shown.version)):
        with pytest.raises(Conflict) as error:
            write()
        # Then it is refused naming the version, and the admin's edit stands
        assert error.value.field == "expected_version" and "someone else" in error.value.message
    assert opened(uploads).title == "Admin's title"


def test_a_photo_published_while_a_person_saves_keeps_both_writes(uploads, first_commit_races):
    # Given the broker's page, and a photo whose execution publishes just as the broker saves
    shown = opened(uploads)
    state = rendered(uploads)
    first_commit_races(lambda: run(state, steps=[PUBLISH]))

    # When the broker saves
    saved = listing_update(actor=BROKER, listing_id=shown.listing_id, fields={"title": "Villa with a garden"},
                           expected_version=shown.version)

    # Then the save lands and the pipeline's count and cover are kept (neither overwrote the other)
    stored = opened(uploads)
    assert (stored.title, stored.ready_photos, stored.cover.media_id) == (
        "Villa with a garden", 1, state["media_id"])
    assert stored.version == saved.version == shown.version + 1


def test_two_photos_published_at_once_are_both_counted(uploads, first_commit_races):
    # Given two photos rendered, their executions publishing at the same moment
    first, second = rendered(uploads), rendered(uploads, colour=(200, 20, 20))
    first_commit_races(lambda: run(second, steps=[PUBLISH]))

    # When the first publishes (the second's write lands between its read and its write)
    outcome = run(first, steps=[PUBLISH], sleep=lambda seconds: None)

    # Then the first's write was refused and retried from a fresh read: both count, nobody's page stale
    stored = opened(uploads)
    assert outcome["published"] and stored.ready_photos == 2
    assert stored.cover.media_id == second["media_id"]  # the first to be ready became the cover
    assert stored.version == uploads.listing.version


def test_a_delete_refused_because_the_listing_kept_changing_says_what_changed(uploads, monkeypatch):
    # Given two processed photos, and an admin editing the listing each time the broker's delete commits
    uploads.upload(photo(1600, 1200))
    doomed = uploads.upload(photo(1600, 1200, colour=(200, 20, 20)))
    commit = db.commit

    def edited_meanwhile(tx, *, token):
        if any(item.sk == doomed.sk for item in tx.items):  # the delete's transaction, not the admin's
            current = opened(uploads)
            listing_update(actor=ADMIN, listing_id=current.listing_id, fields={"title": f"Edited {current.version}"},
                           expected_version=current.version)
        commit(tx, token=token)

    monkeypatch.setattr(db, "commit", edited_meanwhile)

    # When the broker deletes a photo
    with pytest.raises(Conflict) as error:
        media_delete(listing_id=doomed.listing_id, media_id=doomed.media_id, actor=BROKER,
                     expected_version=version_shown(doomed))

    # Then the message says the listing was edited meanwhile, and nothing was deleted
    assert error.value.message.startswith("the listing changed while this was being deleted (it was edited)")
    monkeypatch.setattr(db, "commit", commit)
    assert opened(uploads).ready_photos == 2 and version_shown(doomed) == doomed.version
