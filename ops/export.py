"""``export``: the table to S3 (DynamoDB export), a Parquet copy for Athena, and a manifest with counts and
checksums; ``export verify``: the Parquet copy and the raw export against the manifest.

Layout under ``s3://<bucket>/<prefix>``::

    AWSDynamoDB/<export-id>/data/*.json.gz   DynamoDB's own export (gzip DynamoDB JSON, one item a line),
                                             listed by AWSDynamoDB/<export-id>/manifest-files.json
    parquet/<export-id>/items.parquet        pk, sk, type, changed_at, item (typed JSON), sha256
    manifests/<export-id>.json               table, export ARN and time, counts per entity, item checksums

The manifest's sha256 is sealed in the table (``ExportSeal``), chained to the previous export's seal, so
a consistent rewrite of data and manifest in S3 fails verification; in AWS the exports bucket is also
object-locked (compliance mode), so neither can be rewritten or deleted while locked.

The emulator writes one data file under a directory of its own naming and no manifest-files.json:
there the data files written since the export started are taken (see ``_data_keys``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botocore.exceptions import ClientError, WaiterError

from marketplace import db
from marketplace.aws import client
from marketplace.config import settings
from marketplace.deployment import Env
from marketplace.models import ExportSeal
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
    duplicated: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files named by the manifest that cannot be read
    seal: str = "not checked"  # "matches" when the manifest's hash is the one sealed in the table
    sources: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.seal == "matches" and not (self.missing or self.altered or self.unexpected or self.duplicated
                                               or self.unreadable)

    def lines(self) -> list[str]:
        out = [(f"verify {self.manifest_key} against {', '.join(self.sources)}: "
               f"{self.found} items found, {self.expected} expected"),
               f"  seal: {self.seal}",
               (f"  missing: {len(self.missing)}  altered: {len(self.altered)}  unexpected: {len(self.unexpected)}"
                f"  duplicated: {len(self.duplicated)}  unreadable files: {len(self.unreadable)}")]
        out += [f"    missing {k}" for k in self.missing[:20]] + [f"    altered {k}" for k in self.altered[:20]]
        out += [f"    unexpected {k}" for k in self.unexpected[:20]]
        out += [f"    duplicated {k}" for k in self.duplicated[:20]]
        out += [f"    unreadable {k}" for k in self.unreadable[:20]]
        return out + ["  RESULT: " + ("PASS" if self.ok else "FAIL")]


def _table_arn(table: str) -> str:
    return client("dynamodb").describe_table(TableName=table)["Table"]["TableArn"]


def start_export(*, table: str, bucket: str, prefix: str) -> str:
    response = client("dynamodb").export_table_to_point_in_time(
        TableArn=_table_arn(table), S3Bucket=bucket, S3Prefix=prefix.rstrip("/"), ExportFormat="DYNAMODB_JSON")
    return response["ExportDescription"]["ExportArn"]


def wait_export(export_arn: str, *, poll_seconds: float = 10, max_polls: int = 540) -> dict:
    """The finished export's description (botocore's ``export_completed`` waiter); a failed export or
    one still running after ``max_polls`` is an error naming why."""
    dynamodb = client("dynamodb")
    try:
        dynamodb.get_waiter("export_completed").wait(
            ExportArn=export_arn, WaiterConfig={"Delay": poll_seconds, "MaxAttempts": max_polls})
    except WaiterError as error:
        description = (error.last_response or {}).get("ExportDescription", {})
        raise RuntimeError(f"export {export_arn} did not complete: {description.get('ExportStatus')} "
                           f"{description.get('FailureCode', '')} {description.get('FailureMessage', '')}".rstrip()
                           ) from error
    return dynamodb.describe_export(ExportArn=export_arn)["ExportDescription"]


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
    body = json.dumps(manifest, indent=1).encode()
    s3.put_object(Bucket=bucket, Key=manifest_key, Body=body, ContentType="application/json")
    seal(export_id=export_id, manifest_key=manifest_key, manifest=body)
    return ExportResult(export_arn=export_arn, export_id=export_id, bucket=bucket, prefix=prefix,
                        item_count=len(items), counts=manifest["counts"], manifest_key=manifest_key,
                        parquet_key=parquet_key, seconds=time.monotonic() - started)


def _chain(previous: str, manifest_sha256: str) -> str:
    return hashlib.sha256(f"{previous}:{manifest_sha256}".encode()).hexdigest()


def seal(*, export_id: str, manifest_key: str, manifest: bytes) -> ExportSeal:
    """Keep the manifest's hash in the table, chained to the previous export's seal."""
    previous = next(iter(ExportSeal.chain(scan_index_forward=False, limit=1)), None)
    digest = hashlib.sha256(manifest).hexdigest()
    record = ExportSeal(export_id=export_id, manifest_key=manifest_key, manifest_sha256=digest,
                        previous_export_id=previous.export_id if previous else None,
                        chain_sha256=_chain(previous.chain_sha256 if previous else "", digest))
    db.save(record, condition=ExportSeal.pk.does_not_exist())
    return record


def check_seal(*, export_id: str, manifest: bytes) -> str:
    """"matches", or what is wrong: no seal, a different manifest, or a broken chain."""
    try:
        record = ExportSeal.get(*ExportSeal.key(export_id), consistent_read=True)
    except ExportSeal.DoesNotExist:
        return "MISSING: no seal for this export in the table"
    digest = hashlib.sha256(manifest).hexdigest()
    if digest != record.manifest_sha256:
        return "MISMATCH: the manifest is not the one sealed at export time"
    previous_chain = ""
    if record.previous_export_id:
        try:
            previous_chain = ExportSeal.get(*ExportSeal.key(record.previous_export_id)).chain_sha256
        except ExportSeal.DoesNotExist:
            return f"BROKEN CHAIN: the previous seal ({record.previous_export_id}) is gone"
    if _chain(previous_chain, digest) != record.chain_sha256:
        return "BROKEN CHAIN: the seal does not follow from the previous one"
    return "matches"


def _read(result: Verification, label: str, reader) -> list[dict] | None:
    try:
        return reader()
    except ClientError as error:  # a deleted or unreadable file is a finding, not a crash
        result.unreadable.append(f"{label}: {error.response['Error']['Code']}")
        return None


def verify(*, bucket: str, manifest_key: str) -> Verification:
    """Check the manifest against its seal, then the Parquet copy and the raw export files against the
    manifest: every item there exactly once, none altered, nothing extra, every file readable."""
    body = client("s3").get_object(Bucket=bucket, Key=manifest_key)["Body"].read()
    manifest = json.loads(body)
    expected: dict[str, str] = manifest["checksums"]
    export_id = manifest["export_arn"].rsplit("/", 1)[-1]
    result = Verification(manifest_key=manifest_key, expected=len(expected), found=0,
                          sources=["parquet", "export files"], seal=check_seal(export_id=export_id, manifest=body))
    problems: dict[str, set[str]] = {"missing": set(), "altered": set(), "unexpected": set(), "duplicated": set()}
    readers = [(manifest["parquet"], lambda: read_parquet_items(bucket, manifest["parquet"])),
               (", ".join(manifest["data_files"]), lambda: read_export_items(bucket, manifest["data_files"]))]
    for label, reader in readers:
        items = _read(result, label, reader)
        if items is None:
            continue
        rows = Counter(key_of(item) for item in items)
        found = {key_of(item): checksum(item) for item in items}
        result.found = max(result.found, len(found))
        problems["duplicated"] |= {key for key, count in rows.items() if count > 1}
        problems["missing"] |= set(expected) - set(found)
        problems["unexpected"] |= set(found) - set(expected)
        problems["altered"] |= {k for k in set(found) & set(expected) if found[k] != expected[k]}
    result.missing, result.altered, result.unexpected, result.duplicated = (
        sorted(problems[k]) for k in ("missing", "altered", "unexpected", "duplicated"))
    return result


def run_scheduled() -> dict:
    """The weekly schedule's entry point (``ops.scheduled.weekly_export``): export, then verify."""
    bucket = os.environ[Env.EXPORT_BUCKET]
    prefix = f"exports/{datetime.now(UTC):%Y/%m/%d}"
    result = export(table=settings().table_name, bucket=bucket, prefix=prefix)
    check = verify(bucket=bucket, manifest_key=result.manifest_key)
    if not check.ok:
        raise RuntimeError("\n".join(check.lines()))  # the Lambda error alarm fires
    return {"export_arn": result.export_arn, "items": result.item_count, "manifest": result.manifest_key}
