"""PITR status, the restore drill and the table export, against the emulator's DynamoDB and S3.

The emulator ignores the restore time (it copies the table as it is now): these tests prove the
procedure and the verification; the restore window itself is only proved in AWS (see the runbook).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.aws import client
from marketplace.config import settings
from marketplace.models import ExportSeal, Inquiry, UserProfile
from marketplace.table import table_schema
from ops import export
from ops.cli import main
from ops.pitr import pitr_status
from ops.restore import restore_drill, verify_restored

pytestmark = pytest.mark.usefixtures("emulator")


def _tables() -> set[str]:
    return set(client("dynamodb").list_tables()["TableNames"])


def test_pitr_status_reports_it_on_with_its_window(table, capsys):
    status = pitr_status(table=settings().table_name)

    code = main(["pitr", "status"])

    assert status.enabled is True
    assert code == 0
    assert f"table {settings().table_name}: PITR is on" in capsys.readouterr().out


def test_pitr_status_fails_with_the_fix_when_pitr_is_off(table, capsys):
    client("dynamodb").create_table(**table_schema("shikhar-test-nopitr"))

    code = main(["pitr", "status", "--table", "shikhar-test-nopitr"])

    assert code == 1
    assert "PITR is OFF" in capsys.readouterr().out


def test_restore_drill_restores_verifies_reports_rto_and_cleans_up(seeded, capsys):
    code = main(["restore-drill", "--to", datetime.now(UTC).isoformat()])

    out = capsys.readouterr().out
    assert code == 0
    assert "RESULT: PASS" in out and "measured RTO" in out
    for entity, count in seeded.items():
        assert f"  {entity:<20} {count:>10} {count:>10}" in out
    assert "compared by checksum: 42" in out
    assert [t for t in _tables() if "-restored-" in t] == []


def test_restore_drill_dry_run_changes_nothing(seeded, capsys):
    before = _tables()

    code = main(["restore-drill", "--to", datetime.now(UTC).isoformat(), "--dry-run"])

    assert code == 0
    assert "dry run: would restore" in capsys.readouterr().out
    assert _tables() == before


def test_verification_names_missing_and_altered_items_and_skips_later_changes(seeded):
    source = settings().table_name
    moment = datetime.now(UTC)
    report = restore_drill(source=source, restore_to=moment, target="shikhar-test-drill", keep=True,
                           poll_seconds=0.2)
    assert report.ok and report.kept
    dynamodb = client("dynamodb")
    # given: the restored copy lost one item and has another altered; the source changed a third later
    dynamodb.delete_item(TableName="shikhar-test-drill", Key={"pk": {"S": "USER#user-03"}, "sk": {"S": "PROFILE"}})
    dynamodb.update_item(TableName="shikhar-test-drill", Key={"pk": {"S": "USER#user-04"}, "sk": {"S": "PROFILE"}},
                         UpdateExpression="SET #n = :n", ExpressionAttributeNames={"#n": "name"},
                         ExpressionAttributeValues={":n": {"S": "Tampered"}})
    later = UserProfile.get(*UserProfile.key("user-05"))
    later.update(actions=[UserProfile.name.set("Renamed"), UserProfile.updated_at.set(moment + timedelta(seconds=5))])

    checked = verify_restored(source=source, target="shikhar-test-drill", restore_to=moment)

    assert checked.missing == ["USER#user-03|PROFILE"]
    assert checked.altered == ["USER#user-04|PROFILE"]
    assert checked.changed_since == 1
    assert checked.ok is False
    description = dynamodb.describe_continuous_backups(TableName="shikhar-test-drill")
    assert description["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"


@pytest.fixture
def export_bucket(seeded) -> str:
    name = "shikhar-test-exports"
    client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": settings().region})
    return name


def test_export_writes_parquet_and_a_manifest_that_verifies(export_bucket, seeded, capsys):
    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)

    manifest = json.loads(client("s3").get_object(Bucket=export_bucket, Key=result.manifest_key)["Body"].read())
    assert manifest["counts"] == seeded and manifest["item_count"] == 42
    assert len(manifest["checksums"]) == 42
    assert len(export.read_parquet_items(export_bucket, result.parquet_key)) == 42
    code = main(["export", "verify", "--bucket", export_bucket, "--manifest", result.manifest_key])
    assert code == 0
    assert "RESULT: PASS" in capsys.readouterr().out


def test_export_verify_detects_a_missing_and_an_altered_item(export_bucket, capsys):
    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)
    items = sorted(export.read_parquet_items(export_bucket, result.parquet_key), key=lambda i: i["sk"]["S"])
    dropped, altered = items[0], items[1]
    altered["message"] = {"S": "changed after the export"}
    tampered = [i for i in items if i is not dropped]
    client("s3").put_object(Bucket=export_bucket, Key=result.parquet_key, Body=export.to_parquet(tampered))

    code = main(["export", "verify", "--bucket", export_bucket, "--manifest", result.manifest_key])

    out = capsys.readouterr().out
    assert code == 1
    assert f"missing {dropped['pk']['S']}|{dropped['sk']['S']}" in out
    assert f"altered {altered['pk']['S']}|{altered['sk']['S']}" in out
    assert "RESULT: FAIL" in out


def test_export_verify_also_checks_the_raw_export_files(export_bucket):
    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)
    manifest = json.loads(client("s3").get_object(Bucket=export_bucket, Key=result.manifest_key)["Body"].read())
    (data_key, *_) = manifest["data_files"]
    lines = gzip.decompress(client("s3").get_object(Bucket=export_bucket, Key=data_key)["Body"].read()).splitlines()
    client("s3").put_object(Bucket=export_bucket, Key=data_key, Body=gzip.compress(b"\n".join(lines[1:])))
    removed = json.loads(lines[0])["Item"]

    checked = export.verify(bucket=export_bucket, manifest_key=result.manifest_key)

    assert checked.missing == [f"{removed['pk']['S']}|{removed['sk']['S']}"]
    assert checked.altered == [] and checked.unexpected == []


def test_export_verify_finds_an_exact_duplicate_row(export_bucket, capsys):
    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)
    items = export.read_parquet_items(export_bucket, result.parquet_key)
    client("s3").put_object(Bucket=export_bucket, Key=result.parquet_key, Body=export.to_parquet([*items, items[3]]))

    code = main(["export", "verify", "--bucket", export_bucket, "--manifest", result.manifest_key])

    out = capsys.readouterr().out
    assert code == 1
    assert f"duplicated {items[3]['pk']['S']}|{items[3]['sk']['S']}" in out and "RESULT: FAIL" in out


def test_export_verify_finds_a_consistent_rewrite_of_data_and_manifest(export_bucket, capsys):
    # Given someone changes an item in the Parquet copy and rewrites the manifest to match it
    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)
    s3 = client("s3")
    items = export.read_parquet_items(export_bucket, result.parquet_key)
    items[0]["name"] = {"S": "Someone else"}
    s3.put_object(Bucket=export_bucket, Key=result.parquet_key, Body=export.to_parquet(items))
    manifest = json.loads(s3.get_object(Bucket=export_bucket, Key=result.manifest_key)["Body"].read())
    manifest["checksums"] = {export.key_of(i): export.checksum(i) for i in items}
    s3.put_object(Bucket=export_bucket, Key=result.manifest_key, Body=json.dumps(manifest, indent=1).encode())
    for key in manifest["data_files"]:  # and the raw export files too
        lines = [json.dumps({"Item": i}).encode() for i in items]
        s3.put_object(Bucket=export_bucket, Key=key, Body=gzip.compress(b"\n".join(lines)))

    code = main(["export", "verify", "--bucket", export_bucket, "--manifest", result.manifest_key])

    # Then the manifest no longer matches the seal kept in the table
    out = capsys.readouterr().out
    assert code == 1
    assert "seal: MISMATCH" in out and "RESULT: FAIL" in out


def test_seals_chain_one_export_to_the_previous(export_bucket, capsys):
    first = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)
    second = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w49", poll_seconds=0.1)
    assert main(["export", "verify", "--bucket", export_bucket, "--manifest", second.manifest_key]) == 0
    assert "seal: matches" in capsys.readouterr().out

    ExportSeal.get(*ExportSeal.key(first.export_id)).delete()

    assert main(["export", "verify", "--bucket", export_bucket, "--manifest", second.manifest_key]) == 1
    assert "seal: BROKEN CHAIN" in capsys.readouterr().out


def test_a_deleted_parquet_copy_is_a_fail_line_not_a_traceback(export_bucket, capsys):
    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)
    client("s3").delete_object(Bucket=export_bucket, Key=result.parquet_key)

    code = main(["export", "verify", "--bucket", export_bucket, "--manifest", result.manifest_key])

    captured = capsys.readouterr()
    assert code == 1
    assert f"unreadable {result.parquet_key}: NoSuchKey" in captured.out and "RESULT: FAIL" in captured.out
    assert "Traceback" not in captured.err


def test_export_dry_run_writes_nothing(export_bucket, capsys):
    code = main(["export", "--bucket", export_bucket, "--dry-run"])

    assert code == 0
    assert "dry run: would export" in capsys.readouterr().out
    assert client("s3").list_objects_v2(Bucket=export_bucket).get("KeyCount", 0) == 0


def test_inquiries_keep_their_exact_content_through_export(export_bucket):
    stored = Inquiry.get(*Inquiry.key("listing-2", "inq-2"))

    result = export.export(table=settings().table_name, bucket=export_bucket, prefix="exports/w48", poll_seconds=0.1)

    exported = [i for i in export.read_parquet_items(export_bucket, result.parquet_key)
                if i.get("inquiry_id", {}).get("S") == "inq-2"]
    assert [(i["pk"]["S"], i["sk"]["S"], i["message"]["S"]) for i in exported] == [
        (stored.pk, stored.sk, "Can I visit on Saturday?")]
