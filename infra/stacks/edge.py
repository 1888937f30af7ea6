"""The edge: the WAF web ACL (CloudFront scope, so in us-east-1) and the CloudFront distribution with
origin access control to the buckets, behaviours /static, /media, /premium and /api, a trusted key
group for premium signed URLs, security headers, HTTP/3 and compression."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration, Fn, SecretValue, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.components.buckets import LogBucket, bucket_name
from infra.config import StageConfig
from infra.edge_headers import HSTS_SECONDS
from infra.nag import acknowledge
from infra.parameters import CLOUDFRONT_DOMAIN, CLOUDFRONT_KEY_ID, parameter
from infra.stacks.api import ApiStack
from infra.stacks.data import DataStack, removal_policy
from marketplace.deployment import FORWARDED_HOST_HEADER, ORIGIN_VERIFY_HEADER, csp_header, site_csp

KEYS = Path(__file__).resolve().parents[1] / "keys"
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet",
                       "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList")

# The first path segment says which origin; the function removes it, so objects keep plain keys
# (``<listing>/<media>/w1024.webp``) and the API keeps its ``/v1/...`` routes.
STRIP_PREFIX = """function handler(event) {
  var request = event.request;
  var rest = request.uri.replace(/^\\/[^\\/]+/, '');
  request.uri = rest === '' ? '/' : rest;
  return request;
}"""

# The back office's origin (API Gateway) only answers to its own Host, so CloudFront sends that one; the
# viewer's Host travels in X-Forwarded-Host, which Django reads (marketplace.deployment).
FORWARD_HOST = """function handler(event) {
  var request = event.request;
  request.headers['HEADER'] = {value: request.headers.host.value};
  return request;
}""".replace("HEADER", FORWARDED_HOST_HEADER.lower())


def edge_csp(config: StageConfig, *, account: str, region: str) -> str:
    """The Content-Security-Policy the edge sends on every response, from the one policy the back office
    also sends: uploads go straight to the raw bucket, documents to theirs; media come from this
    distribution."""
    raw = bucket_name(prefix=config.prefix, purpose="raw-uploads", account=account, region=region)
    documents = bucket_name(prefix=config.prefix, purpose="documents", account=account, region=region)
    return csp_header(site_csp(raw_bucket=raw, documents_bucket=documents, region=region))


def _metric(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(cloud_watch_metrics_enabled=True, metric_name=name,
                                                    sampled_requests_enabled=True)


class WafStack(Stack):
    """CloudFront-scoped web ACLs must be created in us-east-1."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        rules = [wafv2.CfnWebACL.RuleProperty(
            name=group, priority=priority, override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(managed_rule_group_statement=(
                wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(vendor_name="AWS", name=group))),
            visibility_config=_metric(group)) for priority, group in enumerate(MANAGED_RULE_GROUPS)]
        rules.append(wafv2.CfnWebACL.RuleProperty(
            name="rate-per-ip", priority=len(rules), action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=(
                wafv2.CfnWebACL.RateBasedStatementProperty(limit=config.waf_rate_limit, aggregate_key_type="IP",
                                                           evaluation_window_sec=300))),
            visibility_config=_metric("rate-per-ip")))
        self.web_acl = wafv2.CfnWebACL(
            self, "WebAcl", name=f"{config.prefix}-edge", scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}), rules=rules,
            visibility_config=_metric(f"{config.prefix}-edge"))


class EdgeStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, api: ApiStack,
                 web_acl_arn: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)

        def imported(purpose: str) -> s3.IBucket:
            # Imported by name: the bucket policy allowing OAC lives with the bucket (data stack).
            return s3.Bucket.from_bucket_attributes(self, f"{purpose.title().replace('-', '')}Origin",
                                                    bucket_name=bucket_name(prefix=config.prefix, purpose=purpose,
                                                                            account=self.account, region=self.region),
                                                    encryption_key=data.keys.media)

        oac = cloudfront.S3OriginAccessControl(self, "OriginAccess", description="Shikhar media and static buckets",
                                               signing=cloudfront.Signing.SIGV4_ALWAYS)

        bucket_origins: dict[str, cloudfront.IOrigin] = {}

        def s3_origin(purpose: str) -> cloudfront.IOrigin:
            if purpose not in bucket_origins:
                bucket_origins[purpose] = origins.S3BucketOrigin.with_origin_access_control(
                    imported(purpose), origin_access_control=oac)
            return bucket_origins[purpose]

        strip = cloudfront.Function(self, "StripPrefix", code=cloudfront.FunctionCode.from_inline(STRIP_PREFIX),
                                    runtime=cloudfront.FunctionRuntime.JS_2_0,
                                    comment="Drop the routing segment (/media, /premium, /static, /api)")
        associations = [cloudfront.FunctionAssociation(function=strip,
                                                       event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)]
        headers = cloudfront.ResponseHeadersPolicy(
            self, "SecurityHeaders", response_headers_policy_name=f"{config.prefix}-security-headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(HSTS_SECONDS), include_subdomains=True, override=True),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=edge_csp(config, account=self.account, region=self.region),
                    override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True)))

        public_key = cloudfront.PublicKey(self, "SigningPublicKey", encoded_key=(KEYS / f"{config.key_stage}.pem").read_text(),
                                          comment=f"Premium media signed URLs ({config.name})")
        self.key_group = cloudfront.KeyGroup(self, "PremiumSigners", items=[public_key],
                                             comment="Who may sign premium media URLs")

        def media(purpose: str, *, signed: bool = False) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=s3_origin(purpose), viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED, compress=True,
                response_headers_policy=headers, function_associations=associations,
                trusted_key_groups=[self.key_group] if signed else None)

        # The API serves only requests carrying the origin secret (public_api.origin): a call to the HTTP
        # API's own address would bypass the WAF. CloudFormation reads the secret when this stack deploys;
        # ``-c originVerifyVersion=<version id>`` pins a new value after a rotation (docs/runbooks/origin-secret.md).
        origin_secret = SecretValue.secrets_manager(
            data.secrets.origin_verify.secret_arn, version_id=self.node.try_get_context("originVerifyVersion"))
        api_origin = origins.HttpOrigin(Fn.select(2, Fn.split("/", api.api.api_endpoint)),
                                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                                        custom_headers={ORIGIN_VERIFY_HEADER: origin_secret.unsafe_unwrap()})
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin, viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers, function_associations=associations, compress=True)
        if config.backoffice_origin:
            forward_host = cloudfront.Function(
                self, "ForwardHost", code=cloudfront.FunctionCode.from_inline(FORWARD_HOST),
                runtime=cloudfront.FunctionRuntime.JS_2_0,
                comment="The viewer's Host to the back office as X-Forwarded-Host")
            default = cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(config.backoffice_origin), allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
                function_associations=[cloudfront.FunctionAssociation(
                    function=forward_host, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)])
        else:
            default = media("static")

        logs = LogBucket(self, "CdnLogs", removal_policy=removal_policy(config), retention_days=90,
                         bucket_name=bucket_name(prefix=config.prefix, purpose="cdn-logs", account=self.account,
                                                 region=self.region))
        # CloudFront standard logs are written with an ACL: this one bucket must accept object writers' ACLs.
        logs.bucket.node.default_child.add_property_override(
            "OwnershipControls.Rules", [{"ObjectOwnership": "BucketOwnerPreferred"}])
        self.distribution = cloudfront.Distribution(
            self, "Distribution", comment=f"Shikhar {config.name}", default_behavior=default,
            additional_behaviors={
                "/static/*": media("static"),
                "/media/*": media("public-media"),
                "/premium/*": media("premium-media", signed=True),
                "/api/*": api_behavior,
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3, price_class=cloudfront.PriceClass.PRICE_CLASS_200,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021, web_acl_id=web_acl_arn,
            enable_logging=True, log_bucket=logs.bucket, log_file_prefix="cloudfront/", enable_ipv6=True)

        ssm.StringParameter(self, "DomainParameter", parameter_name=parameter(config, CLOUDFRONT_DOMAIN),
                            string_value=self.distribution.distribution_domain_name,
                            description="CloudFront domain serving /static, /media, /premium and /api")
        ssm.StringParameter(self, "KeyIdParameter", parameter_name=parameter(config, CLOUDFRONT_KEY_ID),
                            string_value=public_key.public_key_id,
                            description="CloudFront public key id that premium signed URLs name")
        acknowledge(logs.bucket, *[("AwsSolutions-S1", "This is the CloudFront log destination; logging it into itself would loop.")])
        acknowledge(self.distribution, *[
            ("AwsSolutions-CFR1", "No geo restriction: buyers and investors include the Nepali diaspora worldwide."),
            ("AwsSolutions-CFR4", ("The stage has no custom domain yet; the default *.cloudfront.net certificate cannot "
                       "enforce TLS 1.2, which applies as soon as a certificate is configured.")),
        ])
        self.domain_name = self.distribution.distribution_domain_name
        CfnOutput(self, "DistributionDomain", value=self.distribution.distribution_domain_name,
                  description="CloudFront domain")
        CfnOutput(self, "DistributionId", value=self.distribution.distribution_id, description="CloudFront id")
        CfnOutput(self, "SigningPublicKeyId", value=public_key.public_key_id,
                  description="Key id for premium signed URLs")
