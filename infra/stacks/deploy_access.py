"""The delivery pipeline's access to the stage's account: GitHub's OpenID Connect provider and the role that
only this repository's workflow, running in the stage's GitHub environment, may assume. No access keys
exist; each job gets credentials for the length of the job.

The role deploys nothing itself: CloudFormation deploys the stacks with the CDK bootstrap roles, which it
may assume. Beyond that it does what the pipeline's other steps need: ``zappa update`` of the back
office, collectstatic into the static bucket, and the synthetic journey (parameters, the canary's secret).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import GITHUB_REPOSITORY, StageConfig
from infra.nag import acknowledge
from infra.parameters import CANARY_SECRET, CURSOR_SECRET, DJANGO_SECRET, parameter_path, secret_name
from infra.stacks.data import DataStack
from marketplace.deployment import backoffice_function_name

ISSUER = "token.actions.githubusercontent.com"
CDK_QUALIFIER = "hnb659fds"  # the CDK bootstrap's default qualifier
PULL_REQUESTS_ENVIRONMENT = "pull-requests"  # pull-request stages live in the dev account


def subjects(config: StageConfig) -> list[str]:
    """The workflow runs allowed to assume the role: jobs in the stage's GitHub environment (and, in dev's
    account, the pull-request environment)."""
    environments = [config.name] + ([PULL_REQUESTS_ENVIRONMENT] if config.name == "dev" else [])
    return [f"repo:{GITHUB_REPOSITORY}:environment:{environment}" for environment in environments]


class DeployAccessStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        provider = iam.CfnOIDCProvider(self, "GitHub", url=f"https://{ISSUER}", client_id_list=["sts.amazonaws.com"])
        self.role = iam.Role(
            self, "DeployRole", role_name=f"{config.prefix}-deploy", max_session_duration=Duration.hours(2),
            description="Assumed by the delivery workflow through OpenID Connect",
            assumed_by=iam.WebIdentityPrincipal(provider.attr_arn, conditions={
                "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{ISSUER}:sub": subjects(config)}}))
        account, region = self.account, self.region
        allow = self.role.add_to_principal_policy

        bootstrap = f"arn:aws:iam::{account}:role/cdk-{CDK_QUALIFIER}-*-{account}-*"
        allow(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[bootstrap]))
        allow(iam.PolicyStatement(actions=["cloudformation:DescribeStacks"],
                                  resources=[f"arn:aws:cloudformation:{region}:{account}:stack/Shikhar-{config.name}-*/*"]))
        # zappa update: a new package in the deploy bucket, then the function's code, version and alias.
        function = f"arn:aws:lambda:{region}:{account}:function:{backoffice_function_name(config.name)}"
        allow(iam.PolicyStatement(actions=[
            "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:ListVersionsByFunction",
            "lambda:GetAlias", "lambda:UpdateAlias", "lambda:CreateAlias"], resources=[function, f"{function}:*"]))
        objects = [f"{data.deploy.arn}/*", f"{data.static.arn}/*"]
        allow(iam.PolicyStatement(actions=["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], resources=objects))
        allow(iam.PolicyStatement(actions=["s3:ListBucket", "s3:GetBucketLocation"],
                                  resources=[data.deploy.arn, data.static.arn]))
        allow(iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"],
                                  resources=[data.keys.data.key_arn, data.keys.media.key_arn]))
        # collectstatic loads the production settings (which read the back office's parameters and secrets);
        # the synthetic journey signs in as the canary user.
        parameters = f"arn:aws:ssm:{region}:{account}:parameter{parameter_path(config)}*"
        allow(iam.PolicyStatement(actions=["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                                  resources=[parameters]))
        secrets = [f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_name(config, name)}-*"
                   for name in (CANARY_SECRET, DJANGO_SECRET, CURSOR_SECRET)]
        allow(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=secrets))
        acknowledge(self.role, *((f"AwsSolutions-IAM5[Resource::{resource}]", reason) for resource, reason in (
            (bootstrap, ("The CDK bootstrap roles (deploy, file and image publishing, lookup) of this account, "
                         "named by the bootstrap's qualifier; CloudFormation deploys with them.")),
            (f"arn:aws:cloudformation:{region}:{account}:stack/Shikhar-{config.name}-*/*",
             "Stack ids end in a generated suffix; the pattern names only this stage's stacks."),
            (f"{function}:*", "Zappa publishes a version and moves the alias of the back office's function only."),
            (parameters, "The stage's parameters, read by path as the back office reads them."),
            *((secret, "Secrets Manager adds a random suffix to each secret's ARN; one named secret.")
              for secret in secrets),
        )))
        for bucket in (data.deploy.arn, data.static.arn):
            acknowledge(self.role, (f"AwsSolutions-IAM5[Resource::{bucket}/*]",
                                    "Object actions can only name objects by pattern: one bucket's objects."))

        CfnOutput(self, "DeployRoleArn", value=self.role.role_arn,
                  description="GitHub environment variable AWS_DEPLOY_ROLE_ARN of this stage")
