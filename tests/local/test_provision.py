from local.provision import provision
from marketplace.actors import Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.table import TTL_ATTRIBUTE, table_schema


def test_the_table_is_made_from_the_models_schema_with_pitr_and_ttl(platform):
    description = client("dynamodb").describe_table(TableName=settings().table_name)["Table"]
    expected = table_schema()
    assert {i["IndexName"]: i["KeySchema"] for i in description["GlobalSecondaryIndexes"]} == {
        i["IndexName"]: i["KeySchema"] for i in expected["GlobalSecondaryIndexes"]}
    assert description["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    backups = client("dynamodb").describe_continuous_backups(TableName=settings().table_name)
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = client("dynamodb").describe_time_to_live(TableName=settings().table_name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == TTL_ATTRIBUTE


def test_buckets_are_versioned_and_private(platform):
    s3 = client("s3")
    for bucket in (platform.raw_bucket, platform.public_bucket, platform.premium_bucket):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())


def test_the_user_pool_has_every_group_and_an_app_client(platform):
    idp = client("cognito-idp")
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=platform.user_pool_id)["Groups"]}
    assert groups == {g.value for g in Group}
    app = idp.describe_user_pool_client(UserPoolId=platform.user_pool_id, ClientId=platform.user_pool_client_id)
    assert "ALLOW_USER_PASSWORD_AUTH" in app["UserPoolClient"]["ExplicitAuthFlows"]


def test_provisioning_again_keeps_what_exists(platform):
    again = provision()
    assert again.user_pool_id == platform.user_pool_id
    assert again.user_pool_client_id == platform.user_pool_client_id
    assert again.queues == platform.queues
    pools = client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert len(pools) == 1
