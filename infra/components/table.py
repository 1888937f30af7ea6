"""The single DynamoDB table, built from the PynamoDB models' own schema (``marketplace.table``)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER,
          "B": dynamodb.AttributeType.BINARY}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
                "INCLUDE": dynamodb.ProjectionType.INCLUDE}
_STREAMS = {"NEW_AND_OLD_IMAGES": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            "NEW_IMAGE": dynamodb.StreamViewType.NEW_IMAGE, "OLD_IMAGE": dynamodb.StreamViewType.OLD_IMAGE,
            "KEYS_ONLY": dynamodb.StreamViewType.KEYS_ONLY}


def _key_attributes(key_schema: list[dict], types: dict[str, str]) -> dict:
    keys = {}
    for key in key_schema:
        attribute = dynamodb.Attribute(name=key["AttributeName"], type=_TYPES[types[key["AttributeName"]]])
        keys["partition_key" if key["KeyType"] == "HASH" else "sort_key"] = attribute
    return keys


class SingleTable(Construct):
    """On-demand, PITR, deletion protection, the outbox stream and a customer-managed key.

    ``schema`` is ``marketplace.table.table_schema()`` (CreateTable arguments): keys, attribute types,
    every GSI with its projection, and the stream view type all come from it, never restated here.
    ``replica_keys``: a global table replica in each named region, encrypted with that region's key (ARN).
    """

    def __init__(self, scope: Construct, id: str, *, schema: dict, table_name: str, ttl_attribute: str,
                 key: kms.IKey, deletion_protection: bool, removal_policy: RemovalPolicy,
                 replica_keys: Mapping[str, str] | None = None) -> None:
        super().__init__(scope, id)
        types = {d["AttributeName"]: d["AttributeType"] for d in schema["AttributeDefinitions"]}
        if schema.get("BillingMode") != "PAY_PER_REQUEST":
            raise ValueError("the table schema must be on-demand (BillingMode PAY_PER_REQUEST)")
        indexes = []
        for index in schema["GlobalSecondaryIndexes"]:
            projection = index["Projection"]
            indexes.append(dynamodb.GlobalSecondaryIndexPropsV2(
                index_name=index["IndexName"], **_key_attributes(index["KeySchema"], types),
                projection_type=_PROJECTIONS[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes")))
        self.index_names: list[str] = [index["IndexName"] for index in schema["GlobalSecondaryIndexes"]]
        self.table = dynamodb.TableV2(
            self, "Table", table_name=table_name, **_key_attributes(schema["KeySchema"], types),
            billing=dynamodb.Billing.on_demand(), global_secondary_indexes=indexes,
            time_to_live_attribute=ttl_attribute,
            dynamo_stream=_STREAMS[schema["StreamSpecification"]["StreamViewType"]],
            encryption=dynamodb.TableEncryptionV2.customer_managed_key(key, replica_key_arns=dict(replica_keys or {})),
            replicas=[dynamodb.ReplicaTableProps(region=region, deletion_protection=deletion_protection)
                      for region in (replica_keys or {})],
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True, recovery_period_in_days=35),
            deletion_protection=deletion_protection, removal_policy=removal_policy,
            contributor_insights_specification=dynamodb.ContributorInsightsSpecification(enabled=True))

    def index_arns(self, *names: str) -> list[str]:
        unknown = set(names) - set(self.index_names)
        if unknown:
            raise ValueError(f"no such index: {', '.join(sorted(unknown))}")
        return [f"{self.table.table_arn}/index/{name}" for name in names]
