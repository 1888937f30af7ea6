"""Customer-managed KMS keys: separate keys for application data, media and logs (dossier section 4)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class Keys(Construct):
    """The keys, rotated yearly. The logs key lets CloudWatch Logs in this region use it."""

    def __init__(self, scope: Construct, id: str, *, prefix: str, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, id)
        self.data = self._key("Data", alias=f"alias/{prefix}-data", removal_policy=removal_policy,
                              description="Shikhar application data: table, secrets, queues, topics")
        self.media = self._key("Media", alias=f"alias/{prefix}-media", removal_policy=removal_policy,
                               description="Shikhar media buckets (raw uploads, public and premium media)")
        # Listing documents (title deeds, permits): a key of their own, so a grant on the media key reads none.
        self.documents = self._key("Documents", alias=f"alias/{prefix}-documents", removal_policy=removal_policy,
                                   description="Shikhar listing documents bucket")
        self.logs = self._key("Logs", alias=f"alias/{prefix}-logs", removal_policy=removal_policy,
                              description="Shikhar CloudWatch log groups")
        region = Stack.of(self).region
        self.logs.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],  # in a key policy "*" means this key
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:aws:logs:{region}:{Stack.of(self).account}:log-group:*"}}))

    def _key(self, id: str, *, alias: str, description: str, removal_policy: RemovalPolicy) -> kms.Key:
        return kms.Key(self, id, alias=alias, description=description, enable_key_rotation=True,
                       rotation_period=Duration.days(365), removal_policy=removal_policy,
                       pending_window=Duration.days(30))
