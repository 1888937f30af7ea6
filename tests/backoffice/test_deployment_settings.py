"""The back office reads what infra publishes by the names ``marketplace.deployment`` declares, and
sends the same Content-Security-Policy as the edge."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.test import Client

from infra.config import STAGE_NAMES
from marketplace.config import settings
from marketplace.deployment import (
    BACKOFFICE_TIMEOUT_SECONDS,
    CLOUDFRONT_KEY_ID,
    SIGNING_KEY_SECRET,
    Env,
    backoffice_environment,
    backoffice_function_name,
    backoffice_role_name,
    csp_header,
    parameter,
    secret_name,
    site_csp,
)

ROOT = Path(__file__).resolve().parents[2]


def test_zappa_settings_give_each_stage_the_declared_environment_role_and_function_name():
    zappa = json.loads((ROOT / "zappa_settings.json").read_text())

    assert set(zappa) == {"base", *STAGE_NAMES}
    for stage in STAGE_NAMES:
        assert zappa[stage]["aws_environment_variables"] == backoffice_environment(stage), (
            f"zappa_settings.json {stage}.aws_environment_variables must be "
            f"{json.dumps(backoffice_environment(stage))}")
        assert zappa[stage]["role_arn"].endswith(f":role/{backoffice_role_name(stage)}")
        assert f"{zappa['base']['project_name']}-{stage}" == backoffice_function_name(stage)
    # Nothing in the package's own environment may shadow a stage's names
    assert not set(zappa["base"]["environment_variables"]) & set(backoffice_environment("dev"))


def test_the_back_office_budgets_its_aws_calls_from_the_timeout_zappa_deploys_it_with():
    zappa = json.loads((ROOT / "zappa_settings.json").read_text())

    assert zappa["base"]["timeout_seconds"] == BACKOFFICE_TIMEOUT_SECONDS
    for stage in STAGE_NAMES:
        assert zappa[stage].get("timeout_seconds", BACKOFFICE_TIMEOUT_SECONDS) == BACKOFFICE_TIMEOUT_SECONDS
        variables = zappa[stage]["aws_environment_variables"]
        assert variables[Env.FUNCTION_TIMEOUT] == str(BACKOFFICE_TIMEOUT_SECONDS)
        # CloudFront appends the visitor's address: sign-in limits count it, not CloudFront's
        assert variables[Env.PROXY_HOPS] == "1"
        # Premium previews are signed with the key infra stores (missing names would lock them for good)
        assert variables[Env.CLOUDFRONT_KEY_SECRET] == secret_name(stage, SIGNING_KEY_SECRET)
        assert variables[Env.CLOUDFRONT_KEY_ID_PARAMETER] == parameter(stage, CLOUDFRONT_KEY_ID)


def test_pages_carry_the_declared_policy_with_the_raw_bucket_as_an_upload_origin(platform):
    endpoint = os.environ["AWS_ENDPOINT_URL"]

    response = Client().get("/login/")

    # Images and video come from the local media edge (the public media URL), as from CloudFront in AWS.
    media = os.environ["SHIKHAR_PUBLIC_MEDIA_URL"]
    assert response["Content-Security-Policy"] == csp_header(site_csp(
        raw_bucket=platform.raw_bucket, documents_bucket=settings().documents_bucket, region="ap-south-1",
        endpoint_url=endpoint, media_urls=(media, endpoint)))
    assert f"connect-src 'self' {endpoint};" in response["Content-Security-Policy"]
