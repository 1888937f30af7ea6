"""The dossier's platform services: audit trail, threat detection, compliance checks, feature flags, guest
identities and the table's DR replica, read from the synthesized templates."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match
from aws_lambda_powertools.utilities.feature_flags.schema import SchemaValidator
from cfnlint.api import ManualArgs, lint

from infra.config import GITHUB_REPOSITORY, STAGE_NAMES, stage
from infra.stacks.data import dr_key_alias
from infra.stacks.governance import CONTROLS
from public_api import flags

pytestmark = pytest.mark.xdist_group("infra")


def _only(synthesized, name: str, stack: str, kind: str) -> tuple[str, dict]:
    found = [(logical_id, resource) for logical_id, resource in synthesized.templates[name][stack]["Resources"].items()
             if resource["Type"] == kind]
    assert len(found) == 1, f"{stack}: {len(found)} resources of type {kind}"
    return found[0]


def _statements(template: dict, role_logical_id: str) -> list[dict]:
    return [statement for resource in template["Resources"].values() if resource["Type"] == "AWS::IAM::Policy"
            and {"Ref": role_logical_id} in resource["Properties"]["Roles"]
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]]


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_trail_covers_every_region_and_reads_objects_of_the_premium_bucket_only(synthesized, name):
    config = stage(name)

    _, trail = _only(synthesized, name, "Governance", "AWS::CloudTrail::Trail")
    key_id, _ = _only(synthesized, name, "Governance", "AWS::KMS::Key")

    props = trail["Properties"]
    assert (props["IsMultiRegionTrail"], props["IncludeGlobalServiceEvents"], props["EnableLogFileValidation"],
            props["IsLogging"]) == (True, True, True, True)
    assert props["KMSKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    management = [s for s in props["EventSelectors"] if s.get("IncludeManagementEvents")]
    data = [resource for s in props["EventSelectors"] for resource in s.get("DataResources", [])]
    assert management == [{"IncludeManagementEvents": True, "ReadWriteType": "All"}]
    premium = f"{config.prefix}-premium-media-{config.account}-{config.region}"
    assert data == [{"Type": "AWS::S3::Object", "Values": [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{premium}/"]]}]}]


def test_the_audit_bucket_takes_cloudtrail_writes_under_its_own_key(synthesized):
    template = synthesized.template("prod", "Governance")
    key_id, _ = _only(synthesized, "prod", "Governance", "AWS::KMS::Key")

    template.has_resource_properties("AWS::S3::Bucket", {
        "BucketName": "shikhar-prod-audit-333333333333-ap-south-1",
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                              "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]}}})]}})
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True, "KeyPolicy": {
        "Statement": Match.array_with([Match.object_like({
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*",
            "Condition": Match.object_like({"StringEquals": {
                "aws:SourceArn": "arn:aws:cloudtrail:ap-south-1:333333333333:trail/shikhar-prod-audit"}})})])}})


def test_guardduty_watches_s3_data_events_and_lambda_network_activity(synthesized):
    _, detector = _only(synthesized, "staging", "Governance", "AWS::GuardDuty::Detector")

    props = detector["Properties"]
    assert props["Enable"] is True
    assert {f["Name"]: f["Status"] for f in props["Features"]} == {"S3_DATA_EVENTS": "ENABLED",
                                                                  "LAMBDA_NETWORK_LOGS": "ENABLED"}


def test_security_hub_runs_the_cis_benchmark_once_the_hub_exists(synthesized):
    hub_id, hub = _only(synthesized, "prod", "Governance", "AWS::SecurityHub::Hub")
    _, standard = _only(synthesized, "prod", "Governance", "AWS::SecurityHub::Standard")

    assert hub["Properties"]["EnableDefaultStandards"] is False  # exactly the standards declared here
    assert standard["Properties"]["StandardsArn"].startswith(
        "arn:aws:securityhub:ap-south-1::standards/cis-aws-foundations-benchmark/v/")
    assert hub_id in standard["DependsOn"]


def test_config_records_everything_and_checks_the_dossiers_controls_after_recording_starts(synthesized):
    recorder_id, recorder = _only(synthesized, "dev", "Governance", "AWS::Config::ConfigurationRecorder")
    channel_id, _ = _only(synthesized, "dev", "Governance", "AWS::Config::DeliveryChannel")
    _, pack = _only(synthesized, "dev", "Governance", "AWS::Config::ConformancePack")

    assert recorder["Properties"]["RecordingGroup"] == {"AllSupported": True, "IncludeGlobalResourceTypes": True}
    assert {recorder_id, channel_id} <= set(pack["DependsOn"])
    rules = json.loads(pack["Properties"]["TemplateBody"])["Resources"].values()
    identifiers = {rule["Properties"]["Source"]["SourceIdentifier"] for rule in rules}
    # Versioning, point-in-time recovery, encryption and public access: what the DR and security plans assume.
    assert {"S3_BUCKET_VERSIONING_ENABLED", "DYNAMODB_PITR_ENABLED", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
            "DYNAMODB_TABLE_ENCRYPTED_KMS", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
            "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC"} <= identifiers
    assert len(identifiers) == len(CONTROLS)
    assert all(rule["Properties"]["ConfigRuleName"].startswith("shikhar-dev-") for rule in rules)


def test_the_conformance_packs_own_template_is_valid_cloudformation(synthesized):
    _, pack = _only(synthesized, "prod", "Governance", "AWS::Config::ConformancePack")

    matches = lint(pack["Properties"]["TemplateBody"], config=ManualArgs(regions=["ap-south-1"]))

    assert [str(m) for m in matches] == []


def test_the_config_role_may_write_only_under_its_prefix_of_the_audit_bucket(synthesized):
    template = synthesized.templates["dev"]["Governance"]
    role_id = next(logical_id for logical_id, r in template["Resources"].items()
                   if r["Type"] == "AWS::IAM::Role" and "ConfigRole" in logical_id)

    writes = [s["Resource"] for s in _statements(template, role_id) if s["Action"] == "s3:PutObject"]

    assert writes == ["arn:aws:s3:::shikhar-dev-audit-111111111111-ap-south-1/config/AWSLogs/111111111111/Config/*"]


def test_guests_get_an_identity_whose_role_can_only_send_rum_events(synthesized):
    template = synthesized.templates["prod"]["Auth"]
    pool_id, pool = _only(synthesized, "prod", "Auth", "AWS::Cognito::IdentityPool")
    _, attachment = _only(synthesized, "prod", "Auth", "AWS::Cognito::IdentityPoolRoleAttachment")
    _, monitor = _only(synthesized, "prod", "Auth", "AWS::RUM::AppMonitor")
    guest_role_id = attachment["Properties"]["Roles"]["unauthenticated"]["Fn::GetAtt"][0]

    trust = template["Resources"][guest_role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    grants = _statements(template, guest_role_id)

    assert pool["Properties"]["AllowUnauthenticatedIdentities"] is True
    assert pool["Properties"]["AllowClassicFlow"] is False
    assert trust == [{"Action": "sts:AssumeRoleWithWebIdentity", "Effect": "Allow",
                      "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                      "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": pool_id}},
                                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}}]
    assert grants == [{"Action": "rum:PutRumEvents", "Effect": "Allow",
                       "Resource": "arn:aws:rum:ap-south-1:333333333333:appmonitor/shikhar-prod-web"}]
    config = monitor["Properties"]["AppMonitorConfiguration"]
    assert monitor["Properties"]["Name"] == "shikhar-prod-web"
    assert config["IdentityPoolId"] == {"Ref": pool_id}
    assert config["GuestRoleArn"] == {"Fn::GetAtt": [guest_role_id, "Arn"]}
    assert monitor["Properties"]["DomainList"] == ["shikhar.np", "*.shikhar.np"]


def test_the_feature_flags_profile_is_the_document_the_local_platform_reads(synthesized):
    version_id, version = _only(synthesized, "dev", "Api", "AWS::AppConfig::HostedConfigurationVersion")
    _, profile = _only(synthesized, "dev", "Api", "AWS::AppConfig::ConfigurationProfile")
    _, deployment = _only(synthesized, "dev", "Api", "AWS::AppConfig::Deployment")

    document = json.loads(version["Properties"]["Content"])

    assert document == json.loads(flags.FLAGS_FILE.read_text())
    SchemaValidator(schema=document).validate()  # Powertools' own schema check
    assert flags.INQUIRIES_OPEN in document
    assert profile["Properties"]["Type"] == "AWS.Freeform"
    assert deployment["Properties"]["ConfigurationVersion"] == {"Ref": version_id}


def test_only_the_inquiries_function_reads_the_flags_and_only_its_profile(synthesized):
    template = synthesized.templates["dev"]["Api"]
    profile_id, _ = _only(synthesized, "dev", "Api", "AWS::AppConfig::ConfigurationProfile")
    functions = {logical_id: r for logical_id, r in template["Resources"].items()
                 if r["Type"] == "AWS::Lambda::Function"}

    readers = {}
    for logical_id, function in functions.items():
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        grants = [s for s in _statements(template, role_id) if any(
            a.startswith("appconfig:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))]
        readers[logical_id] = (grants, function["Properties"]["Environment"]["Variables"])

    (reader,) = [logical_id for logical_id, (grants, _) in readers.items() if grants]
    assert reader.startswith("InquiriesFunction")
    (grant,) = readers[reader][0]
    assert sorted(grant["Action"]) == ["appconfig:GetLatestConfiguration", "appconfig:StartConfigurationSession"]
    assert {"Ref": profile_id} in grant["Resource"]["Fn::Join"][1]
    variables = readers[reader][1]
    assert variables[flags.APPCONFIG_PROFILE] == {"Ref": profile_id}
    assert {flags.APPCONFIG_APPLICATION, flags.APPCONFIG_ENVIRONMENT} <= set(variables)
    others = [variables for logical_id, (_, variables) in readers.items() if logical_id != reader]
    assert others and all(flags.APPCONFIG_APPLICATION not in v for v in others)


def test_with_dr_option_2_the_table_has_a_replica_in_the_dr_region_under_the_dr_stacks_key(synthesized):
    prod = stage("prod")
    (table,) = synthesized.resources("prod", "AWS::DynamoDB::GlobalTable").values()
    dr_template = synthesized.template("prod", "DisasterRecovery")

    regions = {replica["Region"]: replica for replica in table["Properties"]["Replicas"]}

    assert set(regions) == {prod.region, prod.dr_region}
    assert regions[prod.dr_region]["SSESpecification"]["KMSMasterKeyId"] == (
        f"arn:aws:kms:{prod.dr_region}:{prod.account}:{dr_key_alias(prod, 'data')}")
    dr_template.has_resource_properties("AWS::KMS::Alias", {"AliasName": dr_key_alias(prod, "data")})
    dev_regions = [r["Region"] for r in _only(synthesized, "dev", "Data", "AWS::DynamoDB::GlobalTable")[1]
                   ["Properties"]["Replicas"]]
    assert dev_regions == ["ap-south-1"]


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_only_the_repositorys_workflow_in_the_stages_environment_can_assume_the_deploy_role(synthesized, name):
    provider_id, provider = _only(synthesized, name, "DeployAccess", "AWS::IAM::OIDCProvider")
    _, role = _only(synthesized, name, "DeployAccess", "AWS::IAM::Role")

    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"] == {"Federated": {"Fn::GetAtt": [provider_id, "Arn"]}}
    assert trust["Condition"]["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    environments = ["dev", "pull-requests"] if name == "dev" else [name]
    assert trust["Condition"]["StringLike"] == {"token.actions.githubusercontent.com:sub": [
        f"repo:{GITHUB_REPOSITORY}:environment:{environment}" for environment in environments]}


def test_the_deploy_role_deploys_through_the_cdk_bootstrap_roles_and_touches_only_its_stages_resources(synthesized):
    template = synthesized.templates["staging"]["DeployAccess"]
    role_id, _ = _only(synthesized, "staging", "DeployAccess", "AWS::IAM::Role")

    statements = _statements(template, role_id)

    by_action = {action: statement["Resource"] for statement in statements
                 for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert by_action["sts:AssumeRole"] == "arn:aws:iam::222222222222:role/cdk-hnb659fds-*-222222222222-*"
    assert not any(action.startswith(("cloudformation:Create", "cloudformation:Update", "iam:")) for action in by_action)
    assert by_action["lambda:UpdateFunctionCode"] == [
        "arn:aws:lambda:ap-south-1:222222222222:function:shikhar-backoffice-staging",
        "arn:aws:lambda:ap-south-1:222222222222:function:shikhar-backoffice-staging:*"]
    assert sorted(by_action["s3:PutObject"]) == [
        "arn:aws:s3:::shikhar-staging-deploy-222222222222-ap-south-1/*",
        "arn:aws:s3:::shikhar-staging-static-222222222222-ap-south-1/*"]
    assert by_action["ssm:GetParametersByPath"] == "arn:aws:ssm:ap-south-1:222222222222:parameter/shikhar/staging/*"


def test_no_template_creates_a_long_lived_access_key(synthesized):
    kinds = {resource["Type"] for stages in synthesized.templates.values() for template in stages.values()
             for resource in template["Resources"].values()}

    assert "AWS::IAM::AccessKey" not in kinds and "AWS::IAM::User" not in kinds
    assert "AWS::IAM::OIDCProvider" in kinds
