"""What the templates say about settings the code also reads equals ``marketplace.deployment``: the
Cognito app clients, the edge's CSP, the back office's parameters, secrets and host handling."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from backoffice.cognito import SIGN_IN_FLOW
from infra.app import REPO
from infra.config import STAGE_NAMES, stage
from infra.stacks.edge import FORWARD_HOST
from infra.stage import ShikharStage
from marketplace.deployment import (
    APP_CLIENTS,
    BACKOFFICE_CLIENT,
    BACKOFFICE_PARAMETERS,
    CURSOR_SECRET,
    DJANGO_SECRET,
    ORIGIN_VERIFY_HEADER,
    ORIGIN_VERIFY_SECRET,
    SIGNING_KEY_SECRET,
    Env,
    backoffice_environment,
    backoffice_role_name,
    csp_header,
    site_csp,
    upload_cors_origins,
)
from public_api.routes import FUNCTIONS

pytestmark = pytest.mark.xdist_group("infra")
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # CloudFront's managed policy id


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_each_app_client_in_the_template_is_the_declared_one(synthesized, name):
    clients = {c["Properties"]["ClientName"]: c["Properties"]
               for c in synthesized.resources(name, "AWS::Cognito::UserPoolClient").values()}

    assert set(clients) == {declared.name for declared in APP_CLIENTS}
    for declared in APP_CLIENTS:
        properties = clients[declared.name]
        assert {key: properties.get(key) for key in declared.properties()} == declared.properties()
        assert properties["ExplicitAuthFlows"] == declared.explicit_auth_flows
        assert "AllowedOAuthFlows" not in properties and "CallbackURLs" not in properties


def test_the_back_office_signs_in_with_a_flow_its_client_allows_and_its_role_may_call(synthesized):
    (client,) = [c["Properties"] for c in synthesized.resources("dev", "AWS::Cognito::UserPoolClient").values()
                 if c["Properties"]["ClientName"] == BACKOFFICE_CLIENT.name]
    assert client["ExplicitAuthFlows"] == [f"ALLOW_{SIGN_IN_FLOW}", "ALLOW_REFRESH_TOKEN_AUTH"]
    actions = _role_actions(synthesized, "dev")
    assert {"cognito-idp:AdminInitiateAuth", "cognito-idp:AdminRespondToAuthChallenge"} <= actions


def _role_statements(synthesized, name: str) -> list[dict]:
    roles = synthesized.resources(name, "AWS::IAM::Role")
    (role_id,) = [rid.split("/")[1] for rid, r in roles.items()
                  if r["Properties"].get("RoleName") == backoffice_role_name(name)]
    return [statement for policy in synthesized.resources(name, "AWS::IAM::Policy").values()
            if {"Ref": role_id} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def _role_actions(synthesized, name: str) -> set[str]:
    actions = set()
    for statement in _role_statements(synthesized, name):
        actions.update([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    return actions


def _secret_logical_id(synthesized, name: str, secret: str) -> str:
    (logical_id,) = [rid.split("/")[1] for rid, r in synthesized.resources(name, "AWS::SecretsManager::Secret").items()
                     if r["Properties"]["Name"] == f"shikhar/{name}/{secret}"]
    return logical_id


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_back_office_role_reads_the_secrets_it_needs_at_start(synthesized, name):
    readable = [json.dumps(s["Resource"]) for s in _role_statements(synthesized, name)
                if "secretsmanager:GetSecretValue" in s["Action"]]
    for secret in (DJANGO_SECRET, CURSOR_SECRET, SIGNING_KEY_SECRET):
        logical_id = _secret_logical_id(synthesized, name, secret)
        assert any(logical_id in resource for resource in readable), f"no GetSecretValue on {secret}"


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_back_office_role_reads_its_parameters_and_the_signing_key_id_and_no_other(synthesized, name):
    environment = backoffice_environment(name)
    granted = {}
    for statement in _role_statements(synthesized, name):
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in (a for a in actions if a.startswith("ssm:")):
            granted.setdefault(action, set()).update(json.dumps(r).split(":parameter")[-1].rstrip('"]}')
                                                     for r in resources)

    assert granted == {
        "ssm:GetParametersByPath": {environment[Env.SSM_PATH]},
        "ssm:GetParameter": {environment[Env.CLOUDFRONT_DOMAIN_PARAMETER], environment[Env.CLOUDFRONT_KEY_ID_PARAMETER]},
    }


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_every_variable_a_stack_gives_a_function_or_the_canary_is_declared(synthesized, name):
    declared = {variable.value for variable in Env}
    given = {}
    for resource_id, function in synthesized.resources(name, "AWS::Lambda::Function").items():
        for variable in function["Properties"].get("Environment", {}).get("Variables", {}):
            given.setdefault(variable, resource_id)
    for resource_id, canary in synthesized.resources(name, "AWS::Synthetics::Canary").items():
        for variable in canary["Properties"]["RunConfig"].get("EnvironmentVariables", {}):
            given.setdefault(variable, resource_id)

    assert {Env.STAGE, Env.TABLE, Env.FUNCTION_TIMEOUT, Env.SYNTHETIC_API} <= set(given)
    undeclared = {variable: where for variable, where in given.items() if variable not in declared}
    assert not undeclared, f"not in marketplace.deployment.Env: {undeclared}"


def test_the_back_office_parameters_are_the_ones_it_reads(synthesized):
    names = {p["Properties"]["Name"] for p in synthesized.resources("dev", "AWS::SSM::Parameter").values()}
    published = {n.rsplit("/", 1)[1] for n in names if n.startswith("/shikhar/dev/backoffice/")}
    assert published == set(BACKOFFICE_PARAMETERS)


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_edge_csp_is_the_declared_policy_allowing_uploads_to_the_raw_bucket(synthesized, name):
    raw = f"shikhar-{name}-raw-uploads-{stage(name).account}-ap-south-1"
    documents = f"shikhar-{name}-documents-{stage(name).account}-ap-south-1"
    buckets = {b["Properties"].get("BucketName") for b in synthesized.resources(name, "AWS::S3::Bucket").values()}
    assert {raw, documents} <= buckets
    (policy,) = synthesized.resources(name, "AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]

    assert csp["Override"] is True
    assert csp["ContentSecurityPolicy"] == csp_header(site_csp(raw_bucket=raw, documents_bucket=documents,
                                                               region="ap-south-1"))
    directives = dict(d.split(" ", 1) for d in csp["ContentSecurityPolicy"].split("; "))
    assert f"https://{raw}.s3.ap-south-1.amazonaws.com" in directives["connect-src"].split()
    # Documents are posted by a plain form to their own bucket (no script talks to it)
    assert f"https://{documents}.s3.ap-south-1.amazonaws.com" in directives["form-action"].split()
    assert documents not in directives["connect-src"]


@pytest.fixture(scope="module")
def with_backoffice_origin(tmp_path_factory) -> Template:
    """The dev edge once the back office is deployed (its API Gateway domain known)."""
    flags = json.loads((REPO / "cdk.json").read_text())["context"]
    app = App(outdir=str(tmp_path_factory.mktemp("cdk.out")), context={**flags, "aws:cdk:bundling-stacks": []})
    config = replace(stage("dev"), backoffice_origin="a1b2c3d4e5.execute-api.ap-south-1.amazonaws.com")
    deployed = ShikharStage(app, config=config, nag=False)
    return Template.from_stack(deployed.edge)


def test_the_back_office_behaviour_passes_the_viewers_host_as_x_forwarded_host(with_backoffice_origin):
    template = with_backoffice_origin
    (distribution,) = template.find_resources("AWS::CloudFront::Distribution").values()
    default = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    functions = template.find_resources("AWS::CloudFront::Function")
    (association,) = default["FunctionAssociations"]
    (function_id,) = [fid for fid in functions if fid in json.dumps(association["FunctionARN"])]

    assert default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert association["EventType"] == "viewer-request"
    assert functions[function_id]["Properties"]["FunctionCode"] == FORWARD_HOST


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function's code")
def test_the_forward_host_function_copies_the_viewers_host():
    event = {"request": {"uri": "/login/", "headers": {"host": {"value": "d111.cloudfront.net"},
                                                        "x-forwarded-host": {"value": "evil.example"}}}}
    script = f"{FORWARD_HOST}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));"

    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=60)

    headers = json.loads(done.stdout)["headers"]
    assert headers["x-forwarded-host"] == {"value": "d111.cloudfront.net"}
    assert headers["host"] == {"value": "d111.cloudfront.net"}


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_raw_bucket_accepts_browser_uploads_from_the_back_office_on_cloudfront(synthesized, name):
    raw = f"shikhar-{name}-raw-uploads-{stage(name).account}-ap-south-1"
    (bucket,) = [b for b in synthesized.resources(name, "AWS::S3::Bucket").values()
                 if b["Properties"].get("BucketName") == raw]

    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]

    assert rule["AllowedOrigins"] == upload_cors_origins(site_origins=stage(name).allowed_origins)
    assert "https://*.cloudfront.net" in rule["AllowedOrigins"] and "POST" in rule["AllowedMethods"]


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_cloudfront_sends_the_api_the_origin_secret_every_api_function_checks(synthesized, name):
    secret_id = _secret_logical_id(synthesized, name, ORIGIN_VERIFY_SECRET)
    (distribution,) = synthesized.resources(name, "AWS::CloudFront::Distribution").values()
    origins = distribution["Properties"]["DistributionConfig"]["Origins"]
    (api_origin,) = [o for o in origins if "execute-api" in json.dumps(o["DomainName"])
                     or "ApiEndpoint" in json.dumps(o["DomainName"])]
    headers = {h["HeaderName"]: json.dumps(h["HeaderValue"]) for h in api_origin["OriginCustomHeaders"]}

    # The header's value is a dynamic reference to the secret (resolved by CloudFormation, never in the template)
    assert set(headers) == {ORIGIN_VERIFY_HEADER}
    assert "{{resolve:secretsmanager:" in headers[ORIGIN_VERIFY_HEADER] and secret_id in headers[ORIGIN_VERIFY_HEADER]
    route_handlers = {f"{module}.handler" for module in FUNCTIONS.values()}
    api_functions = [f["Properties"] for f in synthesized.resources(name, "AWS::Lambda::Function").values()
                     if f["Properties"].get("Handler") in route_handlers]
    assert len(api_functions) == len(FUNCTIONS)
    for function in api_functions:
        assert secret_id in json.dumps(function["Environment"]["Variables"][Env.ORIGIN_VERIFY_SECRET])
