"""What the Lambda's environment names, fetched once per cold start (before SnapStart's snapshot).

The function's environment holds only names: ``SHIKHAR_SSM_PATH`` (a Parameter Store path whose
parameters are the platform's settings, e.g. ``<path>/SHIKHAR_USER_POOL_ID``) and
``SHIKHAR_DJANGO_SECRET_ID`` (the Secrets Manager secret holding the Django signing key).
Nothing secret is ever in the package or the function configuration.
"""

from __future__ import annotations

import os

from marketplace.aws import client
from marketplace.config import reload_settings


def load_parameters() -> None:
    """Copy the stage's parameters into the environment (existing variables win), then re-read the
    platform settings so every module sees them."""
    path = os.environ.get("SHIKHAR_SSM_PATH")
    if path:
        pages = client("ssm").get_paginator("get_parameters_by_path").paginate(
            Path=path, Recursive=False, WithDecryption=True)
        for page in pages:
            for parameter in page["Parameters"]:
                os.environ.setdefault(parameter["Name"].rsplit("/", 1)[-1], parameter["Value"])
    reload_settings()


def secret_key() -> str:
    secret_id = os.environ.get("SHIKHAR_DJANGO_SECRET_ID")
    if not secret_id:
        raise RuntimeError("SHIKHAR_DJANGO_SECRET_ID is not set: name the Secrets Manager secret that "
                           "holds the Django signing key")
    return client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
