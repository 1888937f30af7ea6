"""The stateful stack: the table exactly as the models declare it, and buckets as the dossier says."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from infra.config import stage
from infra.stacks.data import dr_bucket_name
from marketplace.table import TTL_ATTRIBUTE, table_schema

pytestmark = pytest.mark.xdist_group("infra")

TABLE = "AWS::DynamoDB::GlobalTable"


def _table(synthesized, name="dev") -> dict:
    (table,) = synthesized.resources(name, TABLE).values()
    return table["Properties"]


def test_every_gsi_matches_the_models_schema_key_for_key(synthesized):
    schema = table_schema()

    table = _table(synthesized)

    declared = {i["IndexName"]: i for i in schema["GlobalSecondaryIndexes"]}
    built = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert set(built) == set(declared) == {f"gsi{n}" for n in range(1, 7)}
    for name, index in declared.items():
        assert built[name]["KeySchema"] == index["KeySchema"], name
        assert built[name]["Projection"]["ProjectionType"] == index["Projection"]["ProjectionType"], name
        assert (sorted(built[name]["Projection"].get("NonKeyAttributes", []))
                == sorted(index["Projection"].get("NonKeyAttributes", []))), name


def test_table_keys_attribute_types_ttl_and_stream_come_from_the_schema(synthesized):
    schema = table_schema()

    table = _table(synthesized)

    assert table["KeySchema"] == schema["KeySchema"]
    assert (sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"])
            == sorted(schema["AttributeDefinitions"], key=lambda a: a["AttributeName"]))
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["StreamSpecification"] == {"StreamViewType": schema["StreamSpecification"]["StreamViewType"]}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TableName"] == "shikhar-dev"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_table_has_pitr_a_customer_managed_key_and_protection_outside_dev(synthesized, name):
    table = _table(synthesized, name)

    replicas = table["Replicas"]
    assert len(replicas) == stage(name).dr_option  # the home region, plus the DR region with option 2
    for replica in replicas:
        assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert set(replica["SSESpecification"]) == {"KMSMasterKeyId"}
        assert replica["DeletionProtectionEnabled"] is (name != "dev")
    assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}


def test_every_bucket_is_versioned_private_owner_enforced_and_encrypted(synthesized):
    for name in ("dev", "prod"):
        buckets = synthesized.resources(name, "AWS::S3::Bucket")
        assert len(buckets) >= 10
        for path, bucket in buckets.items():
            props = bucket["Properties"]
            assert props["VersioningConfiguration"] == {"Status": "Enabled"}, path
            assert props["PublicAccessBlockConfiguration"] == {
                "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True}, path
            rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            assert rule["SSEAlgorithm"] in ("aws:kms", "AES256"), path
            ownership = props["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
            # Only CloudFront's log bucket accepts ACL-written objects (standard logging needs it).
            assert ownership == ("BucketOwnerPreferred" if "CdnLogs" in path else "BucketOwnerEnforced"), path


def test_content_buckets_use_kms_and_only_tls(synthesized):
    template = synthesized.template("dev", "Data")
    for purpose in ("raw-uploads", "public-media", "premium-media", "static", "exports", "deploy"):
        template.has_resource_properties("AWS::S3::Bucket", {
            "BucketName": f"shikhar-dev-{purpose}-111111111111-ap-south-1",
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()},
                "BucketKeyEnabled": True})]}})
    policies = synthesized.resources("dev", "AWS::S3::BucketPolicy")
    insecure_denied = [p for p in policies.values() if any(
        s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in p["Properties"]["PolicyDocument"]["Statement"])]
    assert len(insecure_denied) == len(policies)


def _lifecycle(synthesized, purpose: str) -> list[dict]:
    template = synthesized.templates["dev"]["Data"]
    (bucket,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"
                 and r["Properties"].get("BucketName") == f"shikhar-dev-{purpose}-111111111111-ap-south-1"]
    (rule,) = [r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"] if r["Id"] == "noncurrent-versions"]
    return rule["NoncurrentVersionTransitions"]


def test_lifecycle_rules_are_the_dossiers(synthesized):
    assert _lifecycle(synthesized, "raw-uploads") == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
        {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 90}]
    assert _lifecycle(synthesized, "public-media") == [
        {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 180, "NewerNoncurrentVersions": 3}]
    assert _lifecycle(synthesized, "premium-media") == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
        {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 150}]


def _replication_targets(synthesized, name: str, purpose: str) -> list:
    template = synthesized.templates[name]["Data"]
    (bucket,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"
                 and r["Properties"].get("BucketName") == f"shikhar-{name}-{purpose}-{stage(name).account}-ap-south-1"]
    return [rule["Destination"]["Bucket"] for rule in bucket["Properties"]["ReplicationConfiguration"]["Rules"]]


def test_raw_and_premium_replicate_across_regions_only_with_dr_option_2(synthesized):
    prod = stage("prod")
    assert prod.dr_option == 2 and stage("dev").dr_option == 1
    for purpose in ("raw-uploads", "premium-media"):
        prod_targets = _replication_targets(synthesized, "prod", purpose)
        dev_targets = _replication_targets(synthesized, "dev", purpose)
        assert {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{dr_bucket_name(prod, purpose)}"]]} in prod_targets
        assert len(prod_targets) == 2 and len(dev_targets) == 1  # same-region replica everywhere
    assert len(_replication_targets(synthesized, "prod", "public-media")) == 1


def test_buckets_report_a_weekly_inventory(synthesized):
    template = synthesized.template("dev", "Data")
    template.has_resource_properties("AWS::S3::Bucket", {
        "BucketName": "shikhar-dev-premium-media-111111111111-ap-south-1",
        "InventoryConfigurations": [Match.object_like({"Enabled": True, "ScheduleFrequency": "Weekly",
                                                       "IncludedObjectVersions": "All"})]})


def test_only_the_exports_bucket_is_object_locked_in_compliance_mode(synthesized):
    buckets = {b["Properties"]["BucketName"]: b["Properties"]
               for b in synthesized.resources("prod", "AWS::S3::Bucket").values() if "BucketName" in b["Properties"]}
    locked = {name: props["ObjectLockConfiguration"] for name, props in buckets.items()
              if props.get("ObjectLockEnabled")}
    assert [name.split("-")[2] for name in locked] == ["exports"]
    (lock,) = locked.values()
    assert lock == {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 90}}}
