"""Media writes: the broker's upload slot, order, cover, delete and retry, and the pipeline's own
transitions (processing -> ready | failed).

Each write is one transaction with its audit entry and events. Each upload is its own object: a slot's
key carries an upload id, and the pipeline's transitions are conditional on that upload still being the
media item's newest and on the S3 version it took, so a redelivered event ends in one outcome, a second
POST to a used slot is ignored, and a newer upload supersedes an older one whichever execution finishes
first. Variant keys carry the upload id as their content version, so they never change once written.
The listing's ``ready_photos`` and cover are recomputed from its media items on every change, never
counted per event.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from botocore.exceptions import ClientError

from marketplace import db, formatting
from marketplace.actors import SYSTEM, Actor
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import Conflict, IllegalTransition, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.ids import new_id
from marketplace.lifecycle import check_editable, media_needs_review, takes_new_media
from marketplace.media_kinds import (
    IN_FLIGHT,
    KINDS,
    PHOTO_KINDS,
    MediaState,
    human_size,
    is_premium_media,
    raw_key_suffix,
)
from marketplace.models import CoverImage, Listing, Media, MediaVariant, MediaVersion
from marketplace.observability import logger
from marketplace.selectors.media import media_due, media_for_listing, media_get
from marketplace.services.duplicates import fingerprint_refreshed

UPLOAD_EXPIRES_SECONDS = 900
# A slot's file may still be arriving (a slow connection) a while after the POST policy expired.
UPLOAD_DEADLINE = timedelta(seconds=UPLOAD_EXPIRES_SECONDS) + timedelta(minutes=15)
NO_UPLOAD = "no file arrived before the upload slot expired; upload the file again"
STUCK = "processing did not finish in time; retry, or replace the file"
MAX_MEDIA_PER_LISTING = 60  # also keeps a reorder within one transaction (100 items)
MAX_FILENAME = 200
REVIEW_PENDING = "pending"
MEDIA_PREFIX = "listings"  # <prefix>/<listing>/<media>/<variant> in the public and premium buckets


@dataclass(frozen=True)
class UploadSlot:
    """Where the browser posts the file: ``url`` with ``fields`` plus the file as the last field."""

    media: Media
    url: str
    fields: dict[str, str]
    key: str
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class RawKey:
    """What a raw upload's key says: whose media, which upload, which kind (local queues split on it)."""

    listing_id: str
    media_id: str
    upload_id: str
    kind: str

    def __str__(self) -> str:
        return f"{self.listing_id}/{self.media_id}/{self.upload_id}{raw_key_suffix(self.kind)}"


_RAW_KEY = re.compile(r"^(?P<listing_id>[0-9a-z]{1,64})/(?P<media_id>[0-9a-z]{1,64})/(?P<upload_id>[0-9a-z]{1,64})"
                      r"/original\.(?P<kind>[a-z_]{1,32})$")


def raw_key(listing_id: str, media_id: str, upload_id: str, kind: str) -> str:
    return str(RawKey(listing_id, media_id, upload_id, kind))


def parse_raw_key(key: str) -> RawKey | None:
    match = _RAW_KEY.match(key or "")
    return RawKey(**match.groupdict()) if match and match["kind"] in KINDS else None


def variants_prefix(listing_id: str, media_id: str, content_version: str | None = None) -> str:
    """Where an upload's variants go; without a version, every version of the media item."""
    media = f"{MEDIA_PREFIX}/{listing_id}/{media_id}/"
    return f"{media}{content_version}/" if content_version else media


def destination_bucket(*, listing: Listing, media: Media) -> str:
    """The bucket ``is_premium_media`` puts this media in: premium media is served only by short-lived
    signed URLs from the premium bucket; everything else from the public one."""
    cfg = settings()
    premium = is_premium_media(kind=media.kind, listing_premium=listing.premium, marked_premium=media.premium)
    return cfg.premium_bucket if premium else cfg.public_bucket


def _listing(listing_id: str) -> Listing:
    return Listing.get_or_not_found(listing_id, consistent=True)


def _managed_listing(listing_id: str, actor: Actor) -> Listing:
    """The listing whose media the actor changes: theirs (or any, for an admin), and still editable (a
    closed listing keeps its media as it was sold or let: ``lifecycle.check_editable``)."""
    listing = _listing(listing_id)
    if not (actor.is_admin or listing.broker_id == actor.user_id):
        raise PermissionDenied("only the listing's broker or an admin may change its media")
    check_editable(listing.status)
    return listing


def _snapshot(media: Media) -> dict:
    return {"kind": media.kind, "state": media.state, "position": media.position, "premium": media.premium,
            "review": media.review,
            "failure_reason": media.failure_reason}


def _event_data(media: Media, listing: Listing, **extra) -> dict:
    return {"listing_id": media.listing_id, "media_id": media.media_id, "kind": media.kind,
            "broker_id": listing.broker_id, "listing_title": listing.title, "state": media.state, **extra}


def cover_changed(listing: Listing) -> DomainEvent:
    """For the transaction that changes a listing's cover outside the listing's own events (a media move,
    a cover chosen, a cover deleted): the search index's writer reads the card again."""
    return DomainEvent(EventType.LISTING_COVER_CHANGED, {"listing_id": listing.listing_id,
                                                        "cover": listing.cover.media_id if listing.cover else None})


# What a listing card shows: the sizes it needs, not every variant (the card projection's read cost).
CARD_VARIANT_SIZES = ("w400", "w1024")


def _cover_of(media: Media) -> CoverImage:
    """The cover as a card shows it: the card's sizes, each with its key, dimensions and format (srcset)."""
    return CoverImage(media_id=media.media_id, placeholder=media.placeholder, dominant_color=media.dominant_color,
                      variants={v.name: {"key": v.key, "width": int(v.width), "height": int(v.height),
                                         "format": v.format}
                                for v in media.variants if v.name.split("_")[0] in CARD_VARIANT_SIZES})


def _can_be_cover(media: Media) -> bool:
    """Covers are shown on public cards, so only public media can be one."""
    public = settings().public_bucket
    return media.served and media.kind in PHOTO_KINDS and all(v.bucket == public for v in media.variants)


def _refresh_listing(listing: Listing, media: list[Media]) -> bool:
    """Set the listing's ``ready_photos`` and cover from its media items as they now are (idempotent:
    the same items give the same listing, however many events led there). True if anything changed."""
    before = (listing.ready_photos, listing.cover.attribute_values if listing.cover else None)
    listing.ready_photos = sum(1 for m in media if m.served and m.kind in PHOTO_KINDS)
    candidates = [m for m in sorted(media, key=lambda m: (m.position, m.media_id)) if _can_be_cover(m)]
    current = next((m for m in candidates if listing.cover and m.media_id == listing.cover.media_id), None)
    chosen = current or (candidates[0] if candidates else None)
    listing.cover = _cover_of(chosen) if chosen else None
    return before != (listing.ready_photos, listing.cover.attribute_values if listing.cover else None)


def _refresh_fingerprint(tx, listing: Listing, media: list[Media]) -> None:
    """Duplicate detection compares the photos' perceptual hashes: the listing's fingerprint follows its
    media in the same transaction (``marketplace.services.duplicates``)."""
    fingerprint = fingerprint_refreshed(listing, media)
    if fingerprint is not None:
        tx.save(fingerprint)


def _listing_media(listing_id: str, changed: Media | None = None, *, removed: str | None = None) -> list[Media]:
    """The listing's media as they will be once ``changed`` is written (or ``removed`` deleted)."""
    items = [m for m in media_for_listing(listing_id=listing_id, consistent=True)
             if m.media_id not in (removed, changed.media_id if changed else None)]
    return [*items, changed] if changed else items


def _delete_prefix(bucket: str, prefix: str) -> None:
    s3 = client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def _delete_upload_files(listing_id: str, media_id: str, upload_id: str | None) -> None:
    """The variants one upload wrote, in whichever bucket (never a served version's: callers check).
    Versioned buckets keep what is deleted until lifecycle expiry."""
    if not upload_id:
        return
    cfg = settings()
    for bucket in (cfg.public_bucket, cfg.premium_bucket):
        _delete_prefix(bucket, variants_prefix(listing_id, media_id, upload_id))


def _media_at(listing_id: str, media_id: str, expected_version: int) -> Media:
    """The media item at the version the actor read, or nothing is written. Edits of one item are locked
    on the item's own version, not the listing's: the item is what the page showed (its file, state and
    version waiting for review), and the pipeline changes it while the page is open (the page follows
    its state), while listing edits leave it alone."""
    media = media_get(listing_id=listing_id, media_id=media_id)
    db.check_version(media, expected_version, noun="media item")
    return media


def _stale_media_conflict():
    """The write of media items read at an expected version: conditioned on that version."""
    return db.transaction(conflict_message=db.stale_message("media item"), conflict_field="expected_version")


def _check_takes_media(listing: Listing) -> None:
    if not takes_new_media(listing.status):
        raise IllegalTransition(f"a listing that is {formatting.status(listing.status).lower()} takes no new media",
                                field="status")


# ---- the broker's actions ----------------------------------------------------------------------------

def _checked_filename(rules, *, content_type: str, size: int, filename: str) -> str:
    """The file a slot is requested for, checked against its kind's rules; its display name."""
    if content_type not in rules.content_types:
        raise ValidationError(f"must be {rules.accepted} for a {rules.label}", field="content_type")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValidationError("size must be the file's size in bytes", field="size")
    if size > rules.max_bytes:
        raise ValidationError(f"the file is {human_size(size)}; a {rules.label} may be at most "
                              f"{human_size(rules.max_bytes)}", field="size")
    name = posixpath.basename((filename or "").replace("\\", "/")).strip()
    if len(name) > MAX_FILENAME:
        raise ValidationError(f"filename may be at most {MAX_FILENAME} characters", field="filename")
    return name


def _new_upload(media: Media, *, content_type: str, size: int, filename: str) -> None:
    """Point the media item at a new upload of its own: a new upload id, key and deadline."""
    media.upload_id = new_id()
    media.raw_key = raw_key(media.listing_id, media.media_id, media.upload_id, media.kind)
    media.raw_version, media.state, media.failure_reason = None, MediaState.AWAITING_UPLOAD, None
    media.content_type, media.size, media.filename = content_type, size, filename
    media.updated_at = datetime.now(UTC)
    media.deadline = media.updated_at + UPLOAD_DEADLINE


def _slot(media: Media) -> UploadSlot:
    """A presigned POST for the media item's current upload, capped in size and content type by kind.
    S3 enforces the POST policy in AWS; the pipeline enforces both again (the emulator does not). A
    POST can be replayed while the policy lasts: the pipeline takes only the first file of a key."""
    rules = KINDS[media.kind]
    post = client("s3").generate_presigned_post(
        Bucket=settings().raw_bucket, Key=media.raw_key, Fields={"Content-Type": media.content_type},
        Conditions=[{"Content-Type": media.content_type}, ["content-length-range", 1, rules.max_bytes]],
        ExpiresIn=UPLOAD_EXPIRES_SECONDS)
    return UploadSlot(media=media, url=post["url"], fields=post["fields"], key=media.raw_key,
                      max_bytes=rules.max_bytes, expires_in=UPLOAD_EXPIRES_SECONDS)


def media_request_upload(*, listing_id: str, kind: str, actor: Actor, content_type: str, size: int,
                         filename: str, premium: bool = False) -> UploadSlot:
    """Create the media item (``awaiting_upload``) and a presigned POST for its first upload."""
    rules = KINDS.get(kind)
    if rules is None:
        kinds = formatting.word_list((r.label for r in KINDS.values()), last="or")
        raise ValidationError(f"must be {kinds}", field="kind")
    name = _checked_filename(rules, content_type=content_type, size=size, filename=filename)
    listing = _managed_listing(listing_id, actor)
    _check_takes_media(listing)
    existing = media_for_listing(listing_id=listing_id, consistent=True)
    if len(existing) >= MAX_MEDIA_PER_LISTING:
        raise ValidationError(f"a listing may have at most {MAX_MEDIA_PER_LISTING} media items", field="kind")
    media = Media(media_id=new_id(), listing_id=listing_id, kind=kind, premium=bool(premium),
                  position=max((m.position for m in existing), default=-1) + 1, uploaded_by=actor.user_id,
                  review=REVIEW_PENDING if media_needs_review(listing.status) else None)  # served once approved
    _new_upload(media, content_type=content_type, size=size, filename=name)
    with db.transaction() as tx:
        tx.create(media)
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media.media_id, action="request_upload",
                            after={**_snapshot(media), "filename": name, "size": size}))
    return _slot(media)


def media_replace_upload(*, listing_id: str, media_id: str, actor: Actor, content_type: str, size: int,
                         filename: str, expected_version: int) -> UploadSlot:
    """A new upload for an existing media item (a better file, or one that is stuck or failed): a new
    slot, and the item's state follows it. The last good version stays served until the new one is
    ready, and stays if the new one fails; any upload still in flight for the item is superseded. On a
    published listing the new version waits for an admin's review, the reviewed one served meanwhile.
    ``expected_version`` is the media item's version the broker read (see ``_media_at``)."""
    listing = _managed_listing(listing_id, actor)
    _check_takes_media(listing)
    media = _media_at(listing_id, media_id, expected_version)
    name = _checked_filename(KINDS[media.kind], content_type=content_type, size=size, filename=filename)
    before = _snapshot(media)
    _new_upload(media, content_type=content_type, size=size, filename=name)
    media.uploaded_by = actor.user_id
    if media_needs_review(listing.status):
        media.review = REVIEW_PENDING
    with _stale_media_conflict() as tx:
        tx.save(media)
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="replace_upload",
                            before=before, after={**_snapshot(media), "filename": name, "size": size}))
    return _slot(media)


def _serve(media: Media, version: dict) -> None:
    for name, value in version.items():
        setattr(media, name, value)


def _approve_proposed(media: Media) -> str | None:
    """Serve the version waiting for review in place of the reviewed one; the version it stops serving
    (its files go once the change committed), or None."""
    if media.upload_id == media.proposed.content_version:  # no newer upload on its way to review
        media.review = None
    previous = media.content_version
    _serve(media, {name: getattr(media.proposed, name) for name in MediaVersion.get_attributes()})
    media.proposed, media.updated_at = None, datetime.now(UTC)
    return previous if previous and previous != media.content_version else None


def _reviewed(*, listing_id: str, media_id: str, actor: Actor, decision: str,
              expected_version: int) -> tuple[Listing, Media, dict]:
    """An item with a version waiting for review, for an admin's decision: (listing, media, audit before)."""
    if not actor.is_admin:
        raise PermissionDenied("only admins review media")
    listing = _listing(listing_id)
    media = _media_at(listing_id, media_id, expected_version)
    if media.proposed is None:
        if media.review == REVIEW_PENDING and media.state != MediaState.READY:
            raise IllegalTransition(f"only processed media can be {decision}; this one is "
                                    f"{formatting.state(media.state, 'media').lower()}",
                                    field="state")
        raise IllegalTransition("this media item has no version waiting for review", field="media_id")
    before = _snapshot(media)
    if media.upload_id == media.proposed.content_version:  # no newer upload on its way to review
        media.review = None
    media.updated_at = datetime.now(UTC)
    return listing, media, before


@db.rewritten_after_system_writes
def media_approve(*, listing_id: str, media_id: str, actor: Actor, expected_version: int) -> Media:
    """An admin approves the version waiting for review (media added to, or replaced on, a published
    listing): from now on buyers see it (and it may be the cover) in place of the reviewed one, whose
    files then go. MediaApproved has the media-placement consumer put it in the bucket the premium rule
    gives it now (the listing's premium flag may have changed while it waited). ``expected_version`` is the
    media item's the admin saw: a newer upload may have replaced the version they looked at."""
    listing, media, before = _reviewed(listing_id=listing_id, media_id=media_id, actor=actor, decision="approved",
                                       expected_version=expected_version)
    previous = _approve_proposed(media)
    after = _listing_media(listing_id, media)
    with _stale_media_conflict() as tx:
        tx.save(media)
        if _refresh_listing(listing, after):
            tx.save(listing)
        _refresh_fingerprint(tx, listing, after)
        tx.save(to_outbox(DomainEvent(EventType.MEDIA_APPROVED, _event_data(media, listing))))
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="approve",
                            before=before, after=_snapshot(media)))
    media_versions_discard(listing_id=listing_id, versions={media_id: previous} if previous else {})
    return media


def media_reject(*, listing_id: str, media_id: str, actor: Actor, expected_version: int) -> Media | None:
    """An admin rejects the version waiting for review: a replacement's files go and the reviewed version
    stays served; an item added for review with nothing reviewed yet is deleted (None), processed or not.
    ``expected_version`` is the media item's the admin saw."""
    if not actor.is_admin:
        raise PermissionDenied("only admins review media")
    media = _media_at(listing_id, media_id, expected_version)
    if media.review == REVIEW_PENDING and not media.served:
        _unreviewed_delete(listing_id=listing_id, media_id=media_id, actor=actor, expected_version=expected_version)
        return None
    listing, media, before = _reviewed(listing_id=listing_id, media_id=media_id, actor=actor, decision="rejected",
                                       expected_version=expected_version)
    rejected, media.proposed = media.proposed.content_version, None
    with _stale_media_conflict() as tx:
        tx.save(media)
        _refresh_fingerprint(tx, listing, _listing_media(listing_id, media))
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="reject",
                            before=before, after=_snapshot(media)))
    _delete_upload_files(listing_id, media_id, rejected)
    return media


def media_reorder(*, listing_id: str, actor: Actor, media_ids: list[str],
                  expected_versions: dict[str, int]) -> list[Media]:
    """Set the display order: ``media_ids`` must name every media item of the listing once, and
    ``expected_versions`` give each item's version as the actor's page showed it (media id -> version):
    an order read before an item was added, moved, replaced or processed is a ``Conflict``. Each moved
    item's write is conditioned on that version, so of two reorders from one page only the first lands."""
    _managed_listing(listing_id, actor)
    current = media_for_listing(listing_id=listing_id, consistent=True)
    if len(media_ids) != len(set(media_ids)) or set(media_ids) != {m.media_id for m in current}:
        raise ValidationError("media_ids must list every media item of the listing exactly once",
                              field="media_ids")
    if not isinstance(expected_versions, dict) or set(expected_versions) != set(media_ids) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in expected_versions.values()):
        raise ValidationError("the versions you opened are required: reload the listing and try again",
                              field="expected_versions")
    if any(m.version != expected_versions[m.media_id] for m in current):
        raise Conflict(db.stale_message("listing's media"), field="expected_versions")
    by_id = {m.media_id: m for m in current}
    before = {"order": [m.media_id for m in current]}
    with db.transaction(conflict_message=db.stale_message("listing's media"), conflict_field="expected_versions") as tx:
        for position, media_id in enumerate(media_ids):
            media = by_id[media_id]
            if media.position != position:
                tx.update(media, actions=[Media.position.set(position)], condition=Media.pk.exists())
                media.position = position
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="reorder_media",
                            before=before, after={"order": list(media_ids)}))
    return sorted(by_id.values(), key=lambda m: m.position)


@db.rewritten_after_system_writes
def media_set_cover(*, listing_id: str, media_id: str, actor: Actor, expected_version: int) -> Listing:
    """Make a ready photo the listing's cover (denormalised onto the listing for cards), at the listing's
    version the actor read: a stale one is a ``Conflict`` naming ``expected_version``, nothing written."""
    listing = _managed_listing(listing_id, actor)
    db.check_version(listing, expected_version, noun="listing")
    media = media_get(listing_id=listing_id, media_id=media_id)
    if not _can_be_cover(media):
        raise ValidationError("the cover must be a ready, non-premium photo or drone shot", field="media_id")
    before = {"cover": listing.cover.media_id if listing.cover else None}
    listing.cover = _cover_of(media)
    listing.bump_version()  # a person's choice, unlike the cover the pipeline keeps
    with db.transaction(conflict_message=db.stale_message("listing"), conflict_field="expected_version") as tx:
        tx.save(listing)  # conditioned on the write version loaded (the version is checked above)
        tx.save(to_outbox(cover_changed(listing)))
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="set_cover",
                            before=before, after={"cover": media_id}))
    return listing


def media_approved_with_listing(listing: Listing) -> tuple[list[Media], dict[str, str]]:
    """An admin approving a listing has reviewed its media with it (the review page shows each processed
    version waiting for review): those versions are served from the approval on, and the listing's photo
    count and cover follow; ListingApproved has the media-placement consumer place them. Uploads still
    processing keep waiting: once processed they are in the admins' media review queue. Returns the media
    items to save in the approval's transaction, and the versions they stop serving (media id -> version),
    whose files ``media_versions_discard`` removes once it committed."""
    media = media_for_listing(listing_id=listing.listing_id, consistent=True)
    approved = [m for m in media if m.proposed is not None]
    superseded = {m.media_id: previous for m in approved if (previous := _approve_proposed(m))}
    if approved:
        _refresh_listing(listing, media)
    return approved, superseded


def media_versions_discard(*, listing_id: str, versions: dict[str, str]) -> None:
    """The files of versions no longer served (after the commit that replaced them)."""
    for media_id, version in versions.items():
        _delete_upload_files(listing_id, media_id, version)


@dataclass(frozen=True)
class _ListingSeen:
    """What a media write read of its listing, to say what changed when the listing's write lost."""

    listing_id: str
    version: int | None
    status: str
    ready_photos: int
    cover: str | None


def _listing_seen(listing: Listing) -> _ListingSeen:
    return _ListingSeen(listing.listing_id, listing.version, listing.status, listing.ready_photos,
                        listing.cover.media_id if listing.cover else None)


def _listing_changes(seen: _ListingSeen) -> str:
    """How the listing differs now from what was read, in the broker's words."""
    now = _listing_seen(_listing(seen.listing_id))
    changes = [f"it is now {formatting.status(now.status).lower()}" if now.status != seen.status else
               "it was edited" if now.version != seen.version else None,
               f"it now has {now.ready_photos} processed photos" if now.ready_photos != seen.ready_photos else None,
               "its cover changed" if now.cover != seen.cover else None]
    return ", ".join(c for c in changes if c) or "its photos are being processed"


@db.rewritten_after_system_writes
def media_delete(*, listing_id: str, media_id: str, actor: Actor, expected_version: int) -> None:
    """Remove a media item and its files; a deleted cover is replaced by the next ready photo.
    ``expected_version`` is the media item's the actor read: what they decided to delete."""
    _media_delete(_managed_listing(listing_id, actor), _media_at(listing_id, media_id, expected_version), actor=actor)


@db.rewritten_after_system_writes
def _unreviewed_delete(*, listing_id: str, media_id: str, actor: Actor, expected_version: int) -> None:
    """An admin rejects an addition nothing was reviewed of: a moderation decision, whatever the listing's
    status (a closed listing's pending upload goes too)."""
    _media_delete(_listing(listing_id), _media_at(listing_id, media_id, expected_version), actor=actor)


def _media_delete(listing: Listing, media: Media, *, actor: Actor) -> None:
    """Delete the item (read at its version) and its files, in one transaction with the listing's count,
    cover and fingerprint."""
    listing_id, media_id = listing.listing_id, media.media_id
    seen = _listing_seen(listing)
    try:
        after = _listing_media(listing_id, removed=media_id)
        with db.transaction(conflict_message=None) as tx:
            tx.delete(media)
            if _refresh_listing(listing, after):
                tx.save(listing)
                if seen.cover != (listing.cover.media_id if listing.cover else None):
                    tx.save(to_outbox(cover_changed(listing)))
            _refresh_fingerprint(tx, listing, after)
            tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="delete",
                                before=_snapshot(media)))
    except db.ConditionFailed as failed:
        if failed.item is media:
            raise Conflict(db.stale_message("media item"), field="expected_version") from failed.__cause__
        raise Conflict(f"the listing changed while this was being deleted ({_listing_changes(seen)}); "
                       "nothing was deleted: try again", field="media_id") from failed.__cause__
    # Files go after the commit (every upload and every version): versioned buckets keep what is
    # deleted until lifecycle expiry.
    cfg = settings()
    _delete_prefix(cfg.raw_bucket, f"{listing_id}/{media_id}/")
    for bucket in (cfg.public_bucket, cfg.premium_bucket):
        _delete_prefix(bucket, variants_prefix(listing_id, media_id))


def media_retry(*, listing_id: str, media_id: str, actor: Actor, expected_version: int) -> Media:
    """Process a failed (or stuck) upload again from its kept raw object, as a new upload of its own: the
    object is copied to the new upload's key, whose ObjectCreated event starts the pipeline (the same
    path in AWS and locally). Whatever still runs for the old upload is superseded. ``expected_version``
    is the media item's the broker read (the failure they decided to retry)."""
    _managed_listing(listing_id, actor)
    media = _media_at(listing_id, media_id, expected_version)
    if not media.retryable:
        raise IllegalTransition(f"only failed or stuck media can be retried; this one is "
                                f"{formatting.state(media.state, 'media').lower()}",
                                field="state")
    if not media.raw_version:
        raise ValidationError("no file arrived for this upload; upload the file again", field="media_id")
    before = _snapshot(media)
    source = {"Bucket": settings().raw_bucket, "Key": media.raw_key, "VersionId": media.raw_version}
    _new_upload(media, content_type=media.content_type, size=media.size, filename=media.filename)
    media.state = MediaState.PROCESSING  # the file is already there
    # The item first, then the copy: the copy's event must find the new upload id.
    with _stale_media_conflict() as tx:
        tx.save(media)
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="retry",
                            before=before, after=_snapshot(media)))
    try:
        client("s3").copy_object(Bucket=source["Bucket"], Key=media.raw_key, CopySource=source,
                                 MetadataDirective="REPLACE", ContentType=media.content_type or "binary/octet-stream",
                                 Metadata={"retry-of": source["Key"]})
    except ClientError as error:
        gone = error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchVersion", "404")
        media.state, media.deadline = MediaState.FAILED, None
        media.failure_reason = "the original upload is gone; upload the file again" if gone else STUCK
        db.save(media)
        if gone:
            raise ValidationError(media.failure_reason, field="media_id") from error
        raise
    return media


# ---- the pipeline's transitions (acting as the system) ------------------------------------------------

def _settled(media: Media, upload_id: str, version_id: str) -> bool:
    return media.upload_id == upload_id and media.raw_version == version_id and media.state in (MediaState.READY, MediaState.FAILED)


def _current(listing_id: str, media_id: str) -> Media | None:
    return Media.get_or_none(listing_id, media_id, consistent=True)


def _still(upload_id: str | None):
    """The write's condition: the item still names this upload as its newest (with the version check)."""
    return Media.upload_id == upload_id if upload_id else None


def _discard(media: Media | None, listing_id: str, media_id: str, upload_id: str, why: str) -> bool:
    """An upload that is no longer the item's newest: its files go (never the served version's)."""
    logger.info("media upload discarded", extra={"listing_id": listing_id, "media_id": media_id,
                                                 "upload_id": upload_id, "why": why})
    if media is None or upload_id not in _kept_versions(media):
        _delete_upload_files(listing_id, media_id, upload_id)
    return False


def _kept_versions(media: Media) -> set[str | None]:
    """The uploads whose files stay: the served version and the one waiting for review."""
    return {media.content_version, media.proposed.content_version if media.proposed else None}


def media_start_processing(*, listing_id: str, media_id: str, upload_id: str, version_id: str, size: int,
                           content_type: str, deadline_seconds: int) -> tuple[Media | None, Listing | None, bool]:
    """The pipeline took an upload: (media, listing, settled). ``settled`` means there is nothing to do for
    this object: it already has its outcome (a redelivered event), a newer upload superseded it, or it is
    a second POST to a slot that already took a file. The steps then pass it on unchanged.
    ``deadline_seconds``: how long the pipeline may take for the media's kind (the sweep's deadline)."""
    media = _current(listing_id, media_id)
    if media is None:
        return None, None, False
    listing = _listing(listing_id)
    if media.upload_id != upload_id:
        logger.info("superseded upload ignored", extra={"media_id": media_id, "upload_id": upload_id})
        return media, listing, True
    if media.raw_version not in (None, version_id):
        logger.warning("upload slot used twice: the second file is ignored",
                       extra={"media_id": media_id, "upload_id": upload_id, "version_id": version_id})
        return media, listing, True
    if _settled(media, upload_id, version_id):
        return media, listing, True
    first_time = media.raw_version is None
    media.state, media.raw_version, media.failure_reason = MediaState.PROCESSING, version_id, None
    media.size, media.content_type, media.updated_at = size, content_type, datetime.now(UTC)
    if first_time:
        media.deadline = media.updated_at + timedelta(seconds=deadline_seconds)
    with db.transaction() as tx:
        tx.save(media, condition=_still(upload_id))
        if first_time:
            tx.save(to_outbox(DomainEvent(EventType.MEDIA_UPLOADED, _event_data(media, listing, size=size))))
    return media, listing, False


def media_mark_ready(*, listing_id: str, media_id: str, upload_id: str, version_id: str, variants: list[dict],
                     width: int, height: int, placeholder: str | None, dominant_color: str | None,
                     scan_status: str, duration_seconds: float | None = None,
                     perceptual_hash: str | None = None) -> bool:
    """The upload's outcome is ready media with every variant, served from now on in place of the
    previous version (whose files then go). The listing's photo count and cover follow. Returns False
    when this upload already settled or a newer one superseded it (its files then go)."""
    media = _current(listing_id, media_id)
    if media is not None and _settled(media, upload_id, version_id):
        return False
    if media is None or media.upload_id != upload_id or media.raw_version != version_id:
        return _discard(media, listing_id, media_id, upload_id, "superseded before it was ready")
    listing = _listing(listing_id)
    media.state, media.failure_reason, media.updated_at, media.deadline = MediaState.READY, None, datetime.now(UTC), None
    version = {"content_version": upload_id, "variants": [MediaVariant(**v) for v in variants],
               "width": width, "height": height, "placeholder": placeholder, "dominant_color": dominant_color,
               "scan_status": scan_status, "perceptual_hash": perceptual_hash,
               "duration_seconds": Decimal(str(round(duration_seconds, 2))) if duration_seconds is not None else None}
    if media.review == REVIEW_PENDING:  # a published listing's: it waits for an admin, the reviewed one served
        previous = media.proposed.content_version if media.proposed else None
        media.proposed = MediaVersion(**version)
    else:
        previous = media.content_version
        _serve(media, version)
    processed = DomainEvent(EventType.MEDIA_PROCESSED, _event_data(
        media, listing, variants=len(media.variants), bucket=variants[0]["bucket"] if variants else None))
    had_cover = listing.cover.media_id if listing.cover else None
    after = _listing_media(listing_id, media)
    with db.transaction() as tx:
        tx.save(media, condition=_still(upload_id))
        tx.save(to_outbox(processed))
        if _refresh_listing(listing, after):
            tx.save(listing)
        _refresh_fingerprint(tx, listing, after)
        if had_cover is None and listing.cover is not None:
            tx.save(audit_entry(actor=SYSTEM, entity_type="listing", entity_id=listing_id, action="set_cover",
                                before={"cover": None}, after={"cover": listing.cover.media_id}))
    if previous and previous != upload_id:
        _delete_upload_files(listing_id, media_id, previous)
    return True


def media_mark_failed(*, listing_id: str, media_id: str, upload_id: str | None, version_id: str | None,
                      reason: str, scan_status: str | None = None) -> bool:
    """The upload's outcome is failed, with a reason the broker reads; whatever it wrote goes, and the
    last good version (if any) stays served with its own served fields: the failed upload's scan verdict
    goes on the item only when it serves nothing, and always in MediaFailed. The raw object is kept (a
    versioned bucket) for a retry.
    Returns False when nothing changed (settled already, superseded, or a second POST's failure)."""
    media = _current(listing_id, media_id)
    if media is None:
        return False
    if upload_id and media.upload_id != upload_id:
        return _discard(media, listing_id, media_id, upload_id, "superseded before it failed")
    if version_id and (media.raw_version not in (None, version_id) or _settled(media, media.upload_id, version_id)):
        return False
    listing = _listing(listing_id)
    media.state, media.failure_reason, media.updated_at, media.deadline = MediaState.FAILED, reason, datetime.now(UTC), None
    media.raw_version = version_id or media.raw_version
    if scan_status and media.content_version is None:  # the served fields stay the served version's
        media.scan_status = scan_status
    with db.transaction() as tx:
        tx.save(media, condition=_still(media.upload_id))
        tx.save(to_outbox(DomainEvent(EventType.MEDIA_FAILED, _event_data(
            media, listing, reason=reason, scan_status=scan_status))))
    if media.upload_id not in _kept_versions(media):
        _delete_upload_files(listing_id, media_id, media.upload_id)
    return True


def media_fail_overdue(*, now: datetime | None = None, limit: int = 100) -> list[str]:
    """The sweep: media still awaiting their upload or processing past their deadline become failed with
    a reason (a slot nobody used, an execution that died without recording it). Returns their ids."""
    now = now or datetime.now(UTC)
    failed = []
    for found in media_due(before=now, limit=limit):
        media = _current(found.listing_id, found.media_id)
        if media is None or media.state not in IN_FLIGHT or not media.deadline \
                or media.deadline >= now:
            continue
        reason = NO_UPLOAD if media.state == MediaState.AWAITING_UPLOAD else STUCK
        try:
            if media_mark_failed(listing_id=media.listing_id, media_id=media.media_id, upload_id=media.upload_id,
                                 version_id=media.raw_version, reason=reason):
                failed.append(media.media_id)
        except Conflict:  # it moved on meanwhile: the next sweep looks again
            continue
    if failed:
        logger.warning("overdue media failed", extra={"media_ids": failed})
    return failed
