"""What the Lambda's environment names, fetched once per cold start (before SnapStart's snapshot).

The function's environment holds only names: ``SHIKHAR_SSM_PATH`` (the Parameter Store path infra
fills, ``/shikhar/<stage>/backoffice``: ``table``, ``raw-bucket``, ``user-pool-id``, ...),
``SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER`` (where static files are served from) and
``SHIKHAR_DJANGO_SECRET_ID`` (the Secrets Manager secret holding the Django signing key).
Nothing secret is ever in the package or the function configuration.
"""

from __future__ import annotations

import os

from marketplace.aws import client
from marketplace.config import reload_settings

# Parameter (as infra names it under the stage's path) -> the environment variable the code reads.
PARAMETERS = {
    "table": "SHIKHAR_TABLE", "raw-bucket": "SHIKHAR_RAW_BUCKET", "public-bucket": "SHIKHAR_PUBLIC_BUCKET",
    "premium-bucket": "SHIKHAR_PREMIUM_BUCKET", "static-bucket": "SHIKHAR_STATIC_BUCKET",
    "event-bus": "SHIKHAR_EVENT_BUS", "user-pool-id": "SHIKHAR_USER_POOL_ID",
    "user-pool-client-id": "SHIKHAR_USER_POOL_CLIENT_ID", "jwks-url": "SHIKHAR_JWKS_URL",
}


def load_parameters() -> None:
    """Copy the stage's parameters into the environment (existing variables win), then re-read the
    platform settings so every module sees them."""
    path = os.environ.get("SHIKHAR_SSM_PATH")
    if path:
        pages = client("ssm").get_paginator("get_parameters_by_path").paginate(
            Path=path, Recursive=False, WithDecryption=True)
        for page in pages:
            for parameter in page["Parameters"]:
                variable = PARAMETERS.get(parameter["Name"].rsplit("/", 1)[-1])
                if variable:
                    os.environ.setdefault(variable, parameter["Value"])
    domain_parameter = os.environ.get("SHIKHAR_CLOUDFRONT_DOMAIN_PARAMETER")
    if domain_parameter and "SHIKHAR_STATIC_HOST" not in os.environ:
        os.environ["SHIKHAR_STATIC_HOST"] = client("ssm").get_parameter(Name=domain_parameter)["Parameter"]["Value"]
    reload_settings()


def secret_key() -> str:
    secret_id = os.environ.get("SHIKHAR_DJANGO_SECRET_ID")
    if not secret_id:
        raise RuntimeError("SHIKHAR_DJANGO_SECRET_ID is not set: name the Secrets Manager secret that "
                           "holds the Django signing key")
    return client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
