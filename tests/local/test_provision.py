import pytest
from botocore.exceptions import ClientError

from local.provision import provision, provision_backoffice_stage
from marketplace.actors import Group
from marketplace.aws import client
from marketplace.config import settings
from marketplace.deployment import (
    APP_CLIENTS,
    APPS_CLIENT,
    BACKOFFICE_CLIENT,
    BACKOFFICE_PARAMETERS,
    BACKOFFICE_SECRETS,
    Env,
    backoffice_environment,
    user_attribute_update_settings,
)
from marketplace.table import TTL_ATTRIBUTE, table_schema

PASSWORD = "Correct-Horse-Battery-42"


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


def test_the_app_clients_are_provisioned_exactly_as_declared(platform):
    idp = client("cognito-idp")
    ids = {APPS_CLIENT.name: platform.user_pool_client_id, BACKOFFICE_CLIENT.name: platform.backoffice_client_id}
    for declared in APP_CLIENTS:
        described = idp.describe_user_pool_client(UserPoolId=platform.user_pool_id,
                                                  ClientId=ids[declared.name])["UserPoolClient"]
        # Describe answers with every property but GenerateSecret (a secret shows as ClientSecret instead)
        expected = {k: v for k, v in declared.properties().items() if k != "GenerateSecret"}
        assert {name: described.get(name) for name in expected} == expected
        assert "ClientSecret" not in described


def _person(pool_id: str) -> None:
    idp = client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool_id, Username="flow@example.np", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "flow@example.np"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username="flow@example.np", Password=PASSWORD, Permanent=True)


def test_a_flow_the_back_office_client_does_not_allow_is_refused_as_aws_refuses_it(platform):
    # Given a person and the back office's client, which allows the admin password flow only
    _person(platform.user_pool_id)
    idp = client("cognito-idp")
    credentials = {"USERNAME": "flow@example.np", "PASSWORD": PASSWORD}

    # When they sign in with USER_PASSWORD_AUTH through it, then it is refused
    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(ClientId=platform.backoffice_client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters=credentials)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "USER_PASSWORD_AUTH flow not enabled for this client" in refused.value.response["Error"]["Message"]
    # And the admin flow the back office uses works
    tokens = idp.admin_initiate_auth(UserPoolId=platform.user_pool_id, ClientId=platform.backoffice_client_id,
                                     AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters=credentials)
    assert "IdToken" in tokens["AuthenticationResult"]


def test_the_apps_client_refuses_the_admin_flow(platform):
    _person(platform.user_pool_id)
    with pytest.raises(ClientError, match="ADMIN_USER_PASSWORD_AUTH flow not enabled"):
        client("cognito-idp").admin_initiate_auth(
            UserPoolId=platform.user_pool_id, ClientId=platform.user_pool_client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "flow@example.np", "PASSWORD": PASSWORD})


def test_a_buyer_signs_up_through_the_apps_client_with_email_and_name(platform):
    # Given the apps client, which writes what sign-up sets, and the back office's, which does not
    idp = client("cognito-idp")
    attributes = [{"Name": "email", "Value": "new@example.np"}, {"Name": "name", "Value": "Asha Gurung"}]

    # When a buyer signs up through each
    idp.sign_up(ClientId=platform.user_pool_client_id, Username="new@example.np", Password=PASSWORD,
                UserAttributes=attributes)
    with pytest.raises(ClientError) as refused:
        idp.sign_up(ClientId=platform.backoffice_client_id, Username="other@example.np", Password=PASSWORD,
                    UserAttributes=attributes)

    # Then the apps' sign-up holds the name, and the back office's client is refused as AWS refuses it
    user = idp.admin_get_user(UserPoolId=platform.user_pool_id, Username="new@example.np")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"] == "Asha Gurung"
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_new_email_through_the_apps_client_waits_for_verification(platform):
    # Given a pool that requires verification before an email update, and a signed-in person
    idp = client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=platform.user_pool_id)["UserPool"]
    assert pool["UserAttributeUpdateSettings"] == user_attribute_update_settings()
    _person(platform.user_pool_id)
    tokens = idp.initiate_auth(ClientId=platform.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "flow@example.np", "PASSWORD": PASSWORD})

    # When they change their email and name through the apps client
    idp.update_user_attributes(AccessToken=tokens["AuthenticationResult"]["AccessToken"], UserAttributes=[
        {"Name": "email", "Value": "taken@elsewhere.example"}, {"Name": "name", "Value": "Renamed"}])

    # Then the name changed, and the email keeps its old value until the new one is verified
    user = idp.admin_get_user(UserPoolId=platform.user_pool_id, Username="flow@example.np")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert (attributes["email"], attributes["name"]) == ("flow@example.np", "Renamed")


def test_the_back_office_stage_is_published_under_the_declared_names(platform):
    # When the back office's parameters and secrets are provisioned for a stage
    environment = provision_backoffice_stage(platform, stage="dev", cloudfront_domain="d1.cloudfront.net")

    # Then the function's environment is the declared one and every name in it resolves
    assert environment == backoffice_environment("dev")
    ssm = client("ssm")
    names = {p["Name"] for p in ssm.get_parameters_by_path(Path=environment[Env.SSM_PATH])["Parameters"]}
    assert names == {f"{environment[Env.SSM_PATH]}/{name}" for name in BACKOFFICE_PARAMETERS}
    assert ssm.get_parameter(Name=environment[Env.CLOUDFRONT_DOMAIN_PARAMETER])["Parameter"]["Value"] == \
        "d1.cloudfront.net"
    for variable in BACKOFFICE_SECRETS:
        assert client("secretsmanager").get_secret_value(SecretId=environment[variable])["SecretString"]


def test_the_raw_bucket_accepts_uploads_from_the_back_office_port_of_this_run(emulator, monkeypatch):
    # Given the back office on another port than the default
    emulator.reset()
    monkeypatch.setenv("SHIKHAR_BACKOFFICE_PORT", "8010")

    resources = provision()

    rules = client("s3").get_bucket_cors(Bucket=resources.raw_bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["http://127.0.0.1:8010", "http://localhost:8010"]
