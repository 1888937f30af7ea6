"""publish: the media becomes ready with every variant (and the cover, if it is the first ready photo);
MediaProcessed goes through the outbox. A second publish of the same upload changes nothing."""

from __future__ import annotations

from marketplace.services.media import media_mark_ready
from marketplace.services.media_placement import media_place
from media_pipeline.handlers.base import step_handler
from media_pipeline.scanner import NOT_SCANNED


@step_handler
def handler(state: dict) -> dict:
    published = media_mark_ready(
        listing_id=state["listing_id"], media_id=state["media_id"], upload_id=state["upload_id"],
        version_id=state["version_id"],
        variants=state.get("variants", []), width=state.get("width"), height=state.get("height"),
        placeholder=state.get("placeholder"), dominant_color=state.get("dominant_color"),
        perceptual_hash=state.get("perceptual_hash"),
        scan_status=state.get("scan_status", NOT_SCANNED), duration_seconds=state.get("duration_seconds"))
    if published:  # the listing's premium flag may have changed while this upload was processing
        media_place(listing_id=state["listing_id"])
    return {"published": published}
