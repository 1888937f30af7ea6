"""Media writes: the broker's upload slot, order, cover, delete and retry, and the pipeline's own
transitions (processing -> ready | failed).

Each write is one transaction with its audit entry and events. The pipeline's transitions are keyed on
the S3 version they process, so a redelivered event or a retry of the same upload ends in one outcome:
the first to settle wins and the others change nothing.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from botocore.exceptions import ClientError

from marketplace import db
from marketplace.actors import SYSTEM, Actor
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.ids import new_id
from marketplace.lifecycle import Status
from marketplace.models import CoverImage, Listing, Media, MediaVariant
from marketplace.selectors.media import media_for_listing, media_get
from marketplace.media_kinds import KINDS, human_size

UPLOAD_EXPIRES_SECONDS = 900
MAX_MEDIA_PER_LISTING = 60  # also keeps a reorder within one transaction (100 items)
MAX_FILENAME = 200
COVER_KINDS = frozenset({"photo", "drone"})
READY, FAILED, PROCESSING, AWAITING_UPLOAD = "ready", "failed", "processing", "awaiting_upload"
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


def raw_key(listing_id: str, media_id: str) -> str:
    return f"{listing_id}/{media_id}/original"


def variants_prefix(listing_id: str, media_id: str) -> str:
    return f"{MEDIA_PREFIX}/{listing_id}/{media_id}/"


# What makes a premium listing premium: its drone shots, 360° tours, videos and floor plans. Its
# ordinary photos stay public, so its card and cover show to everyone.
PREMIUM_KINDS = frozenset({"drone", "panorama", "video", "floor_plan"})


def destination_bucket(*, listing: Listing, media: Media) -> str:
    """Premium media (marked premium, or a premium kind of a premium listing) is served only by
    short-lived signed URLs from the premium bucket; everything else from the public one."""
    cfg = settings()
    premium = media.premium or (listing.premium and media.kind in PREMIUM_KINDS)
    return cfg.premium_bucket if premium else cfg.public_bucket


def _listing(listing_id: str) -> Listing:
    try:
        return Listing.get(*Listing.key(listing_id), consistent_read=True)
    except Listing.DoesNotExist:
        raise NotFound("no such listing", field="listing_id") from None


def _managed_listing(listing_id: str, actor: Actor) -> Listing:
    listing = _listing(listing_id)
    if not (actor.is_admin or listing.broker_id == actor.user_id):
        raise PermissionDenied("only the listing's broker or an admin may change its media")
    return listing


def _snapshot(media: Media) -> dict:
    return {"kind": media.kind, "state": media.state, "position": media.position, "premium": media.premium,
            "failure_reason": media.failure_reason}


def _event_data(media: Media, listing: Listing, **extra) -> dict:
    return {"listing_id": media.listing_id, "media_id": media.media_id, "kind": media.kind,
            "broker_id": listing.broker_id, "listing_title": listing.title, "state": media.state, **extra}


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
    return (media.state == READY and media.kind in COVER_KINDS and bool(media.variants)
            and all(v.bucket == public for v in media.variants))


# ---- the broker's actions ----------------------------------------------------------------------------

def media_request_upload(*, listing_id: str, kind: str, actor: Actor, content_type: str, size: int,
                         filename: str, premium: bool = False) -> UploadSlot:
    """Create the media item (``awaiting_upload``) and a presigned POST for its raw upload, capped in
    size and content type by kind. S3 enforces the POST policy in AWS; the pipeline enforces both again
    (the emulator does not)."""
    rules = KINDS.get(kind)
    if rules is None:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if content_type not in rules.content_types:
        raise ValidationError(f"a {rules.label} must be one of {', '.join(rules.content_types)}",
                              field="content_type")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValidationError("size must be the file's size in bytes", field="size")
    if size > rules.max_bytes:
        raise ValidationError(f"the file is {human_size(size)}; a {rules.label} may be at most "
                              f"{human_size(rules.max_bytes)}", field="size")
    name = posixpath.basename((filename or "").replace("\\", "/")).strip()
    if len(name) > MAX_FILENAME:
        raise ValidationError(f"filename may be at most {MAX_FILENAME} characters", field="filename")
    listing = _managed_listing(listing_id, actor)
    if listing.status in (Status.CLOSED.value, Status.EXPIRED.value):
        raise IllegalTransition(f"a {listing.status} listing takes no new media", field="status")
    existing = media_for_listing(listing_id=listing_id, consistent=True)
    if len(existing) >= MAX_MEDIA_PER_LISTING:
        raise ValidationError(f"a listing may have at most {MAX_MEDIA_PER_LISTING} media items", field="kind")
    media = Media(media_id=new_id(), listing_id=listing_id, kind=kind, state=AWAITING_UPLOAD,
                  premium=bool(premium), position=max((m.position for m in existing), default=-1) + 1,
                  content_type=content_type, size=size, filename=name, uploaded_by=actor.user_id)
    media.raw_key = raw_key(listing_id, media.media_id)
    with db.transaction() as tx:
        tx.create(media)
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media.media_id, action="request_upload",
                            after={**_snapshot(media), "filename": name, "size": size}))
    post = client("s3").generate_presigned_post(
        Bucket=settings().raw_bucket, Key=media.raw_key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, rules.max_bytes]],
        ExpiresIn=UPLOAD_EXPIRES_SECONDS)
    return UploadSlot(media=media, url=post["url"], fields=post["fields"], key=media.raw_key,
                      max_bytes=rules.max_bytes, expires_in=UPLOAD_EXPIRES_SECONDS)


def media_reorder(*, listing_id: str, actor: Actor, media_ids: list[str]) -> list[Media]:
    """Set the display order: ``media_ids`` must name every media item of the listing once."""
    _managed_listing(listing_id, actor)
    current = media_for_listing(listing_id=listing_id, consistent=True)
    if len(media_ids) != len(set(media_ids)) or set(media_ids) != {m.media_id for m in current}:
        raise ValidationError("media_ids must list every media item of the listing exactly once",
                              field="media_ids")
    by_id = {m.media_id: m for m in current}
    before = {"order": [m.media_id for m in current]}
    with db.transaction() as tx:
        for position, media_id in enumerate(media_ids):
            media = by_id[media_id]
            if media.position != position:
                tx.update(media, actions=[Media.position.set(position)], condition=Media.pk.exists())
                media.position = position
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="reorder_media",
                            before=before, after={"order": list(media_ids)}))
    return sorted(by_id.values(), key=lambda m: m.position)


def media_set_cover(*, listing_id: str, media_id: str, actor: Actor, expected_version: int | None = None) -> Listing:
    """Make a ready photo the listing's cover (denormalised onto the listing for cards)."""
    listing = _managed_listing(listing_id, actor)
    if expected_version is not None and int(expected_version) != listing.version:
        raise Conflict("this listing was changed by someone else since you opened it; reload and try again")
    media = media_get(listing_id=listing_id, media_id=media_id)
    if not _can_be_cover(media):
        raise ValidationError("the cover must be a ready, non-premium photo or drone shot", field="media_id")
    before = {"cover": listing.cover.media_id if listing.cover else None}
    listing.cover = _cover_of(media)
    with db.transaction(conflict_message="this listing was changed by someone else; reload and try again") as tx:
        tx.save(listing)
        tx.save(audit_entry(actor=actor, entity_type="listing", entity_id=listing_id, action="set_cover",
                            before=before, after={"cover": media_id}))
    return listing


def media_delete(*, listing_id: str, media_id: str, actor: Actor) -> None:
    """Remove a media item and its files; a deleted cover is replaced by the next ready photo."""
    listing = _managed_listing(listing_id, actor)
    media = media_get(listing_id=listing_id, media_id=media_id)
    replace_cover = bool(listing.cover and listing.cover.media_id == media_id)
    counted = media.kind in COVER_KINDS and media.state == READY
    with db.transaction() as tx:
        tx.delete(media)
        if replace_cover:
            others = [m for m in media_for_listing(listing_id=listing_id, consistent=True)
                      if m.media_id != media_id and _can_be_cover(m)]
            listing.cover = _cover_of(others[0]) if others else None
        if counted:
            listing.ready_photos = max(0, (listing.ready_photos or 0) - 1)
        if replace_cover or counted:
            tx.save(listing)
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="delete",
                            before=_snapshot(media)))
    # Files go after the commit: versioned buckets keep what is deleted until lifecycle expiry.
    cfg = settings()
    s3 = client("s3")
    s3.delete_object(Bucket=cfg.raw_bucket, Key=raw_key(listing_id, media_id))
    for bucket in (cfg.public_bucket, cfg.premium_bucket):
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=variants_prefix(listing_id, media_id))
        keys = [{"Key": o["Key"]} for o in listed.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def media_retry(*, listing_id: str, media_id: str, actor: Actor) -> Media:
    """Process a failed upload again from its kept raw object: copying the object onto itself makes a
    new version, whose ObjectCreated event starts the pipeline (the same path in AWS and locally)."""
    _managed_listing(listing_id, actor)
    media = media_get(listing_id=listing_id, media_id=media_id)
    if media.state != FAILED:
        raise IllegalTransition(f"only failed media can be retried; this one is {media.state}", field="state")
    before = _snapshot(media)
    failed_reason = media.failure_reason
    media.state, media.failure_reason, media.updated_at = PROCESSING, None, datetime.now(UTC)
    with db.transaction() as tx:
        tx.save(media)
        tx.save(audit_entry(actor=actor, entity_type="media", entity_id=media_id, action="retry",
                            before=before, after=_snapshot(media)))
    source = {"Bucket": settings().raw_bucket, "Key": media.raw_key or raw_key(listing_id, media_id)}
    if media.raw_version:
        source["VersionId"] = media.raw_version
    try:
        client("s3").copy_object(Bucket=source["Bucket"], Key=source["Key"], CopySource=source,
                                 MetadataDirective="REPLACE", ContentType=media.content_type or "binary/octet-stream",
                                 Metadata={"retry-of": media.raw_version or ""})
    except ClientError as error:
        media.state, media.failure_reason = FAILED, failed_reason
        db.save(media)
        if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchVersion", "404"):
            raise ValidationError("the original upload is gone; upload the file again", field="media_id") from error
        raise
    return media


# ---- the pipeline's transitions (acting as the system) ------------------------------------------------

def _settled(media: Media, version_id: str) -> bool:
    return media.raw_version == version_id and media.state in (READY, FAILED)


def _current(listing_id: str, media_id: str) -> Media | None:
    try:
        return Media.get(*Media.key(listing_id, media_id), consistent_read=True)
    except Media.DoesNotExist:
        return None


def media_start_processing(*, listing_id: str, media_id: str, version_id: str, size: int,
                           content_type: str) -> tuple[Media | None, Listing | None, bool]:
    """The pipeline took an upload: (media, listing, settled). ``settled`` means this very upload
    already has its outcome (a redelivered event): nothing more is written and the steps pass it on."""
    media, listing = _current(listing_id, media_id), None
    if media is None:
        return None, None, False
    listing = _listing(listing_id)
    if _settled(media, version_id):
        return media, listing, True
    first_time = media.raw_version != version_id
    media.state, media.raw_version, media.failure_reason = PROCESSING, version_id, None
    media.size, media.content_type, media.updated_at = size, content_type, datetime.now(UTC)
    with db.transaction() as tx:
        tx.save(media)
        if first_time:
            tx.save(to_outbox(DomainEvent(EventType.MEDIA_UPLOADED, _event_data(media, listing, size=size))))
    return media, listing, False


def media_mark_ready(*, listing_id: str, media_id: str, version_id: str, variants: list[dict], width: int,
                     height: int, placeholder: str | None, dominant_color: str | None, scan_status: str,
                     duration_seconds: float | None = None) -> bool:
    """The upload's outcome is ready media with every variant. The first ready photo becomes the
    listing's cover. Returns False when this upload already settled or a newer one replaced it."""
    media = _current(listing_id, media_id)
    if media is None or media.raw_version != version_id or _settled(media, version_id):
        return False
    listing = _listing(listing_id)
    media.state, media.failure_reason, media.updated_at = READY, None, datetime.now(UTC)
    media.variants = [MediaVariant(**v) for v in variants]
    media.width, media.height, media.scan_status = width, height, scan_status
    media.placeholder, media.dominant_color = placeholder, dominant_color
    if duration_seconds is not None:
        media.duration_seconds = Decimal(str(round(duration_seconds, 2)))
    processed = DomainEvent(EventType.MEDIA_PROCESSED, _event_data(
        media, listing, variants=len(media.variants), bucket=variants[0]["bucket"] if variants else None))
    with db.transaction() as tx:
        tx.save(media)
        tx.save(to_outbox(processed))
        if media.kind in COVER_KINDS:
            listing.ready_photos = (listing.ready_photos or 0) + 1
        if listing.cover is None and _can_be_cover(media):
            listing.cover = _cover_of(media)
            tx.save(audit_entry(actor=SYSTEM, entity_type="listing", entity_id=listing_id, action="set_cover",
                                before={"cover": None}, after={"cover": media_id}))
        if media.kind in COVER_KINDS:
            tx.save(listing)
    return True


def media_mark_failed(*, listing_id: str, media_id: str, version_id: str | None, reason: str,
                      scan_status: str | None = None) -> bool:
    """The upload's outcome is failed, with a reason the broker reads. The raw object is kept (a
    versioned bucket) so it can be retried. Returns False when nothing changed."""
    media = _current(listing_id, media_id)
    if media is None or (version_id and media.raw_version not in (None, version_id)):
        return False
    if version_id and _settled(media, version_id):
        return False
    listing = _listing(listing_id)
    media.state, media.failure_reason, media.updated_at = FAILED, reason, datetime.now(UTC)
    media.raw_version = version_id or media.raw_version
    if scan_status:
        media.scan_status = scan_status
    with db.transaction() as tx:
        tx.save(media)
        tx.save(to_outbox(DomainEvent(EventType.MEDIA_FAILED, _event_data(media, listing, reason=reason))))
    return True
