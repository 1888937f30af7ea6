"""Governance (dossier sections 4 and 7): the account's CloudTrail trail, GuardDuty, Security Hub with the
CIS benchmark, and AWS Config recording every resource with a conformance pack of the controls the
platform relies on (versioning, point-in-time recovery, encryption, no public access).

Each stage is its own member account, so the trail is an account trail (multi-region, global service
events, file validation). An organization trail can only be created from the management account; when
one exists there, this trail still records the premium bucket's object reads, which an organization
trail usually leaves out for cost.
"""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_config as config_
from aws_cdk import aws_guardduty as guardduty
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_securityhub as securityhub
from constructs import Construct

from infra.components.buckets import Lifecycle, SecureBucket, bucket_name
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.stacks.data import DataStack, removal_policy

CIS_VERSION = "3.0.0"
CONFIG_PREFIX = "config"
# The managed Config rules of the conformance pack: each checks a control the dossier relies on.
CONTROLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bucket-versioning": ("S3_BUCKET_VERSIONING_ENABLED", ("AWS::S3::Bucket",)),
    "bucket-encryption": ("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", ("AWS::S3::Bucket",)),
    "bucket-tls-only": ("S3_BUCKET_SSL_REQUESTS_ONLY", ("AWS::S3::Bucket",)),
    "bucket-public-access-blocked": ("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", ("AWS::S3::Bucket",)),
    "bucket-no-public-read": ("S3_BUCKET_PUBLIC_READ_PROHIBITED", ("AWS::S3::Bucket",)),
    "bucket-no-public-write": ("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", ("AWS::S3::Bucket",)),
    "account-public-access-blocked": ("S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", ()),
    "table-pitr": ("DYNAMODB_PITR_ENABLED", ("AWS::DynamoDB::Table",)),
    "table-encrypted-kms": ("DYNAMODB_TABLE_ENCRYPTED_KMS", ("AWS::DynamoDB::Table",)),
    "trail-enabled": ("CLOUDTRAIL_ENABLED", ()),
}


def conformance_pack_template(prefix: str) -> dict:
    """The pack's own CloudFormation template: one managed Config rule per control."""
    resources = {}
    for name, (identifier, types) in CONTROLS.items():
        properties: dict = {"ConfigRuleName": f"{prefix}-{name}",
                            "Source": {"Owner": "AWS", "SourceIdentifier": identifier}}
        if types:
            properties["Scope"] = {"ComplianceResourceTypes": list(types)}
        else:
            properties["MaximumExecutionFrequency"] = "TwentyFour_Hours"  # periodic, account-wide checks
        resources["".join(part.title() for part in name.split("-"))] = {
            "Type": "AWS::Config::ConfigRule", "Properties": properties}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


class GovernanceStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        removal = removal_policy(config)
        # Audit records get their own key: readers of application data need not read the audit trail.
        self.key = kms.Key(self, "AuditKey", alias=f"alias/{config.prefix}-audit", enable_key_rotation=True,
                           removal_policy=removal, description="Shikhar audit records: CloudTrail and AWS Config")
        trail_arn = f"arn:aws:cloudtrail:{self.region}:{self.account}:trail/{config.prefix}-audit"
        self.key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")], actions=["kms:GenerateDataKey*"],
            resources=["*"], conditions={
                "StringEquals": {"aws:SourceArn": trail_arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                               f"arn:aws:cloudtrail:*:{self.account}:trail/*"}}))
        self.key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")], actions=["kms:DescribeKey"],
            resources=["*"], conditions={"StringEquals": {"aws:SourceArn": trail_arn}}))
        self.bucket = SecureBucket(self, "Audit", key=self.key, removal_policy=removal, access_logs=data.access_logs,
                                   inventory=False,
                                   lifecycle=Lifecycle(ia_days=30, archive_days=90, expire_days=730),
                                   bucket_name=bucket_name(prefix=config.prefix, purpose="audit",
                                                           account=self.account, region=self.region))

        self.trail = cloudtrail.Trail(
            self, "Trail", trail_name=f"{config.prefix}-audit", bucket=self.bucket.bucket, encryption_key=self.key,
            is_multi_region_trail=True, include_global_service_events=True, enable_file_validation=True,
            management_events=cloudtrail.ReadWriteType.ALL, send_to_cloud_watch_logs=False)
        # Object-level events cost per event: only for premium media, whose every read is a paid entitlement.
        premium = s3.Bucket.from_bucket_name(self, "PremiumMedia", data.premium.name)
        self.trail.add_s3_event_selector([cloudtrail.S3EventSelector(bucket=premium)],
                                         read_write_type=cloudtrail.ReadWriteType.ALL,
                                         include_management_events=False)

        self.detector = guardduty.CfnDetector(
            self, "GuardDuty", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES",
            features=[guardduty.CfnDetector.CFNFeatureConfigurationProperty(name=name, status="ENABLED")
                      for name in ("S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS")])

        hub = securityhub.CfnHub(self, "SecurityHub", enable_default_standards=False, auto_enable_controls=True,
                                 control_finding_generator="SECURITY_CONTROL")
        self.cis = securityhub.CfnStandard(
            self, "CisBenchmark",
            standards_arn=f"arn:aws:securityhub:{self.region}::standards/cis-aws-foundations-benchmark/v/{CIS_VERSION}")
        self.cis.node.add_dependency(hub)

        self._config_recording(config)

    def _config_recording(self, config: StageConfig) -> None:
        role = iam.Role(self, "ConfigRole", assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
                        description="AWS Config: reads resource configuration, delivers to the audit bucket",
                        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWS_ConfigRole")])
        delivered = f"{self.bucket.arn}/{CONFIG_PREFIX}/AWSLogs/{self.account}/Config/*"
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[delivered]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetBucketAcl"], resources=[self.bucket.arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"],
                                                         resources=[self.key.key_arn]))
        acknowledge(role,
                    ("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole]",
                     ("AWS_ConfigRole is the policy AWS keeps current with every resource type Config can record; "
                      "a hand-written copy would silently stop recording new types.")),
                    (f"AwsSolutions-IAM5[Resource::{delivered}]",
                     "Config writes one object per snapshot and history file under its own prefix of the audit bucket."))
        recorder = config_.CfnConfigurationRecorder(
            self, "Recorder", name=f"{config.prefix}-recorder", role_arn=role.role_arn,
            recording_group=config_.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True, include_global_resource_types=True))
        channel = config_.CfnDeliveryChannel(
            self, "Delivery", name=f"{config.prefix}-delivery", s3_bucket_name=self.bucket.name,
            s3_key_prefix=CONFIG_PREFIX, s3_kms_key_arn=self.key.key_arn,
            config_snapshot_delivery_properties=config_.CfnDeliveryChannel.ConfigSnapshotDeliveryPropertiesProperty(
                delivery_frequency="TwentyFour_Hours"))
        channel.node.add_dependency(self.bucket)
        self.pack = config_.CfnConformancePack(
            self, "DossierControls", conformance_pack_name=f"{config.prefix}-dossier-controls",
            template_body=json.dumps(conformance_pack_template(config.prefix)))
        self.pack.node.add_dependency(recorder)
        self.pack.node.add_dependency(channel)
