"""``s3-recover``: undo a mass deletion in a versioned bucket by removing the delete markers placed after a
moment, so each object's previous version is current again. Dry run unless ``apply`` is set.

Only delete markers that are the *latest* version are removed (an object re-uploaded since is left as
it is), and only those placed at or after ``since``; nothing else in the bucket is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from marketplace.aws import client

_BATCH = 1000  # DeleteObjects takes at most 1000 keys


@dataclass
class Recovery:
    bucket: str
    since: datetime
    applied: bool
    markers: list[tuple[str, str]] = field(default_factory=list)  # (key, delete marker version id)
    restored: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "restored" if self.applied else "would restore"
        out = [(f"s3-recover {self.bucket} since {self.since.isoformat()}: {len(self.markers)} delete markers found; "
               f"{verb} {len(self.restored) if self.applied else len(self.markers)} objects")]
        keys = self.restored if self.applied else [k for k, _ in self.markers]
        out += [f"  {key}" for key in keys[:50]] + ([f"  ... and {len(keys) - 50} more"] if len(keys) > 50 else [])
        out += [f"  ERROR {e}" for e in self.errors]
        if not self.applied and self.markers:
            out.append("  dry run: nothing changed; run again with --apply to restore them")
        return out


def find_delete_markers(*, bucket: str, since: datetime) -> list[tuple[str, str]]:
    markers = []
    for page in client("s3").get_paginator("list_object_versions").paginate(Bucket=bucket):
        for marker in page.get("DeleteMarkers", []):
            if marker["IsLatest"] and marker["LastModified"] >= since:
                markers.append((marker["Key"], marker["VersionId"]))
    return sorted(markers)


def s3_recover(*, bucket: str, since: datetime, apply: bool = False) -> Recovery:
    recovery = Recovery(bucket=bucket, since=since, applied=apply,
                        markers=find_delete_markers(bucket=bucket, since=since))
    if not apply:
        return recovery
    s3 = client("s3")
    for start in range(0, len(recovery.markers), _BATCH):
        batch = recovery.markers[start:start + _BATCH]
        response = s3.delete_objects(Bucket=bucket, Delete={"Quiet": False, "Objects": [
            {"Key": key, "VersionId": version} for key, version in batch]})
        recovery.restored += [d["Key"] for d in response.get("Deleted", [])]
        recovery.errors += [f"{e['Key']}: {e['Code']} {e.get('Message', '')}" for e in response.get("Errors", [])]
    recovery.restored.sort()
    return recovery
