"""Stateful: the KMS keys, the single table and every bucket. Nothing here is replaced by a deploy."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import names
from infra.components.buckets import (
    Lifecycle,
    LogBucket,
    Replica,
    SecureBucket,
    allow_cloudfront_decrypt,
    bucket_name,
)
from infra.components.keys import Keys
from infra.components.secrets import Secrets
from infra.components.table import SingleTable
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.parameters import (
    CANARY_SECRET,
    CURSOR_SECRET,
    DJANGO_SECRET,
    ESEWA_SECRET,
    KHALTI_SECRET,
    ORIGIN_VERIFY_SECRET,
    SIGNING_KEY_SECRET,
    secret_name,
)
from marketplace.deployment import upload_cors_origins
from marketplace.table import TTL_ATTRIBUTE, table_schema

# Dossier section 10.
RAW_LIFECYCLE = Lifecycle(ia_days=30, archive_days=90)
PUBLIC_LIFECYCLE = Lifecycle(keep_versions=3, archive_days=180)
PREMIUM_LIFECYCLE = Lifecycle(ia_days=30, archive_days=150)
STATIC_LIFECYCLE = Lifecycle(keep_versions=3, archive_days=180)
EXPORT_LIFECYCLE = Lifecycle(ia_days=30, archive_days=90, expire_days=400)
EXPORT_LOCK_DAYS = 90  # an export and its manifest cannot be rewritten or deleted for 90 days
DEPLOY_LIFECYCLE = Lifecycle(archive_days=30, expire_days=90)


def removal_policy(config: StageConfig) -> RemovalPolicy:
    """Data and its logs survive a stack deletion except in dev."""
    return RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY


def dr_key_alias(config: StageConfig, purpose: str = "media") -> str:
    return f"alias/{config.prefix}-dr-{purpose}"


def dr_key_arn(config: StageConfig, purpose: str) -> str:
    """By alias: the DR stack creates the key, and nothing in the home region may wait on its id."""
    return f"arn:aws:kms:{config.dr_region}:{config.account}:{dr_key_alias(config, purpose)}"


def dr_bucket_name(config: StageConfig, purpose: str) -> str:
    return names.dr_bucket_name(prefix=config.prefix, purpose=purpose, account=config.account,
                                dr_region=config.dr_region)


class DataStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        removal = removal_policy(config)
        self.keys = Keys(self, "Keys", prefix=config.prefix, removal_policy=removal)

        self.table = SingleTable(self, "Table", schema=table_schema(config.prefix), table_name=config.prefix,
                                 ttl_attribute=TTL_ATTRIBUTE, key=self.keys.data,
                                 deletion_protection=config.retain_data, removal_policy=removal,
                                 # DR option 2: a global table replica in the DR region (dossier section 9).
                                 replica_keys=({config.dr_region: dr_key_arn(config, "data")}
                                               if config.dr_option == 2 else None))

        def name(purpose: str) -> str:
            return bucket_name(prefix=config.prefix, purpose=purpose, account=self.account, region=self.region)

        self.access_logs = LogBucket(self, "AccessLogs", bucket_name=name("access-logs"), removal_policy=removal,
                                     retention_days=max(config.access_log_retention_days, 90)).bucket
        acknowledge(self.access_logs, ("AwsSolutions-S1",
                                        "This is the server access log destination; logging it into itself would loop."))

        def replica(purpose: str) -> Replica:
            target = SecureBucket(self, f"{purpose.title().replace('-', '')}Replica", bucket_name=name(f"{purpose}-replica"),
                                  key=self.keys.media, removal_policy=removal, access_logs=self.access_logs,
                                  lifecycle=Lifecycle(ia_days=30, archive_days=90), inventory=False)
            return Replica(bucket=target.bucket, key=self.keys.media, label=f"{purpose}-same-region")

        def cross_region(purpose: str) -> list[Replica]:
            if config.dr_option < 2 or purpose not in names.CROSS_REGION_PURPOSES:
                return []
            target = s3.Bucket.from_bucket_attributes(
                self, f"{purpose.title().replace('-', '')}DrBucket", bucket_name=dr_bucket_name(config, purpose),
                region=config.dr_region, account=config.account)
            key = kms.Key.from_key_arn(self, f"{purpose.title().replace('-', '')}DrKey", dr_key_arn(config, "media"))
            return [Replica(bucket=target, key=key, label=f"{purpose}-{config.dr_region}")]

        # Browsers post uploads from the back office (on the CloudFront domain) and the stage's sites.
        cors = [s3.CorsRule(allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.PUT],
                            allowed_origins=upload_cors_origins(site_origins=config.allowed_origins),
                            allowed_headers=["*"], max_age=3000)]
        self.raw = SecureBucket(self, "RawUploads", bucket_name=name("raw-uploads"), key=self.keys.media,
                                removal_policy=removal, access_logs=self.access_logs, lifecycle=RAW_LIFECYCLE,
                                replicas=[replica("raw-uploads"), *cross_region("raw-uploads")],
                                event_bridge=True, cors=cors)
        self.public = SecureBucket(self, "PublicMedia", bucket_name=name("public-media"), key=self.keys.media,
                                   removal_policy=removal, access_logs=self.access_logs,
                                   lifecycle=PUBLIC_LIFECYCLE, replicas=[replica("public-media")])
        self.premium = SecureBucket(self, "PremiumMedia", bucket_name=name("premium-media"), key=self.keys.media,
                                    removal_policy=removal, access_logs=self.access_logs,
                                    lifecycle=PREMIUM_LIFECYCLE,
                                    replicas=[replica("premium-media"), *cross_region("premium-media")])
        self.static = SecureBucket(self, "Static", bucket_name=name("static"), key=self.keys.media,
                                   removal_policy=removal, access_logs=self.access_logs, lifecycle=STATIC_LIFECYCLE)
        for served in (self.public, self.premium, self.static):
            served.allow_cloudfront_read()
        allow_cloudfront_decrypt(self.keys.media)
        self.deploy = SecureBucket(self, "Deploy", bucket_name=name("deploy"), key=self.keys.data,
                                   removal_policy=removal, access_logs=self.access_logs,
                                   lifecycle=DEPLOY_LIFECYCLE, inventory=False)
        # The search index (marketplace.search_index.store): one object, a new S3 version per publish; the
        # version item names the current one. Nothing to replicate: it is rebuilt from the table.
        self.search = SecureBucket(self, "SearchIndex", bucket_name=name("search-index"), key=self.keys.data,
                                   removal_policy=removal, access_logs=self.access_logs, inventory=False)
        self.search.bucket.add_lifecycle_rule(id="replaced-versions", noncurrent_version_expiration=Duration.days(1),
                                              abort_incomplete_multipart_upload_after=Duration.days(1))
        # Listing documents (marketplace.services.documents): private, their own key, never behind CloudFront
        # (no read grant for it); uploads by presigned POST from the back office.
        self.documents = SecureBucket(self, "Documents", bucket_name=name("documents"), key=self.keys.documents,
                                      removal_policy=removal, access_logs=self.access_logs, inventory=False,
                                      cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.POST],
                                                        allowed_origins=upload_cors_origins(
                                                            site_origins=config.allowed_origins),
                                                        allowed_headers=["*"], max_age=3000)])
        self.exports = SecureBucket(self, "Exports", bucket_name=name("exports"), key=self.keys.data,
                                    removal_policy=removal, access_logs=self.access_logs,
                                    lifecycle=EXPORT_LIFECYCLE, lock_days=EXPORT_LOCK_DAYS)

        # CDK's custom resource that configures the raw bucket's EventBridge notifications.
        acknowledge(self, (("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                           "AWSLambdaBasicExecutionRole]"),
                           ("CDK's own bucket-notifications handler (runs at deploy time only) uses the AWS managed "
                           "basic execution policy; it is not configurable.")))
        self.secrets = Secrets(self, "Secrets", key=self.keys.data, removal_policy=removal, names={
            "signing_key": secret_name(config, SIGNING_KEY_SECRET), "django": secret_name(config, DJANGO_SECRET),
            "canary": secret_name(config, CANARY_SECRET), "cursor": secret_name(config, CURSOR_SECRET),
            "origin_verify": secret_name(config, ORIGIN_VERIFY_SECRET),
            "esewa": secret_name(config, ESEWA_SECRET), "khalti": secret_name(config, KHALTI_SECRET)})

        for output, value, description in (
            ("TableName", self.table.table.table_name, "The single table"),
            ("RawUploadsBucket", self.raw.name, "Browser uploads land here (presigned POST)"),
            ("PublicMediaBucket", self.public.name, "Processed public media"),
            ("PremiumMediaBucket", self.premium.name, "Processed premium media (signed URLs only)"),
            ("StaticBucket", self.static.name, "Back office static files (collectstatic)"),
            ("DeployBucket", self.deploy.name, "Zappa deployment packages (s3_bucket)"),
            ("ExportsBucket", self.exports.name, "Weekly table exports and their Parquet copies"),
            ("SearchIndexBucket", self.search.name, "Published versions of the search index"),
        ):
            CfnOutput(self, output, value=value, description=description)


class DisasterRecoveryStack(Stack):
    """DR option 2: the cross-region copies of raw uploads and premium media, their key, and the key of the
    table's global replica (the replica itself is declared with the table, in the data stack)."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        removal = removal_policy(config)
        key = kms.Key(self, "MediaKey", alias=dr_key_alias(config, "media"), enable_key_rotation=True,
                      removal_policy=removal, description="Shikhar media copies in the DR region")
        kms.Key(self, "DataKey", alias=dr_key_alias(config, "data"), enable_key_rotation=True,
                removal_policy=removal, description="Shikhar table replica in the DR region")
        logs = LogBucket(self, "AccessLogs", removal_policy=removal, retention_days=90,
                         bucket_name=bucket_name(prefix=config.prefix, purpose="dr-access-logs",
                                                 account=config.account, region=config.dr_region)).bucket
        acknowledge(logs, *[("AwsSolutions-S1", "This is the server access log destination; logging it into itself would loop.")])
        lifecycles = {"raw-uploads": RAW_LIFECYCLE, "premium-media": PREMIUM_LIFECYCLE}
        for purpose in names.CROSS_REGION_PURPOSES:
            lifecycle = lifecycles[purpose]
            SecureBucket(self, purpose.title().replace("-", ""), bucket_name=dr_bucket_name(config, purpose), key=key,
                         removal_policy=removal, access_logs=logs, lifecycle=lifecycle, inventory=False)
