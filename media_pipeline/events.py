"""What starts the pipeline, in any of its shapes, as the state the first step takes."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus


def _state(bucket: str, key: str, version_id: str | None, size: int | None) -> dict:
    # Keys arrive URL-encoded (S3 notifications; the emulator encodes "/" too): always decode.
    return {"bucket": bucket, "key": unquote_plus(key), "version_id": version_id or None, "size": size}


def from_eventbridge(event: dict) -> dict:
    """An S3 "Object Created" event from EventBridge (AWS), or an already-built state (passed on)."""
    detail = event.get("detail")
    if isinstance(detail, dict) and "object" in detail:
        obj = detail["object"]
        return _state(detail["bucket"]["name"], obj["key"], obj.get("version-id"), obj.get("size"))
    return event


def from_notification(body: str) -> list[dict]:
    """The states of the uploads in an S3 event notification (an SQS message body, locally)."""
    message = json.loads(body)
    if message.get("Event") == "s3:TestEvent":
        return []
    states = []
    for record in message.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        states.append(_state(s3["bucket"]["name"], s3["object"]["key"], s3["object"].get("versionId"),
                             s3["object"].get("size")))
    return states
