"""``failover --to <region>``: the region-outage runbook of DR option 2 (dossier sections 9 and 16).

Dry run (the default): checks that the DR region holds what Tier 0 needs: the table's global replica
(active, with PITR) and the cross-region copies of raw uploads and premium media (versioned, encrypted,
replication configured, a sample of recent objects present). With ``apply``: it points the stage's
configuration in the DR region at those copies (``/shikhar/<stage>/backoffice/{table,raw-bucket,
premium-bucket}`` and ``/shikhar/<stage>/active-region``), which the back office and the stateless stacks
read when deployed there. Deploying them, DNS and the synthetic check follow in the runbook
(docs/runbooks/failover.md).

The home region may be down: every check that needs it says so and does not block. A failed blocking
check (no replica table, a missing or unversioned copy bucket) stops ``apply``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.names import CROSS_REGION_PURPOSES, dr_bucket_name
from infra.parameters import ACTIVE_REGION, stage_parameter
from marketplace.aws import client_config
from marketplace.config import settings
from marketplace.deployment import BACKOFFICE_PARAMETERS_DIR

# Where the back office finds each copied bucket (its parameter names, as infra writes them at home).
BUCKET_PARAMETERS = {"raw-uploads": "raw-bucket", "premium-media": "premium-bucket"}
SAMPLE_OBJECTS = 100
_UNREACHABLE = (BotoCoreError, ClientError)


@dataclass
class Check:
    name: str
    ok: bool | None  # None: could not be checked (the reason is in detail)
    detail: str
    blocking: bool = True

    def line(self) -> str:
        mark = {True: "ok  ", False: "FAIL" if self.blocking else "WARN", None: "n/a "}[self.ok]
        return f"  [{mark}] {self.name}: {self.detail}"


@dataclass
class Failover:
    stage: str
    home: str
    target: str
    applied: bool
    checks: list[Check] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not any(check.ok is False and check.blocking for check in self.checks)

    def lines(self) -> list[str]:
        verdict = "READY" if self.ready else "NOT READY"
        out = [f"failover of {self.stage} from {self.home} to {self.target}: {verdict}",
               *[check.line() for check in self.checks]]
        if self.applied:
            out += [f"  wrote {name} = {value}" for name, value in self.written.items()]
            out.append("  next: deploy the stateless stacks and the back office in "
                       f"{self.target}, switch DNS/origins, run the synthetic journey (runbook failover.md)")
        elif self.ready:
            out.append("  dry run: nothing changed; run again with --apply to switch the configuration")
        return out


def _client(service: str, region: str):
    return boto3.session.Session().client(service, region_name=region, endpoint_url=settings().endpoint_url,
                                          config=client_config())


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error.response['Error'].get('Code')}: {error.response['Error'].get('Message', '')}".strip()
    return str(error)


def table_checks(*, table: str, home: str, target: str) -> list[Check]:
    dr = _client("dynamodb", target)
    try:
        status = dr.describe_table(TableName=table)["Table"]["TableStatus"]
        checks = [Check(f"table {table} in {target}", status == "ACTIVE", f"status {status}")]
    except _UNREACHABLE as error:
        return [Check(f"table {table} in {target}", False, f"no replica: {_reason(error)}")]
    try:
        pitr = dr.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        state = pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        checks.append(Check(f"PITR of the replica in {target}", state == "ENABLED", state, blocking=False))
    except _UNREACHABLE as error:
        checks.append(Check(f"PITR of the replica in {target}", False, _reason(error), blocking=False))
    checks.append(_registered_replica(table=table, home=home, target=target))
    return checks


def _registered_replica(*, table: str, home: str, target: str) -> Check:
    name = f"{target} is a replica of the global table"
    if settings().is_emulated:
        return Check(name, None, "not checkable: the emulator has no global tables", blocking=False)
    try:
        replicas = _client("dynamodb", home).describe_table(TableName=table)["Table"].get("Replicas", [])
    except _UNREACHABLE as error:
        return Check(name, None, f"home region unreachable ({_reason(error)})", blocking=False)
    status = {r["RegionName"]: r.get("ReplicaStatus") for r in replicas}.get(target)
    return Check(name, status == "ACTIVE", f"replica status {status}" if status else "not a replica", blocking=False)


def bucket_checks(*, source: str, copy: str, home: str, target: str, sample: int) -> list[Check]:
    dr = _client("s3", target)
    try:
        versioning = dr.get_bucket_versioning(Bucket=copy).get("Status")
        rules = dr.get_bucket_encryption(Bucket=copy)["ServerSideEncryptionConfiguration"]["Rules"]
        algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    except _UNREACHABLE as error:
        return [Check(f"copy bucket {copy}", False, _reason(error))]
    checks = [Check(f"copy bucket {copy}", versioning == "Enabled" and algorithm == "aws:kms",
                    f"versioning {versioning}, encryption {algorithm}")]
    home_s3 = _client("s3", home)
    try:
        rules = home_s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
        replicated = any(r["Destination"]["Bucket"] == f"arn:aws:s3:::{copy}" and r["Status"] == "Enabled"
                         for r in rules)
        checks.append(Check(f"{source} replicates to {target}", replicated,
                            "rule enabled" if replicated else "no enabled rule to the copy", blocking=False))
        keys = [o["Key"] for o in home_s3.list_objects_v2(Bucket=source, MaxKeys=sample).get("Contents", [])]
    except _UNREACHABLE as error:
        checks.append(Check(f"{source} replicates to {target}", None,
                            f"home region unreachable ({_reason(error)})", blocking=False))
        return checks
    missing = [key for key in keys if not _exists(dr, bucket=copy, key=key)]
    checks.append(Check(f"sampled objects of {source} in the copy", not missing,
                        f"{len(keys) - len(missing)}/{len(keys)} present"
                        + (f"; missing e.g. {', '.join(missing[:3])}" if missing else ""), blocking=False))
    return checks


def _exists(s3, *, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise


def failover(*, to: str, apply: bool = False, sample: int = SAMPLE_OBJECTS) -> Failover:
    cfg = settings()
    if to == cfg.region:
        raise ValueError(f"--to must be another region than the home region {cfg.region}")
    account = _client("sts", cfg.region).get_caller_identity()["Account"]
    result = Failover(stage=cfg.environment, home=cfg.region, target=to, applied=False)
    result.checks += table_checks(table=cfg.table_name, home=cfg.region, target=to)
    sources = {"raw-uploads": cfg.raw_bucket, "premium-media": cfg.premium_bucket}
    copies = {purpose: dr_bucket_name(prefix=cfg.prefix, purpose=purpose, account=account, dr_region=to)
              for purpose in CROSS_REGION_PURPOSES}
    for purpose in CROSS_REGION_PURPOSES:
        result.checks += bucket_checks(source=sources[purpose], copy=copies[purpose], home=cfg.region, target=to,
                                       sample=sample)
    if apply and result.ready:
        values = {stage_parameter(cfg.environment, f"{BACKOFFICE_PARAMETERS_DIR}/table"): cfg.table_name,
                  **{stage_parameter(cfg.environment, f"{BACKOFFICE_PARAMETERS_DIR}/{BUCKET_PARAMETERS[purpose]}"): copy
                     for purpose, copy in copies.items()},
                  stage_parameter(cfg.environment, ACTIVE_REGION): to}
        ssm = _client("ssm", to)
        for name, value in values.items():
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True,
                              Description=f"failover to {to} at {datetime.now(UTC).isoformat(timespec='seconds')}")
        result.written = values
        result.applied = True
    return result
