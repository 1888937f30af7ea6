"""validate: the real type from the bytes, size, pixel count from the header, minimum edge; no markup,
scripts, archives or polyglots. Marks the media ``processing`` (or finds the upload already settled)."""

from __future__ import annotations

from marketplace.errors import Conflict
from marketplace.media_kinds import KINDS, human_size
from marketplace.services.media import destination_bucket, media_start_processing, parse_raw_key
from media_pipeline import imaging, sniff, storage
from media_pipeline.config import media_settings
from media_pipeline.errors import Rejected, TransientError
from media_pipeline.events import from_eventbridge
from media_pipeline.steps import pipeline_seconds


def handler(event: dict, context=None) -> dict:
    state = from_eventbridge(event)
    key = parse_raw_key(state.get("key") or "")
    if key is None:
        raise Rejected("not a media upload: uploads go to <listing>/<media>/<upload>/original.<kind>")
    state = {**state, "listing_id": key.listing_id, "media_id": key.media_id, "upload_id": key.upload_id}
    found = storage.head(state["bucket"], state["key"], state.get("version_id"))
    size = int(found["ContentLength"])
    version_id = state.get("version_id") or found.get("VersionId") or "null"
    try:
        media, listing, settled = media_start_processing(
            listing_id=key.listing_id, media_id=key.media_id, upload_id=key.upload_id, version_id=version_id,
            size=size, content_type=found.get("ContentType") or "", deadline_seconds=pipeline_seconds(key.kind))
    except Conflict as error:
        raise TransientError(str(error)) from error
    if media is None or media.kind != key.kind:
        raise Rejected("this upload has no media item (it was deleted, or the slot never existed)")
    state.update(version_id=version_id, size=size, kind=media.kind, settled=settled,
                 destination=destination_bucket(listing=listing, media=media))
    if settled:
        return state
    return {**state, **check(state)}


def check(state: dict) -> dict:
    """The checks themselves; returns what they learnt (format, dimensions)."""
    rules = KINDS[state["kind"]]
    size = state["size"]
    if size == 0:
        raise Rejected("the file is empty (0 bytes); upload it again")
    if size > rules.max_bytes:
        raise Rejected(f"the file is {human_size(size)}; a {rules.label} may be at most {human_size(rules.max_bytes)}")
    bucket, key, version = state["bucket"], state["key"], state["version_id"]
    if rules.is_video:  # read only the ends of a video: the type and any appended archive show there
        data = storage.read(bucket, key, version, byte_range=f"bytes=0-{sniff.HEAD - 1}")
        tail = storage.read(bucket, key, version, byte_range=f"bytes=-{sniff.TAIL}") if size > sniff.HEAD else data
    else:
        data = storage.read(bucket, key, version)
        tail = data[-sniff.TAIL:]
    fmt = sniff.sniff(data[:sniff.HEAD])
    if fmt not in rules.formats:
        raise Rejected(f"the file is {sniff.describe(fmt)}, not a {rules.label} ({rules.accepted})")
    if sniff.has_zip_directory(tail):
        raise Rejected(f"the file is {sniff.describe(fmt)} with an archive attached to it; "
                       "export the image again and re-upload")
    if rules.is_video:
        return {"format": fmt}
    markup = sniff.embedded_markup(data, fmt)
    if markup:
        raise Rejected(f"the file contains web page code ({markup!s}); export the image again and re-upload")
    info = imaging.inspect(data, rules, max_pixels=media_settings().max_pixels)
    if info.format != fmt:
        raise Rejected(f"the file is damaged: it starts as {fmt} but reads as {info.format}")
    return {"format": fmt, "width": info.width, "height": info.height}
