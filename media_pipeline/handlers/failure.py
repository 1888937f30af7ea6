"""record_failure: any step's error, after its retries, ends here. The media becomes ``failed`` with a
reason the broker can act on; MediaFailed goes through the outbox; the raw object stays for a retry."""

from __future__ import annotations

import json

from marketplace.observability import logger
from marketplace.services.media import media_mark_failed, parse_raw_key
from media_pipeline.events import from_eventbridge
from media_pipeline.scanner import INFECTED

TIMED_OUT = "processing took too long; try a smaller file, or retry"
UNEXPECTED = "processing failed unexpectedly; retry, and contact support if it fails again"


def reason_for(error: dict) -> str:
    """The broker-facing reason: a rejection's own words; anything else, said plainly (details go to
    the logs, never to the broker)."""
    name = error.get("Error", "")
    try:
        cause = json.loads(error.get("Cause") or "{}")
    except ValueError:
        cause = {"errorMessage": error.get("Cause")}
    if name in ("Rejected", "Infected"):
        return str(cause.get("errorMessage") or "the file was rejected")
    if name == "States.Timeout":
        return TIMED_OUT
    return UNEXPECTED


def handler(event: dict, context=None) -> dict:
    error = event.get("error") or {}
    state = {**from_eventbridge(event), "error": error}  # validate's input may still be the S3 event
    reason = reason_for(error)
    key = parse_raw_key(state.get("key") or "")  # validate's own failure may come before it set the ids
    ids = {"listing_id": key.listing_id, "media_id": key.media_id, "upload_id": key.upload_id} if key else {}
    logger.warning("media failed", extra={**ids, "error": error.get("Error"), "cause": error.get("Cause"),
                                          "reason": reason})
    recorded = False
    if ids:
        recorded = media_mark_failed(**ids, version_id=state.get("version_id"), reason=reason,
                                     scan_status=INFECTED if error.get("Error") == "Infected" else
                                     state.get("scan_status"))
    return {**state, "failure_reason": reason, "recorded": recorded}
