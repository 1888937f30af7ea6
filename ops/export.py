"""``export``: the table to S3 (DynamoDB export), a Parquet copy for Athena, and a manifest with counts and
checksums; ``export verify``: the Parquet copy and the raw export against the manifest.

Layout under ``s3://<bucket>/<prefix>``::

    AWSDynamoDB/<export-id>/data/*.json.gz   DynamoDB's own export (gzip DynamoDB JSON, one item a line),
                                             listed by AWSDynamoDB/<export-id>/manifest-files.json
    parquet/<export-id>/items.parquet        pk, sk, type, changed_at, item (typed JSON), sha256
    manifests/<export-id>.json               table, export ARN and time, counts per entity, item checksums

The emulator writes one data file under a directory of its own naming and no manifest-files.json:
there the data files written since the export started are taken (see ``_data_keys``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from marketplace.aws import client
from marketplace.config import settings
from ops.items import changed_at, checksum, counts, entity, key_of

MANIFEST_VERSION = 1


@dataclass
class ExportResult:
    export_arn: str
    export_id: str
    bucket: str
    prefix: str
    item_count: int
    counts: dict[str, int]
    manifest_key: str
    parquet_key: str
    seconds: float

    def lines(self) -> list[str]:
        return [f"exported {self.item_count} items ({self.seconds:.1f} s): {self.export_arn}",
                *(f"  {name:<20} {count:>8}" for name, count in self.counts.items()),
                f"  parquet:  s3://{self.bucket}/{self.parquet_key}",
                f"  manifest: s3://{self.bucket}/{self.manifest_key}",
                f"  verify:   python -m ops export verify --bucket {self.bucket} --manifest {self.manifest_key}"]


@dataclass
class Verification:
    manifest_key: str
    expected: int
    found: int
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.unexpected)

    def lines(self) -> list[str]:
        out = [(f"verify {self.manifest_key} against {', '.join(self.sources)}: "
               f"{self.found} items found, {self.expected} expected"),
               f"  missing: {len(self.missing)}  altered: {len(self.altered)}  unexpected: {len(self.unexpected)}"]
        out += [f"    missing {k}" for k in self.missing[:20]] + [f"    altered {k}" for k in self.altered[:20]]
        out += [f"    unexpected {k}" for k in self.unexpected[:20]]
        return out + ["  RESULT: " + ("PASS" if self.ok else "FAIL")]


def _table_arn(table: str) -> str:
    return client("dynamodb").describe_table(TableName=table)["Table"]["TableArn"]


def start_export(*, table: str, bucket: str, prefix: str) -> str:
    response = client("dynamodb").export_table_to_point_in_time(
        TableArn=_table_arn(table), S3Bucket=bucket, S3Prefix=prefix.rstrip("/"), ExportFormat="DYNAMODB_JSON")
    return response["ExportDescription"]["ExportArn"]


def wait_export(export_arn: str, *, poll_seconds: float = 10, max_polls: int = 540) -> dict:
    for _ in range(max_polls):
        description = client("dynamodb").describe_export(ExportArn=export_arn)["ExportDescription"]
        if description["ExportStatus"] == "COMPLETED":
            return description
        if description["ExportStatus"] == "FAILED":
            raise RuntimeError(f"export failed: {description.get('FailureCode')} {description.get('FailureMessage')}")
        time.sleep(poll_seconds)
    raise TimeoutError(f"export {export_arn} not finished after {poll_seconds * max_polls:.0f} s")


def _data_keys(bucket: str, prefix: str, export_id: str, *, started: datetime) -> list[str]:
    """The export's data files: from DynamoDB's manifest-files.json (AWS); the emulator writes none and
    names its directory differently, so there the files written since the export started are taken."""
    s3 = client("s3")
    base = f"{prefix.rstrip('/')}/AWSDynamoDB/".lstrip("/")
    try:
        listing = s3.get_object(Bucket=bucket, Key=f"{base}{export_id}/manifest-files.json")["Body"].read()
    except s3.exceptions.NoSuchKey:
        listing = None
    if listing is not None:
        return sorted(json.loads(line)["dataFileS3Key"] for line in listing.decode().splitlines() if line.strip())
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        keys += [o["Key"] for o in page.get("Contents", [])
                 if "/data/" in o["Key"] and o["Key"].endswith(".gz") and o["LastModified"] >= started]
    if not keys:
        raise RuntimeError(f"no data files for export {export_id} under s3://{bucket}/{base}")
    return sorted(keys)


def read_export_items(bucket: str, keys: list[str]) -> list[dict]:
    items = []
    for key in keys:
        body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        for line in gzip.decompress(body).decode().splitlines():
            if line.strip():
                items.append(json.loads(line)["Item"])
    return items


def to_parquet(items: list[dict]) -> bytes:
    import pyarrow as pa  # heavy: only the export path needs it
    import pyarrow.parquet as pq

    rows = sorted(items, key=key_of)
    table = pa.table({
        "pk": [i["pk"]["S"] for i in rows], "sk": [i["sk"]["S"] for i in rows],
        "type": [entity(i) for i in rows],
        "changed_at": pa.array([changed_at(i) for i in rows], type=pa.timestamp("us", tz="UTC")),
        "item": [json.dumps(i, sort_keys=True, separators=(",", ":")) for i in rows],
        "sha256": [checksum(i) for i in rows],
    })
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def read_parquet_items(bucket: str, key: str) -> list[dict]:
    import pyarrow.parquet as pq

    body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return [json.loads(text) for text in pq.read_table(io.BytesIO(body), columns=["item"]).column("item").to_pylist()]


def export(*, table: str, bucket: str, prefix: str = "exports", poll_seconds: float = 10) -> ExportResult:
    started = time.monotonic()
    started_at = datetime.now(UTC).replace(microsecond=0)  # S3 times are whole seconds
    prefix = prefix.strip("/")
    export_arn = start_export(table=table, bucket=bucket, prefix=prefix)
    description = wait_export(export_arn, poll_seconds=poll_seconds)
    export_id = export_arn.rsplit("/", 1)[-1]
    data_keys = _data_keys(bucket, prefix, export_id, started=started_at)
    items = read_export_items(bucket, data_keys)
    parquet_key = f"{prefix}/parquet/{export_id}/items.parquet"
    s3 = client("s3")
    s3.put_object(Bucket=bucket, Key=parquet_key, Body=to_parquet(items), ContentType="application/vnd.apache.parquet")
    export_time = description.get("ExportTime") or datetime.now(UTC)
    manifest = {
        "version": MANIFEST_VERSION, "table": table, "export_arn": export_arn,
        "export_time": export_time.isoformat(), "data_files": data_keys, "parquet": parquet_key,
        "item_count": len(items), "counts": counts(items),
        "checksums": {key_of(i): checksum(i) for i in sorted(items, key=key_of)},
    }
    manifest_key = f"{prefix}/manifests/{export_id}.json"
    s3.put_object(Bucket=bucket, Key=manifest_key, Body=json.dumps(manifest, indent=1).encode(),
                  ContentType="application/json")
    return ExportResult(export_arn=export_arn, export_id=export_id, bucket=bucket, prefix=prefix,
                        item_count=len(items), counts=manifest["counts"], manifest_key=manifest_key,
                        parquet_key=parquet_key, seconds=time.monotonic() - started)


def verify(*, bucket: str, manifest_key: str) -> Verification:
    """Check the Parquet copy and the raw export files: every item there, none altered, nothing extra."""
    manifest = json.loads(client("s3").get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    expected: dict[str, str] = manifest["checksums"]
    result = Verification(manifest_key=manifest_key, expected=len(expected), found=0,
                          sources=["parquet", "export files"])
    problems: dict[str, set[str]] = {"missing": set(), "altered": set(), "unexpected": set()}
    for items in (read_parquet_items(bucket, manifest["parquet"]), read_export_items(bucket, manifest["data_files"])):
        found = {key_of(item): checksum(item) for item in items}
        result.found = max(result.found, len(found))
        problems["missing"] |= set(expected) - set(found)
        problems["unexpected"] |= set(found) - set(expected)
        problems["altered"] |= {k for k in set(found) & set(expected) if found[k] != expected[k]}
    result.missing, result.altered, result.unexpected = (sorted(problems[k]) for k in
                                                         ("missing", "altered", "unexpected"))
    return result


def run_scheduled() -> dict:
    """The weekly schedule's entry point (``ops.scheduled.weekly_export``): export, then verify."""
    bucket = os.environ["SHIKHAR_EXPORT_BUCKET"]
    prefix = f"exports/{datetime.now(UTC):%Y/%m/%d}"
    result = export(table=settings().table_name, bucket=bucket, prefix=prefix)
    check = verify(bucket=bucket, manifest_key=result.manifest_key)
    if not check.ok:
        raise RuntimeError("\n".join(check.lines()))  # the Lambda error alarm fires
    return {"export_arn": result.export_arn, "items": result.item_count, "manifest": result.manifest_key}
