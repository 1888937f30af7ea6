"""Exact grants: the actions a function uses on the table (and which indexes), never ``dynamodb:*``."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from infra.components.table import SingleTable
from infra.nag import acknowledge

READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem")
WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
# TransactWriteItems is authorised per item by the item actions above. No DescribeTable: the models
# declare their schema, so PynamoDB never describes the table (the artifacts test records every call).


def grant_table(role: iam.IRole, *, table: SingleTable, key: kms.IKey, actions: Sequence[str],
                indexes: Sequence[str] = ()) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=sorted(set(actions)), resources=[table.table.table_arn]))
    if indexes:
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:Query"], resources=table.index_arns(*indexes)))
    writes = any(action in WRITE for action in actions)
    key_actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:Encrypt", "kms:GenerateDataKey"] if writes else [])
    role.add_to_principal_policy(iam.PolicyStatement(actions=key_actions, resources=[key.key_arn]))


def grant_key(role: iam.IRole, *, key: kms.IKey, encrypt: bool) -> None:
    actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:Encrypt", "kms:GenerateDataKey"] if encrypt else [])
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[key.key_arn]))


def grant_objects(role: iam.IRole, *, bucket: str, actions: Sequence[str], prefix: str = "") -> None:
    """Object actions in one bucket (named, so the ARN is plain text and the finding can be named)."""
    resource = f"arn:aws:s3:::{bucket}/{prefix}*"
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[resource]))
    acknowledge(role, (f"AwsSolutions-IAM5[Resource::{resource}]",
                       "Object-level S3 actions can only name objects by pattern; this is one bucket's objects."))


def grant_media_moves(function, *, buckets, key: kms.IKey) -> None:
    """What moving media between the public and premium buckets needs (``media_placement``): list a
    media item's objects, copy them, delete the old copies."""
    for bucket in buckets:
        grant_objects(function.role, bucket=bucket.name, actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
        function.allow(actions=["s3:ListBucket"], resources=[bucket.arn])
    grant_key(function.role, key=key, encrypt=True)


def grant_secret(role: iam.IRole, *, secret, key: kms.IKey) -> None:
    """Read one secret. Written on the role (not the key policy, as ``Secret.grant_read`` would), so the
    stateful stack never refers to a stateless stack's role."""
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources=[secret.secret_arn]))
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["kms:Decrypt"], resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{key.stack.region}.amazonaws.com"}}))
