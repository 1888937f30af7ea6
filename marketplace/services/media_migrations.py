"""Stored media items brought to the model's current shape (``python -m ops migrate media-review``).

Before each upload waited for review in its own ``Media.proposed``, media added to a published listing
were reviewed in place: ``review = "pending"`` with the unreviewed upload in the item's own served
fields (``content_version``, ``variants``, ...), kept from buyers by ``Media.served`` looking at
``review``; approving cleared ``review``, and a reviewed item of a published listing could not be
replaced. Now ``served`` is ``bool(variants)``, so such an item is shown unreviewed (and may become the
cover), and an admin can neither approve nor reject it ("no version waiting for review"). The migration
moves that upload into ``proposed``: the item waits in the media review queue as one added today does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marketplace import db
from marketplace.actors import SYSTEM
from marketplace.audit import audit_entry
from marketplace.errors import Conflict
from marketplace.media_kinds import MediaState
from marketplace.models import SERVED_FIELDS, AuditEntry, Listing, Media, MediaVersion
from marketplace.services.media import REVIEW_PENDING, _listing_media, _refresh_listing


@dataclass
class ReviewMigration:
    """``listing_id/media_id`` of the items moved (or, in a dry run, to move), those changed meanwhile
    (the next run takes them), and those whose history cannot tell (left as they are)."""

    moved: list[str] = field(default_factory=list)
    changed_meanwhile: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)


def media_review_migrate(*, apply: bool) -> ReviewMigration:
    """Move the unreviewed upload of every old-shape item into ``proposed``. One filtered Scan finds the
    candidates (pending, nothing proposed, a version in the served fields); an item whose newest upload
    is processed is old-shape for certain (today that upload would be in ``proposed``); one still in
    flight or failed is old-shape when its audit history (one Query) says it was pending from its
    creation and never approved, because then nothing on it was ever reviewed. Each write is a
    transaction conditioned on the item's version, with the listing's photo count and cover recomputed
    and an audit entry. Idempotent and resumable: a moved item no longer matches the Scan, so running
    again (after an interruption, or for items changed meanwhile) continues where it stopped."""
    report = ReviewMigration()
    candidates = Media.scan((Media.review == REVIEW_PENDING) & Media.proposed.does_not_exist()
                            & Media.content_version.exists(), consistent_read=True)
    for media in candidates:
        name = f"{media.listing_id}/{media.media_id}"
        shape = OLD if media.state == MediaState.READY else _shape_from_history(media)
        if shape == UNDECIDED:
            report.undecided.append(name)
        elif shape == OLD:
            try:
                if apply:
                    _move_to_proposed(media)
                report.moved.append(name)
            except Conflict:
                report.changed_meanwhile.append(name)
    return report


OLD, CURRENT, UNDECIDED = "old", "current", "undecided"


def _shape_from_history(media: Media) -> str:
    """Old-shape when pending from its first audit entry on and never approved (nothing on it was ever
    reviewed); today's shape when approved once, or created unpending (a version served before the
    listing was published, now being replaced); undecided with no history at all."""
    history = list(AuditEntry.history("media", media.media_id, consistent_read=True))
    if not history:
        return UNDECIDED
    if any(entry.action == "approve" for entry in history):
        return CURRENT
    created = history[0].changes.as_dict().get("review", {})
    return OLD if created.get("after") == REVIEW_PENDING else CURRENT


def _move_to_proposed(media: Media) -> None:
    before = {"content_version": media.content_version, "proposed": None}
    media.proposed = MediaVersion(content_version=media.content_version,
                                  **{name: getattr(media, name) for name in SERVED_FIELDS})
    for name in (*SERVED_FIELDS, "content_version"):
        default = Media.get_attributes()[name].default
        setattr(media, name, default() if callable(default) else default)
    listing = Listing.get_or_none(media.listing_id, consistent=True)
    with db.transaction(conflict_message="changed meanwhile") as tx:
        tx.save(media)
        if listing is not None and _refresh_listing(listing, _listing_media(media.listing_id, media)):
            tx.save(listing)
        tx.save(audit_entry(actor=SYSTEM, entity_type="media", entity_id=media.media_id, action="migrate_review",
                            before=before, after={"content_version": None,
                                                  "proposed": media.proposed.content_version}))
