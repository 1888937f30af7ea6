"""Back office support: the role Zappa's Lambda assumes, the SSM parameters it reads at start-up, and
the outputs ``zappa_settings.json`` names (docs/infrastructure.md lists them)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.components.grants import READ, WRITE, grant_key, grant_objects, grant_secret, grant_table
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.parameters import (
    CLOUDFRONT_DOMAIN,
    CLOUDFRONT_KEY_ID,
    CURSOR_SECRET,
    DJANGO_SECRET,
    SIGNING_KEY_SECRET,
    parameter,
    parameter_path,
    secret_name,
)
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack
from infra.stacks.events import EventsStack
from marketplace.deployment import (
    BACKOFFICE_PARAMETERS,
    BACKOFFICE_PARAMETERS_DIR,
    Env,
    backoffice_environment,
    backoffice_function_name,
    backoffice_role_name,
)

# Cognito administration the back office performs: invite brokers, set groups, MFA, disable people.
COGNITO_ACTIONS = (
    "cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser", "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup", "cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminRespondToAuthChallenge",
    "cognito-idp:AdminSetUserMFAPreference", "cognito-idp:AdminUserGlobalSignOut", "cognito-idp:ListUsers",
    "cognito-idp:ListUsersInGroup", "cognito-idp:AssociateSoftwareToken", "cognito-idp:VerifySoftwareToken",
    "cognito-idp:DescribeUserPool",
)


def function_name(config: StageConfig) -> str:
    """Zappa names its Lambda ``<project_name>-<stage>``: project_name "shikhar-backoffice", stage = ours."""
    return backoffice_function_name(config.name)


class BackofficeStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, auth: AuthStack,
                 events: EventsStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        name = function_name(config)
        self.role = iam.Role(self, "Role", role_name=backoffice_role_name(config.name),
                             assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="The back office (Django on Lambda via Zappa)")
        role = self.role
        grant_table(role, table=data.table, key=data.keys.data, actions=[*READ, *WRITE],
                    indexes=data.table.index_names)
        # Presigned uploads into raw; a retry copies the kept raw object to a new upload's key (which starts
        # the pipeline again); deleting media removes every raw upload and variant under its prefix.
        grant_objects(role, bucket=data.raw.name, actions=["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion",
                                                           "s3:DeleteObject"])
        for bucket in (data.public, data.premium):
            grant_objects(role, bucket=bucket.name, actions=["s3:GetObject", "s3:DeleteObject"])
        for bucket in (data.raw, data.public, data.premium):
            role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:ListBucket"],
                                                             resources=[f"arn:aws:s3:::{bucket.name}"]))
        grant_objects(role, bucket=data.static.name, actions=["s3:GetObject"])
        grant_key(role, key=data.keys.media, encrypt=True)
        # Listing documents and agencies' licence evidence: presigned uploads, the upload's check (read its
        # first bytes, delete a bad file), signed links for staff (marketplace.services.documents, .agencies).
        for prefix in ("listings/", "agencies/"):
            grant_objects(role, bucket=data.documents.name, actions=["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
                          prefix=prefix)
        grant_key(role, key=data.keys.documents, encrypt=True)
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(COGNITO_ACTIONS),
                                                         resources=[auth.user_pool.user_pool_arn]))
        # The secrets it reads at start-up (marketplace.deployment.BACKOFFICE_SECRETS: the Django key and the
        # cursor key) and the signing key for premium previews (Env.CLOUDFRONT_KEY_SECRET).
        for secret in (data.secrets.django, data.secrets.cursor, data.secrets.signing_key):
            grant_secret(role, secret=secret, key=data.keys.data)
        # Its parameters by path (runtime.load_parameters), the CloudFront domain and the signing key's id
        # by name (marketplace.deployment.backoffice_environment): nothing else of the stage's parameters.
        path = parameter_path(config).rstrip("/")
        environment = backoffice_environment(config.name)
        arn = f"arn:aws:ssm:{self.region}:{self.account}:parameter"
        role.add_to_principal_policy(iam.PolicyStatement(actions=["ssm:GetParametersByPath"],
                                                         resources=[f"{arn}{environment[Env.SSM_PATH]}"]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[
            f"{arn}{environment[variable]}" for variable in (Env.CLOUDFRONT_DOMAIN_PARAMETER,
                                                             Env.CLOUDFRONT_KEY_ID_PARAMETER)]))
        events.bus.grant_put_events_to(role)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[f"arn:aws:logs:{self.region}:{self.account}:log-group:/aws/lambda/{name}:*"]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]))
        acknowledge(role,
                    ("AwsSolutions-IAM5[Resource::*]", "X-Ray trace segments have no resource-level permissions."),
                    (f"AwsSolutions-IAM5[Resource::arn:aws:logs:{self.region}:{self.account}:log-group:/aws/lambda/{name}:*]",
                     "Log streams are created per container; the pattern names only this function's log group."))
        # No lambda:InvokeFunction: keep_warm is off (SnapStart) and nothing runs Zappa's asynchronous tasks.

        # Every parameter the back office reads at start-up (marketplace.deployment.BACKOFFICE_PARAMETERS).
        values = {
            "table": data.table.table.table_name, "raw-bucket": data.raw.name,
            "public-bucket": data.public.name, "premium-bucket": data.premium.name,
            "static-bucket": data.static.name, "event-bus": events.bus.event_bus_name,
            "user-pool-id": auth.user_pool.user_pool_id,
            "backoffice-client-id": auth.backoffice_client.user_pool_client_id, "jwks-url": auth.jwks_url,
            "documents-bucket": data.documents.name,
        }
        values = {key: values[key] for key in BACKOFFICE_PARAMETERS}
        for key, value in values.items():
            ssm.StringParameter(self, f"Param{key.title().replace('-', '')}", parameter_name=parameter(config, f"{BACKOFFICE_PARAMETERS_DIR}/{key}"),
                                string_value=value, description=f"Back office: {key}")

        for output, value, description in (
            ("BackofficeRoleArn", role.role_arn, "zappa_settings: role_arn (with manage_roles false)"),
            ("BackofficeRoleName", role.role_name, "zappa_settings: role_name"),
            ("BackofficeFunctionName", name, "The Lambda name Zappa must create (project_name + stage)"),
            ("BackofficeDeployBucket", data.deploy.name, "zappa_settings: s3_bucket"),
            ("BackofficeStaticBucket", data.static.name, "AWS_STORAGE_BUCKET_NAME for collectstatic"),
            ("BackofficeParameterPath", f"{path}/backoffice/", "Where the back office's settings are"),
            ("BackofficeCloudFrontDomainParameter", parameter(config, CLOUDFRONT_DOMAIN), "SSM name: CloudFront domain"),
            ("BackofficeCloudFrontKeyIdParameter", parameter(config, CLOUDFRONT_KEY_ID), "SSM name: signing key id"),
            ("BackofficeDjangoSecretName", secret_name(config, DJANGO_SECRET), "Secrets Manager: Django SECRET_KEY"),
            ("BackofficeCursorSecretName", secret_name(config, CURSOR_SECRET), "Secrets Manager: cursor HMAC key"),
            ("BackofficeSigningKeySecretName", secret_name(config, SIGNING_KEY_SECRET),
             "Secrets Manager: CloudFront signing private key"),
        ):
            CfnOutput(self, output, value=value, description=description, export_name=f"{config.prefix}-{output}")
