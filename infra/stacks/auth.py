"""Stateful: the Cognito user pool (its users cannot be recreated), its groups and app clients; the identity
pool that gives guests of the buyers' web app AWS credentials scoped to one thing: sending real-user
monitoring events (CloudWatch RUM) to the stage's app monitor."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rum as rum
from constructs import Construct

from infra.config import StageConfig
from infra.nag import acknowledge
from marketplace.actors import Group
from marketplace.deployment import APPS_CLIENT, BACKOFFICE_CLIENT, AppClient, user_attribute_update_settings
from marketplace.tokens import pool_issuer, pool_jwks_url

_GROUP_DESCRIPTIONS = {
    Group.ADMINS: "Moderators and operators of the marketplace (TOTP MFA required by the back office)",
    Group.BROKERS: "Licensed brokers managing listings (TOTP MFA required by the back office)",
    Group.SELLERS: "Owners and developers: read-only view of their listings",
    Group.BUYERS: "Buyers: favorites, inquiries, premium subscription",
    Group.INVESTORS: "Investors: off-market and exclusive listings",
}
_PRECEDENCE = {group: rank for rank, group in enumerate(Group)}


class AuthStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        threat = config.threat_protection
        self.user_pool = cognito.UserPool(
            self, "Users", user_pool_name=f"{config.prefix}-users", self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True), sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True)),
            # Same policy as local provisioning: length over composition (NIST SP 800-63B).
            password_policy=cognito.PasswordPolicy(min_length=12, require_lowercase=True, require_uppercase=True,
                                                   require_digits=True, require_symbols=False,
                                                   temp_password_validity=Duration.days(3)),
            mfa=cognito.Mfa.OPTIONAL, mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS if threat else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(cognito.StandardThreatProtectionMode.FULL_FUNCTION if threat
                                             else None),
            deletion_protection=config.retain_data,
            removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY)
        # A new email takes effect only once verified (the L2 construct has no property for it).
        self.user_pool.node.default_child.add_property_override("UserAttributeUpdateSettings",
                                                                user_attribute_update_settings())
        for group in Group:
            cognito.CfnUserPoolGroup(self, f"Group{group.value.title()}", user_pool_id=self.user_pool.user_pool_id,
                                     group_name=group.value, description=_GROUP_DESCRIPTIONS[group],
                                     precedence=_PRECEDENCE[group])
        # The app clients exactly as declared (local provisioning creates them from the same properties).
        self.apps_client = self._client("AppsClient", APPS_CLIENT)
        self.backoffice_client = self._client("BackofficeClient", BACKOFFICE_CLIENT)
        self.issuer = pool_issuer(region=self.region, user_pool_id=self.user_pool.user_pool_id)
        self.jwks_url = pool_jwks_url(self.issuer)

        reasons = [
            ("AwsSolutions-COG1",
             ("12+ characters with mixed case and digits, no forced symbol: length over composition "
                       "(NIST SP 800-63B); the same policy as the local platform.")),
            ("AwsSolutions-COG2",
             ("MFA is optional in the pool because buyers may opt out; brokers and admins cannot reach "
                       "the back office without TOTP, which the back office enforces.")),
        ]
        if not threat:
            reasons.append(("AwsSolutions-COG8",
                            (f"The Plus feature plan (threat protection) is billed per MAU: prod only, not "
                            f"{config.name}.")))
            reasons.append(("AwsSolutions-COG3",
                            (f"Threat protection (Plus plan, billed per MAU) is on in prod only; "
                                      f"the {config.name} stage has no real customers.")))
        acknowledge(self.user_pool, *reasons)

        self._guest_access(config)

        for output, value, description in (
            ("IdentityPoolId", self.identity_pool.identity_pool_id, "Identity pool of the buyers' apps (guests)"),
            ("AppMonitorName", self.app_monitor.name, "CloudWatch RUM app monitor of the buyers' web app"),
            ("UserPoolId", self.user_pool.user_pool_id, "Cognito user pool"),
            ("AppsClientId", self.apps_client.user_pool_client_id, "App client of the buyers' apps"),
            ("BackofficeClientId", self.backoffice_client.user_pool_client_id, "App client of the back office"),
            ("JwksUrl", self.jwks_url, "Where tokens' signing keys are published"),
        ):
            CfnOutput(self, output, value=value, description=description)

    def _guest_access(self, config: StageConfig) -> None:
        """Guests (and signed-in buyers) of the web app get credentials for ``rum:PutRumEvents`` on this
        stage's app monitor and nothing else. Listing reads need no AWS credentials: the public routes of
        the HTTP API are open, throttled and behind WAF (dossier section 6, second option)."""
        self.identity_pool = identitypool.IdentityPool(
            self, "Guests", identity_pool_name=f"{config.prefix}-guests", allow_unauthenticated_identities=True,
            allow_classic_flow=False,  # the enhanced flow adds Cognito's scope-down policy for guests
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(user_pools=[
                identitypool.UserPoolAuthenticationProvider(user_pool=self.user_pool,
                                                            user_pool_client=self.apps_client)]))
        monitor_name = f"{config.prefix}-web"
        monitor_arn = f"arn:aws:rum:{self.region}:{self.account}:appmonitor/{monitor_name}"
        for role in (self.identity_pool.unauthenticated_role, self.identity_pool.authenticated_role):
            role.add_to_principal_policy(iam.PolicyStatement(actions=["rum:PutRumEvents"], resources=[monitor_arn]))
        self.app_monitor = rum.CfnAppMonitor(
            self, "WebMonitor", name=monitor_name, domain_list=[config.site_domain, f"*.{config.site_domain}"],
            cw_log_enabled=False, app_monitor_configuration=rum.CfnAppMonitor.AppMonitorConfigurationProperty(
                identity_pool_id=self.identity_pool.identity_pool_id,
                guest_role_arn=self.identity_pool.unauthenticated_role.role_arn,
                allow_cookies=False, enable_x_ray=False, session_sample_rate=0.1,
                telemetries=["performance", "errors", "http"]))
        acknowledge(self.identity_pool, ("AwsSolutions-COG7", (
            "Guest identities are the point of this pool (dossier section 4): their role may only send RUM "
            "events to this stage's app monitor; nothing else in the account is reachable with them.")))

    def _client(self, id: str, declared: AppClient) -> cognito.UserPoolClient:
        client = self.user_pool.add_client(id, user_pool_client_name=declared.name, disable_o_auth=True)
        resource = client.node.default_child
        for name, value in declared.properties().items():
            resource.add_property_override(name, value)
        return client
