"""The public HTTP API: one Lambda per route group, each with its own role, a JWT authorizer on the
signed-in routes, throttling and JSON access logs."""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_appconfig as appconfig
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpUserPoolAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.components.functions import FunctionKit, ServiceFunction, retention
from infra.components.grants import READ, WRITE, grant_key, grant_objects, grant_secret, grant_table
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.parameters import CLOUDFRONT_DOMAIN, CLOUDFRONT_KEY_ID, parameter
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack, removal_policy
from marketplace.deployment import Env, handler_name
from marketplace.payments import providers as payment_providers
from marketplace.search_index.store import PREFIX as SEARCH_PREFIX
from marketplace.services import payments
from public_api import flags
from public_api.routes import FUNCTIONS, ROUTES

# What each route group's function is for (the routes themselves come from public_api.routes).
DESCRIPTIONS = {
    "listings": "Search, feed, neighbourhoods, listing detail (premium media signed for entitled callers), /health",
    "me": "The signed-in buyer: profile and favorites",
    "inquiries": "Inquiries and viewing requests to a listing's broker",
    "payments": "Paid plans: orders, eSewa and Khalti returns verified with the provider",
    "documents": "Listing documents: buyers ask for access; granted buyers get signed links (logged)",
}


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
            Env.STAGE: config.name, Env.PREFIX: config.prefix,
            Env.TABLE: data.table.table.table_name,
            Env.USER_POOL_ID: auth.user_pool.user_pool_id,
            Env.USER_POOL_CLIENT_ID: auth.apps_client.user_pool_client_id,
            Env.JWKS_URL: auth.jwks_url,
            Env.POWERTOOLS_METRICS_NAMESPACE: "Shikhar",
        }, logs_key=data.keys.logs, log_retention_days=config.log_retention_days,
            removal_policy=removal_policy(config))
        self.functions: dict[str, ServiceFunction] = {}
        for group in FUNCTIONS:
            self.functions[group] = kit.function(
                f"{group.title()}Function", function_name=f"{config.prefix}-api-{group}",
                handler=f"{FUNCTIONS[group]}.handler", description=DESCRIPTIONS[group],
                memory_mb=config.api_memory_mb, timeout=Duration.seconds(10), groups=["public_api"])
        integrations = {group: HttpLambdaIntegration(f"{group.title()}Integration", function.alias)
                        for group, function in self.functions.items()}
        # Every route of public_api.routes; its own documentation routes stay out of production.
        for route in ROUTES:
            if not route.documented and config.name == "prod":
                continue
            self.api.add_routes(path=route.path, methods=[apigw.HttpMethod(route.method)],
                                integration=integrations[route.function],
                                authorizer=authorizer if route.signed_in else None)

        table, key = data.table, data.keys.data
        listings = self.functions["listings"]
        # Cards from the buyer-facing sparse indexes; detail, media and entitlement by key; a view counter.
        # PutItem: the seller's access log, when a signed-in buyer is given premium media (documents service).
        grant_table(listings.role, table=table, key=key,
                    actions=[*READ, "dynamodb:UpdateItem", "dynamodb:PutItem"], indexes=["gsi1", "gsi2", "gsi4"])
        # Search: the index's current version (the version item, by GetItem above), its object by version.
        listings.add_environment(Env.SEARCH_BUCKET, data.search.name)
        grant_objects(listings.role, bucket=data.search.name, actions=["s3:GetObject", "s3:GetObjectVersion"],
                      prefix=SEARCH_PREFIX)
        # Premium media: signed CloudFront URLs with the key pair (key id and domain from SSM, by name).
        signing_key = data.secrets.signing_key
        grant_secret(listings.role, secret=signing_key, key=data.keys.data)
        listings.add_environment(Env.CLOUDFRONT_KEY_SECRET, signing_key.secret_arn)
        names = {Env.CLOUDFRONT_KEY_ID_PARAMETER: parameter(config, CLOUDFRONT_KEY_ID),
                 Env.CLOUDFRONT_DOMAIN_PARAMETER: parameter(config, CLOUDFRONT_DOMAIN)}
        for variable, name in names.items():
            listings.add_environment(variable, name)
        listings.allow(actions=["ssm:GetParameter"], resources=[
            f"arn:aws:ssm:{self.region}:{self.account}:parameter{name}" for name in names.values()])
        # Cursors are signed with a key from Secrets Manager, read once per container at init; only requests
        # carrying the edge's origin secret are served (public_api.origin).
        for function in self.functions.values():
            for variable, secret in ((Env.CURSOR_SECRET, data.secrets.cursor),
                                     (Env.ORIGIN_VERIFY_SECRET, data.secrets.origin_verify)):
                grant_secret(function.role, secret=secret, key=data.keys.data)
                function.add_environment(variable, secret.secret_arn)
        grant_table(self.functions["me"].role, table=table, key=key, actions=[*READ, *WRITE], indexes=["gsi6"])
        # gsi6: a buyer's own viewing requests (listed, cancelled, counted against the open-request limit);
        # DeleteItem: a cancelled request frees its listing's open place (its guard item).
        grant_table(self.functions["inquiries"].role, table=table, key=key,
                    actions=[*READ, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], indexes=["gsi6"])

        self._payments(config, kit, data)
        # Documents: access requests and grants, the access log (table); signed links to the documents bucket
        # (the function signs them: it needs the read it delegates, and the documents key to decrypt).
        documents = self.functions["documents"]
        grant_table(documents.role, table=table, key=key, actions=[*READ, *WRITE])
        documents.add_environment(Env.DOCUMENTS_BUCKET, data.documents.name)
        grant_objects(documents.role, bucket=data.documents.name, actions=["s3:GetObject"], prefix="listings/")
        grant_key(documents.role, key=data.keys.documents, encrypt=False)
        self._feature_flags(config, readers=[self.functions["inquiries"]])

        acknowledge(self.api, *[("AwsSolutions-APIG4", ("Listing search, feed, neighbourhoods and detail are public by design (dossier section 6): "
                      "guests browse; premium content is decided per request by the function from the "
                      "optional token; WAF and stage throttling protect them."))])
        self.url = self.api.api_endpoint
        CfnOutput(self, "ApiUrl", value=self.api.api_endpoint, description="HTTP API endpoint (behind CloudFront /api)")
        CfnOutput(self, "ApiId", value=self.api.api_id, description="HTTP API id")

    def _payments(self, config: StageConfig, kit: FunctionKit, data: DataStack) -> None:
        """The payments function and the poller: the orders, the subscription they grant (with its audit entry
        and events), the provider keys, a buyer's orders (gsi6); the poller also reads the open orders (gsi5).
        Both call out to eSewa and Khalti over the internet (no VPC: Lambda's own egress)."""
        table, key = data.table, data.keys.data
        esewa = payment_providers.ESEWA_LIVE if config.live_payments else payment_providers.ESEWA_SANDBOX
        environment = {
            Env.ESEWA_FORM_URL: esewa["form"], Env.ESEWA_STATUS_URL: esewa["status"],
            Env.KHALTI_URL: payment_providers.KHALTI_LIVE if config.live_payments else payment_providers.KHALTI_SANDBOX,
            Env.ESEWA_PRODUCT_CODE: config.esewa_product_code, Env.ESEWA_SECRET: data.secrets.esewa.secret_arn, Env.KHALTI_SECRET: data.secrets.khalti.secret_arn,
            Env.PAYMENT_RETURN_URL: config.payment_return_url}
        poller = kit.function(
            "PaymentsPoller", function_name=f"{config.prefix}-payments-poller",
            handler=handler_name(payments.poll_handler),
            description="Asks eSewa and Khalti about open orders (pending payments, abandoned orders)",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(120), reserved_concurrency=1)
        for function, indexes in ((self.functions["payments"], ["gsi6"]), (poller, ["gsi5"])):
            grant_table(function.role, table=table, key=key, actions=[*READ, *WRITE], indexes=indexes)
            for secret in (data.secrets.esewa, data.secrets.khalti):
                grant_secret(function.role, secret=secret, key=key)
            for variable, value in environment.items():
                function.add_environment(variable, value)
        events.Rule(self, "PaymentsPollerSchedule", rule_name=f"{config.prefix}-payments-poller",
                    schedule=events.Schedule.rate(Duration.minutes(5)),
                    targets=[targets.LambdaFunction(poller.alias, retry_attempts=0)])
        self.payments_poller = poller

    def _feature_flags(self, config: StageConfig, *, readers: list[ServiceFunction]) -> None:
        """AppConfig: one application per stage, a freeform profile in Powertools' feature flags schema whose
        first version is ``public_api/feature_flags.json`` (the document the local platform reads)."""
        application = appconfig.Application(self, "Flags", application_name=f"{config.prefix}-public-api",
                                            description="Feature flags of the public API")
        environment = appconfig.Environment(self, "FlagsEnvironment", application=application,
                                            environment_name=config.name)
        # Flag changes take effect at once: each is a kill switch or a toggle, never a gradual rollout.
        strategy = appconfig.DeploymentStrategy(
            self, "FlagsRollout", deployment_strategy_name=f"{config.prefix}-flags-at-once",
            rollout_strategy=appconfig.RolloutStrategy.linear(
                growth_factor=100, deployment_duration=Duration.minutes(0), final_bake_time=Duration.minutes(0)))
        self.flags = appconfig.HostedConfiguration(
            self, "FeatureFlags", application=application, name="feature-flags",
            type=appconfig.ConfigurationType.FREEFORM, deploy_to=[environment], deployment_strategy=strategy,
            content=appconfig.ConfigurationContent.from_inline_json(flags.FLAGS_FILE.read_text()),
            description="Powertools feature flags schema (public_api/feature_flags.json)")
        configuration = (f"arn:aws:appconfig:{self.region}:{self.account}:application/"
                         f"{application.application_id}/environment/{environment.environment_id}/"
                         f"configuration/{self.flags.configuration_profile_id}")
        for reader in readers:
            reader.allow(actions=["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"],
                         resources=[configuration])
            for variable, value in ((Env.APPCONFIG_APPLICATION, application.application_id),
                                    (Env.APPCONFIG_ENVIRONMENT, environment.environment_id),
                                    (Env.APPCONFIG_PROFILE, self.flags.configuration_profile_id)):
                reader.add_environment(variable, value)
