"""``make collectstatic STAGE=<stage>``: the back office's static files, collected with the production
settings and the stage's environment exactly as zappa_settings.json gives it to Lambda, land in the static
bucket that the stage's parameters name (against the emulator: parameters, secret and bucket)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from marketplace.aws import client
from marketplace.deployment import BACKOFFICE_PARAMETERS, BACKOFFICE_SECRETS, Env

REPO = Path(__file__).resolve().parents[1]


def test_collectstatic_uploads_the_static_files_to_the_stages_bucket(platform, emulator):
    # Given the dev stage's parameters and secrets as infra writes them, and its static bucket
    stage = json.loads((REPO / "zappa_settings.json").read_text())["dev"]["aws_environment_variables"]
    bucket = "shikhar-dev-static-123456789012-ap-south-1"
    client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    ssm = client("ssm")
    for name in BACKOFFICE_PARAMETERS:
        ssm.put_parameter(Name=f"{stage[Env.SSM_PATH]}/{name}", Type="String", Overwrite=True,
                          Value=bucket if name == "static-bucket" else f"dev-{name}")
    ssm.put_parameter(Name=stage[Env.CLOUDFRONT_DOMAIN_PARAMETER], Value="d1234.cloudfront.net",
                      Type="String", Overwrite=True)
    for variable in BACKOFFICE_SECRETS:
        client("secretsmanager").create_secret(Name=stage[variable], SecretString="k" * 64)

    # When the pipeline's target runs with nothing but AWS access in its environment
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                     "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION",
                                                     "AWS_ENDPOINT_URL") if key in os.environ}
    result = subprocess.run(["make", "--no-print-directory", "collectstatic", "STAGE=dev"], cwd=REPO, env=environment,
                            capture_output=True, text=True, timeout=300, check=False)

    # Then every static file is in the bucket under static/, where CloudFront serves /static/ from
    assert result.returncode == 0, result.stderr[-3000:]
    keys = [o["Key"] for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    local = [p.relative_to(REPO / "backoffice" / "static").as_posix()
             for p in (REPO / "backoffice" / "static").rglob("*") if p.is_file()]
    assert local and {f"static/{name}" for name in local} <= set(keys)
