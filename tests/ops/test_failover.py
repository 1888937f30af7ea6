"""``python -m ops failover`` against the emulator, home ap-south-1, DR region ap-south-2.

Where moto differs from AWS: it has no global tables (the replica table is created in the DR region by
the test, and the "registered replica" check says it cannot be checked) and it stores replication rules
without replicating (the test copies objects as S3 replication would).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from marketplace.config import settings
from marketplace.table import table_schema
from ops.cli import main

pytestmark = pytest.mark.usefixtures("emulator")

DR = "ap-south-2"
ACCOUNT = "123456789012"  # the emulator's account
PURPOSES = {"raw-uploads": "raw_bucket", "premium-media": "premium_bucket"}


def _client(service: str, region: str):
    return boto3.client(service, region_name=region, endpoint_url=settings().endpoint_url)


def _copy_name(purpose: str) -> str:
    return f"{settings().prefix}-{purpose}-dr-{ACCOUNT}-{DR}"


@pytest.fixture
def dr_region(platform):
    """The DR region as infra builds it: the table's replica with PITR, and an encrypted, versioned copy of
    each cross-region bucket that its source replicates to, holding what was replicated."""
    cfg = settings()
    dynamodb = _client("dynamodb", DR)
    dynamodb.create_table(**table_schema(cfg.table_name))
    dynamodb.update_continuous_backups(TableName=cfg.table_name,
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    home, dr = _client("s3", cfg.region), _client("s3", DR)
    home.put_object(Bucket=cfg.premium_bucket, Key="l1/m1/w1024.webp", Body=b"premium")
    home.put_object(Bucket=cfg.raw_bucket, Key="l1/m1/original", Body=b"raw")
    for purpose, attribute in PURPOSES.items():
        source, copy = getattr(cfg, attribute), _copy_name(purpose)
        dr.create_bucket(Bucket=copy, CreateBucketConfiguration={"LocationConstraint": DR})
        dr.put_bucket_versioning(Bucket=copy, VersioningConfiguration={"Status": "Enabled"})
        dr.put_bucket_encryption(Bucket=copy, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/dr"}}]})
        home.put_bucket_replication(Bucket=source, ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication", "Rules": [{
                "ID": "to-dr", "Priority": 0, "Status": "Enabled", "Filter": {"Prefix": ""},
                "DeleteMarkerReplication": {"Status": "Enabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{copy}"}}]})
        for listed in home.list_objects_v2(Bucket=source).get("Contents", []):
            dr.copy_object(Bucket=copy, Key=listed["Key"], CopySource={"Bucket": source, "Key": listed["Key"]})
    return cfg


def _parameter(region: str, name: str) -> str | None:
    try:
        return _client("ssm", region).get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ParameterNotFound"
        return None


def test_a_dry_run_finds_the_dr_region_ready_and_changes_nothing(dr_region, capsys):
    code = main(["failover", "--to", DR])

    out = capsys.readouterr().out
    assert code == 0
    assert f"failover of test from ap-south-1 to {DR}: READY" in out
    assert f"[ok  ] table {dr_region.table_name} in {DR}: status ACTIVE" in out
    assert f"[ok  ] copy bucket {_copy_name('premium-media')}: versioning Enabled, encryption aws:kms" in out
    assert f"[ok  ] sampled objects of {dr_region.premium_bucket} in the copy: 1/1 present" in out
    assert "[n/a ] ap-south-2 is a replica of the global table: not checkable: the emulator" in out
    assert "dry run: nothing changed" in out
    assert _parameter(DR, "/shikhar/test/active-region") is None


def test_apply_points_the_stages_configuration_in_the_dr_region_at_the_copies(dr_region, capsys):
    code = main(["failover", "--to", DR, "--apply"])

    assert code == 0
    assert _parameter(DR, "/shikhar/test/active-region") == DR
    assert _parameter(DR, "/shikhar/test/backoffice/table") == dr_region.table_name
    assert _parameter(DR, "/shikhar/test/backoffice/raw-bucket") == _copy_name("raw-uploads")
    assert _parameter(DR, "/shikhar/test/backoffice/premium-bucket") == _copy_name("premium-media")
    assert _parameter("ap-south-1", "/shikhar/test/active-region") is None
    assert "next: deploy the stateless stacks" in capsys.readouterr().out


def test_without_a_replica_table_the_failover_is_refused_and_nothing_is_written(dr_region, capsys):
    _client("dynamodb", DR).delete_table(TableName=dr_region.table_name)

    code = main(["failover", "--to", DR, "--apply"])

    out = capsys.readouterr().out
    assert code == 1
    assert "NOT READY" in out and f"[FAIL] table {dr_region.table_name} in {DR}: no replica" in out
    assert _parameter(DR, "/shikhar/test/active-region") is None


def test_objects_not_yet_replicated_are_named_as_a_warning(dr_region, capsys):
    _client("s3", "ap-south-1").put_object(Bucket=dr_region.raw_bucket, Key="l2/m9/original", Body=b"late")

    code = main(["failover", "--to", DR])

    out = capsys.readouterr().out
    assert code == 0  # what replicated is served; the loss is reported
    assert (f"[WARN] sampled objects of {dr_region.raw_bucket} in the copy: 1/2 present; "
            "missing e.g. l2/m9/original") in out


def test_an_unversioned_copy_blocks_the_failover(dr_region, capsys):
    _client("s3", DR).put_bucket_versioning(Bucket=_copy_name("raw-uploads"),
                                           VersioningConfiguration={"Status": "Suspended"})

    code = main(["failover", "--to", DR])

    assert code == 1
    assert "versioning Suspended" in capsys.readouterr().out


def test_the_home_region_is_not_a_failover_target(platform, capsys):
    code = main(["failover", "--to", "ap-south-1"])

    assert code == 2
    assert "another region than the home region" in capsys.readouterr().err
