"""What the Lambda's environment names, fetched once per cold start (before SnapStart's snapshot).

The function's environment holds only names (``marketplace.deployment.backoffice_environment``): the
Parameter Store path infra fills (``/shikhar/<stage>/backoffice``: ``table``, ``raw-bucket``,
``user-pool-id``, ...), the parameter holding the CloudFront domain, and the Secrets Manager secrets
holding the Django signing key and the cursor key. Nothing secret is in the package or the function's
configuration.

In Lambda anything missing or unreadable stops the function at init with one log line
(``deployment.stop``): it never starts on local defaults. Off Lambda (the emulator, tests) the same
errors are raised as exceptions.
"""

from __future__ import annotations

import os

from botocore.exceptions import BotoCoreError, ClientError

from marketplace import pagination
from marketplace.aws import client
from marketplace.config import reload_settings
from marketplace.deployment import (
    BACKOFFICE_PARAMETERS,
    BACKOFFICE_SECRETS,
    Env,
    in_lambda,
    require_deployed,
    stop,
)


def start() -> None:
    """Check the environment, load the parameters and read every secret the back office needs."""
    require_deployed(Env.SSM_PATH, Env.CLOUDFRONT_DOMAIN_PARAMETER, *BACKOFFICE_SECRETS)
    load_parameters()
    pagination.read_key_at_init()


def load_parameters() -> None:
    """Copy the stage's parameters into the environment (existing variables win), then re-read the
    platform settings so every module sees them."""
    path = os.environ.get(Env.SSM_PATH)
    try:
        if path:
            pages = client("ssm").get_paginator("get_parameters_by_path").paginate(
                Path=path, Recursive=False, WithDecryption=True)
            for page in pages:
                for parameter in page["Parameters"]:
                    variable = BACKOFFICE_PARAMETERS.get(parameter["Name"].rsplit("/", 1)[-1])
                    if variable:
                        os.environ.setdefault(variable, parameter["Value"])
        domain_parameter = os.environ.get(Env.CLOUDFRONT_DOMAIN_PARAMETER)
        if domain_parameter and Env.STATIC_HOST not in os.environ:
            os.environ[Env.STATIC_HOST] = client("ssm").get_parameter(Name=domain_parameter)["Parameter"]["Value"]
    except (ClientError, BotoCoreError) as error:
        _refuse(f"cannot read the parameters under {path}: {error}")
    missing = [f"{path}/{name}" for name, variable in BACKOFFICE_PARAMETERS.items() if not os.environ.get(variable)]
    if path and missing:
        _refuse(f"parameters missing: {', '.join(missing)}")
    reload_settings()


def secret_key() -> str:
    secret_id = os.environ.get(Env.DJANGO_SECRET_ID)
    if not secret_id:
        _refuse(f"{Env.DJANGO_SECRET_ID} is not set: name the Secrets Manager secret that holds the Django "
                "signing key")
    try:
        return client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    except (ClientError, BotoCoreError) as error:
        _refuse(f"cannot read the Django signing key ({Env.DJANGO_SECRET_ID}={secret_id}): {error}")


def _refuse(message: str):
    if in_lambda():
        stop(message)
    raise RuntimeError(message)
