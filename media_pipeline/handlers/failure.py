"""record_failure: any step's error, after its retries, ends here. The media becomes ``failed`` with a
reason the broker can act on; MediaFailed goes through the outbox; the raw object stays for a retry."""

from __future__ import annotations

import json
import re

from marketplace.observability import logger
from marketplace.services.media import media_mark_failed
from media_pipeline.events import from_eventbridge
from media_pipeline.scanner import INFECTED

TIMED_OUT = "processing took too long; try a smaller file, or retry"
UNEXPECTED = "processing failed unexpectedly; retry, and contact support if it fails again"
_RAW_KEY = re.compile(r"^(?P<listing_id>[0-9a-z]{1,64})/(?P<media_id>[0-9a-z]{1,64})/original$")


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
    ids = {k: state[k] for k in ("listing_id", "media_id") if state.get(k)}
    match = _RAW_KEY.match(state.get("key") or "")
    if len(ids) < 2 and match:
        ids = match.groupdict()
    logger.warning("media failed", extra={**ids, "error": error.get("Error"), "cause": error.get("Cause"),
                                          "reason": reason})
    recorded = False
    if len(ids) == 2:
        recorded = media_mark_failed(listing_id=ids["listing_id"], media_id=ids["media_id"],
                                     version_id=state.get("version_id"), reason=reason,
                                     scan_status=INFECTED if error.get("Error") == "Infected" else
                                     state.get("scan_status"))
    return {**state, "failure_reason": reason, "recorded": recorded}
