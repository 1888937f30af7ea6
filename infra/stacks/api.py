"""The public HTTP API: one Lambda per route group, each with its own role, a JWT authorizer on the
signed-in routes, throttling and JSON access logs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpUserPoolAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from infra.nag import acknowledge
from constructs import Construct

from infra.components.functions import FunctionKit, ServiceFunction, retention
from infra.components.grants import READ, WRITE, grant_secret, grant_table
from infra.config import StageConfig
from infra.parameters import CLOUDFRONT_DOMAIN, CLOUDFRONT_KEY_ID, parameter
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack, removal_policy

GET, POST, PUT, DELETE = (apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.PUT,
                          apigw.HttpMethod.DELETE)


@dataclass(frozen=True)
class RouteGroup:
    name: str
    handler: str
    routes: tuple[tuple[str, tuple[apigw.HttpMethod, ...]], ...]
    signed_in: bool
    description: str


ROUTE_GROUPS: tuple[RouteGroup, ...] = (
    RouteGroup("listings", "public_api.functions.listings.handler", (
        ("/v1/listings", (GET,)), ("/v1/listings/{id}", (GET,)), ("/v1/feed", (GET,)),
        ("/v1/neighborhoods", (GET,))),
        signed_in=False, description="Search, feed, neighbourhoods and listing detail (premium media signed)"),
    RouteGroup("me", "public_api.functions.me.handler", (
        ("/v1/me", (GET, PUT)), ("/v1/me/{proxy+}", (GET, POST, PUT, DELETE))),
        signed_in=True, description="The signed-in buyer: profile, favorites, subscription"),
    RouteGroup("inquiries", "public_api.functions.inquiries.handler", (
        ("/v1/listings/{id}/inquiries", (POST,)),),
        signed_in=True, description="Inquiries to a listing's broker"),
)

ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTime",
    "method": "$context.httpMethod", "route": "$context.routeKey", "status": "$context.status",
    "latencyMs": "$context.responseLatency", "integrationLatencyMs": "$context.integrationLatency",
    "error": "$context.error.message", "integrationError": "$context.integrationErrorMessage",
    "userAgent": "$context.identity.userAgent", "length": "$context.responseLength"})


class ApiStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, auth: AuthStack,
                 **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.api = apigw.HttpApi(self, "Api", api_name=f"{config.prefix}-public", create_default_stage=False,
                                 description="Shikhar public API (buyers' apps)")
        access_logs = logs.LogGroup(self, "AccessLogs", log_group_name=f"/shikhar/{config.name}/api-access",
                                    retention=retention(config.access_log_retention_days),
                                    encryption_key=data.keys.logs, removal_policy=removal_policy(config))
        self.stage = apigw.HttpStage(self, "Stage", http_api=self.api, stage_name="$default", auto_deploy=True,
                                     throttle=apigw.ThrottleSettings(rate_limit=config.api_rate_limit,
                                                                     burst_limit=config.api_burst_limit),
                                     detailed_metrics_enabled=True)
        self.stage.node.default_child.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=ACCESS_LOG_FORMAT)
        authorizer = HttpUserPoolAuthorizer("CognitoJwt", auth.user_pool, authorizer_name="cognito-jwt",
                                            user_pool_clients=[auth.apps_client])

        kit = FunctionKit(self, base_environment={
            "SHIKHAR_ENV": config.name, "SHIKHAR_PREFIX": config.prefix,
            "SHIKHAR_TABLE": data.table.table.table_name,
            "SHIKHAR_USER_POOL_ID": auth.user_pool.user_pool_id,
            "SHIKHAR_USER_POOL_CLIENT_ID": auth.apps_client.user_pool_client_id,
            "SHIKHAR_JWKS_URL": auth.jwks_url,
            "POWERTOOLS_METRICS_NAMESPACE": "Shikhar",
        }, logs_key=data.keys.logs, log_retention_days=config.log_retention_days,
            removal_policy=removal_policy(config))
        self.functions: dict[str, ServiceFunction] = {}
        for group in ROUTE_GROUPS:
            function = kit.function(
                f"{group.name.title()}Function", function_name=f"{config.prefix}-api-{group.name}",
                handler=group.handler, description=group.description, memory_mb=config.api_memory_mb,
                timeout=Duration.seconds(10), groups=["public_api"])
            integration = HttpLambdaIntegration(f"{group.name.title()}Integration", function.alias)
            for path, methods in group.routes:
                self.api.add_routes(path=path, methods=list(methods), integration=integration,
                                    authorizer=authorizer if group.signed_in else None)
            self.functions[group.name] = function

        table, key = data.table, data.keys.data
        listings = self.functions["listings"]
        # Cards from the buyer-facing sparse indexes; detail, media and entitlement by key; a view counter.
        grant_table(listings.role, table=table, key=key,
                    actions=[*READ, "dynamodb:UpdateItem"], indexes=["gsi1", "gsi2", "gsi4"])
        # Premium media: signed CloudFront URLs with the key pair (key id and domain from SSM, by name).
        signing_key = data.secrets.signing_key
        grant_secret(listings.role, secret=signing_key, key=data.keys.data)
        listings.function.add_environment("SHIKHAR_CLOUDFRONT_KEY_SECRET_ARN", signing_key.secret_arn)
        names = {"SHIKHAR_CLOUDFRONT_KEY_ID_PARAMETER": parameter(config, CLOUDFRONT_KEY_ID),
                 "SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER": parameter(config, CLOUDFRONT_DOMAIN)}
        for variable, name in names.items():
            listings.function.add_environment(variable, name)
        listings.allow(actions=["ssm:GetParameter"], resources=[
            f"arn:aws:ssm:{self.region}:{self.account}:parameter{name}" for name in names.values()])
        grant_table(self.functions["me"].role, table=table, key=key, actions=[*READ, *WRITE], indexes=["gsi6"])
        grant_table(self.functions["inquiries"].role, table=table, key=key,
                    actions=[*READ, "dynamodb:PutItem", "dynamodb:UpdateItem"])

        acknowledge(self.api, *[("AwsSolutions-APIG4", "Listing search, feed, neighbourhoods and detail are public by design (dossier section 6): "
                      "guests browse; premium content is decided per request by the function from the "
                      "optional token; WAF and stage throttling protect them.")])
        self.url = self.api.api_endpoint
        CfnOutput(self, "ApiUrl", value=self.api.api_endpoint, description="HTTP API endpoint (behind CloudFront /api)")
        CfnOutput(self, "ApiId", value=self.api.api_id, description="HTTP API id")
