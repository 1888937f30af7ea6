"""Media follows the premium rule when a listing's premium flag changes: objects move between the public
and premium buckets, the old copies are deleted, the media item names the new bucket and a cover that
may no longer be shown publicly is replaced.

``media_place`` reads the current state and only moves what is in the wrong bucket, so it can run any
number of times: it is the consumer of the "media-placement" rule (approval, featuring, unfeaturing and
edits), and the pipeline's publish step runs it too, for an upload that was processing while the flag
changed. Copies are written before the item names them and old copies are deleted only after, so a
crash at any point leaves every URL the API hands out working; the next run finishes the move.

The consumer then has CloudFront drop its cached copies of the objects a move retired (one invalidation
per event, naming exactly those paths), since public media is cached as immutable for a year: a drone
shot that became premium must stop showing at once. Locally the call goes to the emulator (recorded,
nothing cached).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from marketplace import db, media_urls
from marketplace.actors import SYSTEM
from marketplace.audit import audit_entry
from marketplace.aws import client
from marketplace.config import settings
from marketplace.consumers import consume_once
from marketplace.errors import Conflict
from marketplace.events import Queue, to_outbox
from marketplace.ids import new_id
from marketplace.models import Listing, Media
from marketplace.observability import logger
from marketplace.outbox import detail_of
from marketplace.selectors.media import media_for_listing
from marketplace.services.media import (
    _listing_media,
    _refresh_listing,
    cover_changed,
    destination_bucket,
    variants_prefix,
)

CONSUMER = Queue.MEDIA_PLACEMENT
MAX_ATTEMPTS = 3  # a concurrent write to the item or the listing: read again and retry
INVALIDATION_BATCH = 1000  # paths per CreateInvalidation (CloudFront allows 3,000 file paths in progress)


@dataclass(frozen=True)
class Moved:
    """One media item placed in another bucket: the edge paths of the copies the move deleted."""

    media_id: str
    retired: tuple[str, ...]


def _objects(bucket: str, prefix: str) -> list[str]:
    pages = client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def _copy_into(target: str, sources: set[str], prefix: str) -> None:
    s3 = client("s3")
    for source in sources:
        for key in _objects(source, prefix):
            # The object's own Content-Type and Cache-Control travel with it (MetadataDirective COPY).
            s3.copy_object(Bucket=target, Key=key, CopySource={"Bucket": source, "Key": key})


def _delete_from(buckets: set[str], prefix: str) -> list[str]:
    """Delete every object under ``prefix`` in ``buckets``; their edge paths."""
    s3 = client("s3")
    retired = []
    for bucket in buckets:
        keys = _objects(bucket, prefix)
        for start in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]],
                                                     "Quiet": True})
        retired += [media_urls.edge_path(bucket, key) for key in keys]
    return retired


def _record(listing_id: str, media_id: str, content_version: str | None, target: str) -> bool:
    """Point the served version's variants at ``target`` and refresh the listing's cover, in one
    transaction. False when the item is gone or now serves another version (a delete or a newer upload
    won: its own publish places it)."""
    media = Media.get_or_none(listing_id, media_id, consistent=True)
    if media is None or not media.served or media.content_version != content_version:
        return False
    listing = Listing.get(*Listing.key(listing_id), consistent_read=True)
    before = sorted({v.bucket for v in media.variants})
    for variant in media.variants:
        variant.bucket = target
    with db.transaction() as tx:
        tx.save(media)
        if _refresh_listing(listing, _listing_media(listing_id, media)):  # a cover that became premium goes
            tx.save(listing)
            tx.save(to_outbox(cover_changed(listing)))  # the search index shows the new cover
        tx.save(audit_entry(actor=SYSTEM, entity_type="media", entity_id=media_id, action="move_media",
                            before={"buckets": before}, after={"buckets": [target]}))
    return True


def _place(listing_id: str, media: Media, target: str) -> Moved | None:
    cfg = settings()
    prefix = variants_prefix(listing_id, media.media_id, media.content_version)
    _copy_into(target, {v.bucket for v in media.variants} - {target}, prefix)
    for attempt in range(MAX_ATTEMPTS):
        try:
            recorded = _record(listing_id, media.media_id, media.content_version, target)
            break
        except Conflict:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    if not recorded:
        return None
    return Moved(media.media_id, tuple(_delete_from({cfg.public_bucket, cfg.premium_bucket} - {target}, prefix)))


def media_place(*, listing_id: str) -> list[Moved]:
    """Move the served version of every media item of the listing into the bucket the premium rule gives
    it now; returns what moved (nothing when everything already is where it belongs)."""
    listing = Listing.get_or_none(listing_id, consistent=True)
    if listing is None:
        return []
    moved = []
    for media in media_for_listing(listing_id=listing_id, consistent=True):
        if not media.served:
            continue
        target = destination_bucket(listing=listing, media=media)
        if all(v.bucket == target for v in media.variants):
            continue
        if placed := _place(listing_id, media, target):
            moved.append(placed)
    return moved


def invalidate(paths: list[str]) -> list[str]:
    """Have the CDN drop its cached copies of ``paths``, in batches; returns the invalidation ids. A
    failure is logged with the paths, not raised: the move itself is done and a redelivery would find
    nothing left to move (an operator invalidates the logged paths by hand)."""
    distribution = settings().cloudfront_distribution_id
    if not paths or not distribution:
        return []
    ids = []
    for start in range(0, len(paths), INVALIDATION_BATCH):
        batch = paths[start:start + INVALIDATION_BATCH]
        try:
            answer = client("cloudfront").create_invalidation(DistributionId=distribution, InvalidationBatch={
                "Paths": {"Quantity": len(batch), "Items": batch}, "CallerReference": new_id()})
        except Exception:  # noqa: BLE001 - see above: logged for an operator, the moves stand
            logger.exception("CDN invalidation failed", extra={"distribution": distribution, "paths": batch})
            continue
        ids.append(answer["Invalidation"]["Id"])
    return ids


def place_and_invalidate(*, listing_id: str) -> list[Moved]:
    """The consumer's work: place the listing's media, then invalidate what the moves retired."""
    moved = media_place(listing_id=listing_id)
    invalidate([path for m in moved for path in m.retired])
    return moved


def handle_message(body: str) -> None:
    """One event of the "media-placement" rule (an SQS message body): place the listing's media."""
    _, detail = detail_of(body)
    listing_id = (detail.get("data") or {}).get("listing_id")
    if listing_id:
        consume_once(consumer=CONSUMER, event_id=detail["event_id"],
                     handler=lambda: place_and_invalidate(listing_id=listing_id))


_BATCH = BatchProcessor(event_type=EventType.SQS)


def handler(event: dict, context=None) -> dict:
    """Lambda entry point for the media-placement queue: a partial batch response, so SQS redelivers
    only the messages that failed."""
    return process_partial_response(event=event, record_handler=lambda record: handle_message(record.body),
                                    processor=_BATCH, context=context)
