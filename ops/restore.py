"""``restore-drill``: restore the table to a new table at a moment, verify it against the source, measure RTO.

Verification: item counts per entity on both sides, and the checksum of every item that says it has not
changed since the restore moment (``ops.items.changed_at``) must be equal in the restored table. Items
changed later legitimately differ; items with no timestamp are checked for presence only.

The emulator ignores ``RestoreDateTime`` (it copies the table as it is): there the drill proves the
procedure and the verification; in AWS it also proves the restore window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from marketplace.aws import client
from marketplace.table import TTL_ATTRIBUTE
from ops.items import changed_at, checksum, counts, key_of, scan


@dataclass
class DrillReport:
    source: str
    target: str
    restore_to: datetime
    source_counts: dict[str, int]
    restored_counts: dict[str, int]
    compared: int = 0
    presence_only: int = 0
    changed_since: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    restore_seconds: float = 0.0
    rto_seconds: float = 0.0
    kept: bool = False

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered

    def lines(self) -> list[str]:
        out = [f"restore drill: {self.source} -> {self.target} at {self.restore_to.isoformat()}",
               f"  {'entity':<20} {'source now':>10} {'restored':>10}"]
        for name in sorted(set(self.source_counts) | set(self.restored_counts)):
            out.append(f"  {name:<20} {self.source_counts.get(name, 0):>10} {self.restored_counts.get(name, 0):>10}")
        out += [f"  items unchanged since the restore moment compared by checksum: {self.compared}",
                f"  items without a timestamp checked for presence: {self.presence_only}",
                f"  items changed after the restore moment (not compared): {self.changed_since}",
                f"  missing: {len(self.missing)}  altered: {len(self.altered)}"]
        out += [f"    missing {key}" for key in self.missing[:20]] + [f"    altered {key}" for key in self.altered[:20]]
        out += [(f"  restore took {self.restore_seconds:.1f} s; measured RTO (restore + verification) "
                f"{self.rto_seconds:.1f} s"),
                "  RESULT: " + ("PASS" if self.ok else "FAIL")]
        if self.kept:
            out += repoint_instructions(self.target)
        else:
            out.append(f"  the drill table {self.target} was deleted (use --keep to keep it for a real recovery)")
        return out


def repoint_instructions(target: str) -> list[str]:
    return [
        f"  To run the platform on {target} (a real recovery):",
        "   1. Stop writers: set the API stage throttle to 0 and disable the Zappa schedule.",
        f"   2. aws ssm put-parameter --overwrite --name /shikhar/<stage>/backoffice/table --value {target}",
        (f"   3. For every function of the stage: aws lambda update-function-configuration --function-name <name> "
        f"--environment 'Variables={{...,SHIKHAR_TABLE={target}}}' (the Lambda console shows the others), "
        "then publish a version and move the 'live' alias."),
        "   4. Re-enable the stream (outbox relay), TTL and PITR on the restored table: done by this drill when kept.",
        "   5. Bring the table under the Data stack (cdk import), then set the stage's table name in infra.",
    ]


def _wait_active(table: str, *, delay: float, attempts: int) -> None:
    client("dynamodb").get_waiter("table_exists").wait(
        TableName=table, WaiterConfig={"Delay": delay, "MaxAttempts": attempts})


def _harden(table: str, *, stream_view_type: str | None) -> None:
    """A restore copies data and indexes, not settings: turn PITR, TTL and the outbox stream back on."""
    dynamodb = client("dynamodb")
    dynamodb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    dynamodb.update_time_to_live(TableName=table,
                                 TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
    current = dynamodb.describe_table(TableName=table)["Table"].get("StreamSpecification", {})
    if stream_view_type and not current.get("StreamEnabled"):
        dynamodb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                                    "StreamViewType": stream_view_type})


def verify_restored(*, source: str, target: str, restore_to: datetime) -> DrillReport:
    """Counts per entity on both sides; every item unchanged since ``restore_to`` equal in ``target``."""
    source_items = list(scan(source))
    restored = {key_of(item): item for item in scan(target)}
    report = DrillReport(source=source, target=target, restore_to=restore_to, source_counts=counts(source_items),
                         restored_counts=counts(restored.values()))
    for item in source_items:
        key = key_of(item)
        moment = changed_at(item)
        if moment is not None and moment > restore_to:
            report.changed_since += 1
            continue
        if key not in restored:
            report.missing.append(key)
        elif moment is None:
            report.presence_only += 1
        else:
            report.compared += 1
            if checksum(restored[key]) != checksum(item):
                report.altered.append(key)
    return report


def restore_drill(*, source: str, restore_to: datetime, target: str | None = None, keep: bool = False,
                  kms_key: str | None = None, poll_seconds: float = 20, max_polls: int = 360) -> DrillReport:
    restore_to = restore_to.astimezone(UTC)
    target = target or f"{source}-restored-{restore_to:%Y%m%d%H%M%S}"
    dynamodb = client("dynamodb")
    stream = dynamodb.describe_table(TableName=source)["Table"].get("StreamSpecification", {}).get("StreamViewType")
    started = time.monotonic()
    arguments = {"SourceTableName": source, "TargetTableName": target, "RestoreDateTime": restore_to}
    if kms_key:
        arguments["SSESpecificationOverride"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key}
    dynamodb.restore_table_to_point_in_time(**arguments)
    _wait_active(target, delay=poll_seconds, attempts=max_polls)
    restored_at = time.monotonic()

    report = verify_restored(source=source, target=target, restore_to=restore_to)
    report.restore_seconds = restored_at - started
    report.rto_seconds = time.monotonic() - started
    report.kept = keep
    if keep:
        _harden(target, stream_view_type=stream)
    else:
        dynamodb.delete_table(TableName=target)
    return report
