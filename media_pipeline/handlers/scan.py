"""scan: ClamAV when configured (a Lambda layer in AWS), else the media records "not scanned"."""

from __future__ import annotations

import os
import tempfile

from media_pipeline import storage
from media_pipeline.errors import Infected
from media_pipeline.handlers.base import step_handler
from media_pipeline.scanner import INFECTED, NOT_SCANNED, scanner
from media_pipeline.steps import step

_TIMEOUT = step("scan").timeout_seconds - 10


@step_handler
def handler(state: dict) -> dict:
    engine = scanner()
    if engine.__class__.__name__ == "NotScanned":
        return {"scan_status": NOT_SCANNED}
    with tempfile.TemporaryDirectory(prefix="scan-") as folder:
        path = os.path.join(folder, "upload")
        storage.download(state["bucket"], state["key"], state["version_id"], path)
        result = engine.scan(path, timeout=_TIMEOUT)
    if result.status == INFECTED:
        raise Infected(f"the malware scanner flagged this file ({result.signature}); it was not published")
    return {"scan_status": result.status}
