"""A mass deletion in a versioned bucket undone: hundreds of objects back, nothing else changed."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from marketplace.aws import client
from ops.cli import main
from ops.s3_recover import s3_recover


def _put(bucket: str, key: str) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=f"content of {key}".encode())


def _delete(bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        client("s3").delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]]})


def _versions(bucket: str) -> dict[str, list[tuple[str, bool, bool]]]:
    """key -> [(version id, is a delete marker, is latest)], everything the bucket holds."""
    found: dict[str, list] = {}
    for page in client("s3").get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            found.setdefault(version["Key"], []).append((version["VersionId"], False, version["IsLatest"]))
        for marker in page.get("DeleteMarkers", []):
            found.setdefault(marker["Key"], []).append((marker["VersionId"], True, marker["IsLatest"]))
    return {key: sorted(versions) for key, versions in found.items()}


def _current_keys(bucket: str) -> set[str]:
    keys = set()
    for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys |= {o["Key"] for o in page.get("Contents", [])}
    return keys


def test_s3_recover_brings_back_every_object_deleted_since_and_nothing_else(platform, capsys):
    bucket = platform.public_bucket
    keys = [f"listing-{n // 10:03d}/media-{n:04d}/w1024.webp" for n in range(320)]
    for key in keys:
        _put(bucket, key)
    deleted_before, untouched, victims = keys[:10], keys[10:50], keys[50:]
    _delete(bucket, deleted_before)  # an old, intended deletion: it must stay deleted
    time.sleep(1.1)  # S3 times are whole seconds: put the cut-off clearly after the old deletion
    since = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.1)
    _delete(bucket, victims)  # the mass deletion
    reuploaded = victims[0]
    _put(bucket, reuploaded)  # re-uploaded since: its newest version must be left as it is
    before = _versions(bucket)

    # when: a dry run, then the real thing
    dry_code = main(["s3-recover", "--bucket", bucket, "--since", since.isoformat()])
    dry_out = capsys.readouterr().out
    after_dry_run = _versions(bucket)
    recovery = s3_recover(bucket=bucket, since=since, apply=True)

    assert dry_code == 0
    assert f"{len(victims) - 1} delete markers found; would restore {len(victims) - 1} objects" in dry_out
    assert after_dry_run == before
    assert sorted(recovery.restored) == sorted(victims[1:]) and recovery.errors == []
    assert _current_keys(bucket) == set(untouched) | set(victims)
    for key in victims[1:]:
        assert client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == f"content of {key}".encode()
    after = _versions(bucket)
    for key in deleted_before + untouched + [reuploaded]:
        assert after[key] == before[key], key
    for key in victims[1:]:
        assert [v for v in after[key] if v[1]] == []  # the markers are gone, the old version is current


def test_s3_recover_with_nothing_deleted_reports_nothing(platform, capsys):
    _put(platform.raw_bucket, "raw/a.jpg")

    code = main(["s3-recover", "--bucket", platform.raw_bucket, "--since", "2020-01-01T00:00:00Z", "--apply"])

    assert code == 0
    assert "0 delete markers found; restored 0 objects" in capsys.readouterr().out
