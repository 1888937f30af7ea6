"""Buckets with the platform's defaults: versioned, SSE-KMS, Block Public Access, owner-enforced, TLS only,
server access logs, weekly inventory, lifecycle rules and replication (dossier sections 4, 9, 10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge
from infra.names import bucket_name

__all__ = ["Lifecycle", "LogBucket", "Replica", "SecureBucket", "allow_cloudfront_decrypt", "bucket_name"]


@dataclass(frozen=True)
class Lifecycle:
    """Noncurrent versions: to Standard-IA after ``ia_days`` (if set), to Deep Archive after
    ``archive_days``; ``keep_versions`` newest noncurrent versions never move (public media)."""

    archive_days: int
    ia_days: int | None = None
    keep_versions: int | None = None
    expire_days: int | None = None  # current versions too (exports, deploy packages)

    def rules(self) -> list[s3.LifecycleRule]:
        transitions = []
        if self.ia_days:
            transitions.append(s3.NoncurrentVersionTransition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(self.ia_days),
                noncurrent_versions_to_retain=self.keep_versions))
        transitions.append(s3.NoncurrentVersionTransition(
            storage_class=s3.StorageClass.DEEP_ARCHIVE, transition_after=Duration.days(self.archive_days),
            noncurrent_versions_to_retain=self.keep_versions))
        return [s3.LifecycleRule(id="noncurrent-versions", noncurrent_version_transitions=transitions,
                                 expiration=Duration.days(self.expire_days) if self.expire_days else None,
                                 noncurrent_version_expiration=(
                                     Duration.days(self.archive_days + 180) if self.expire_days else None)),
                s3.LifecycleRule(id="abort-incomplete-uploads",
                                 abort_incomplete_multipart_upload_after=Duration.days(7))]


@dataclass(frozen=True)
class Replica:
    """A replication destination: the bucket and the key its copies are encrypted with."""

    bucket: s3.IBucket
    key: kms.IKey
    label: str


class LogBucket(Construct):
    """Destination of S3 server access logs and inventories. S3 log delivery only writes to SSE-S3
    buckets, so this one is not KMS-encrypted; it holds no customer content."""

    def __init__(self, scope: Construct, id: str, *, bucket_name: str, removal_policy: RemovalPolicy,
                 retention_days: int) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self, "Bucket", bucket_name=bucket_name, versioned=True, encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True, minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED, removal_policy=removal_policy,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(retention_days),
                                              noncurrent_version_expiration=Duration.days(7))])


class SecureBucket(Construct):
    def __init__(self, scope: Construct, id: str, *, bucket_name: str, key: kms.IKey,
                 removal_policy: RemovalPolicy, access_logs: s3.IBucket | None = None,
                 lifecycle: Lifecycle | None = None, replicas: Sequence[Replica] = (),
                 event_bridge: bool = False, cors: Sequence[s3.CorsRule] = (), inventory: bool = True,
                 lock_days: int | None = None) -> None:
        super().__init__(scope, id)
        self.name = bucket_name  # a plain string: grants and other stacks name the bucket, no export needed
        self.arn = f"arn:aws:s3:::{bucket_name}"
        rules = []
        replication_role = None
        if replicas:
            # One role per bucket (CDK's default role has a fixed name, which collides between buckets).
            replication_role = iam.Role(self, "ReplicationRole", assumed_by=iam.ServicePrincipal("s3.amazonaws.com"),
                                        description=f"Replicates {bucket_name}")
        for priority, replica in enumerate(replicas):
            rules.append(s3.ReplicationRule(
                id=f"to-{replica.label}", destination=replica.bucket, kms_key=replica.key, priority=priority,
                sse_kms_encrypted_objects=True, delete_marker_replication=True,
                metrics=s3.ReplicationTimeValue.FIFTEEN_MINUTES))
        inventories = []
        if inventory and access_logs is not None:
            inventories.append(s3.Inventory(
                destination=s3.InventoryDestination(bucket=access_logs, prefix=f"inventory/{bucket_name}"),
                frequency=s3.InventoryFrequency.WEEKLY, include_object_versions=s3.InventoryObjectVersion.ALL,
                format=s3.InventoryFormat.PARQUET,
                optional_fields=["Size", "LastModifiedDate", "StorageClass", "ETag", "ReplicationStatus",
                                 "EncryptionStatus", "IsMultipartUploaded"]))
        self.bucket = s3.Bucket(
            self, "Bucket", bucket_name=bucket_name, versioned=True, encryption=s3.BucketEncryption.KMS,
            encryption_key=key, bucket_key_enabled=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED, enforce_ssl=True, minimum_tls_version=1.2,
            removal_policy=removal_policy, server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"s3/{bucket_name}/" if access_logs else None,
            lifecycle_rules=lifecycle.rules() if lifecycle else None,
            replication_rules=rules or None, replication_role=replication_role, event_bridge_enabled=event_bridge or None,
            cors=list(cors) or None, inventories=inventories or None,
            # Write once: objects cannot be overwritten or deleted (by anyone, root included) for lock_days.
            object_lock_enabled=True if lock_days else None,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(Duration.days(lock_days))
            if lock_days else None)

        if replication_role is not None:
            stack = Stack.of(self)
            ids = [stack.resolve(stack.get_logical_id(b.node.default_child)) for b in
                   [self.bucket, *(r.bucket for r in replicas if isinstance(r.bucket, s3.Bucket))]]
            object_arns = [f"Resource::<{logical_id}.Arn>/*" for logical_id in ids]
            object_arns += [f"Resource::arn:aws:s3:::{r.bucket.bucket_name}/*" for r in replicas
                            if not isinstance(r.bucket, s3.Bucket)]
            reason = ("S3 replication reads every object version of the source and writes every replica "
                      "object: object ARNs of exactly these buckets, KMS data-key actions of their keys.")
            acknowledge(replication_role, *((f"AwsSolutions-IAM5[{finding}]", reason) for finding in [
                *object_arns, "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*"]))

    def allow_cloudfront_read(self) -> None:
        """Let CloudFront distributions of this account read through origin access control.

        Scoped to the account's distributions rather than one distribution ID: the distribution lives
        in the (stateless) edge stack, and naming its ID here would make the stateful stack depend on it.
        """
        self.bucket.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")], actions=["s3:GetObject"],
            resources=[self.bucket.arn_for_objects("*")], conditions=_cloudfront_condition(self)))


def _cloudfront_condition(scope: Construct) -> dict:
    account = Stack.of(scope).account
    return {"StringEquals": {"AWS:SourceAccount": account},
            "ArnLike": {"AWS:SourceArn": f"arn:aws:cloudfront::{account}:distribution/*"}}


def allow_cloudfront_decrypt(key: kms.IKey) -> None:
    """Let this account's CloudFront distributions decrypt objects they read through OAC."""
    key.add_to_resource_policy(iam.PolicyStatement(
        principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")], actions=["kms:Decrypt"], resources=["*"],
        conditions=_cloudfront_condition(key)))
