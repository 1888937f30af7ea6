"""Names of the SSM parameters and secrets the stacks publish for code to read at run time, for a stage.

The names themselves are declared in ``marketplace.deployment`` (the code reads them from there too).
Names, not references: a reader only needs the name, so no stack depends on the one that writes it
(the edge stack writes the CloudFront key id that the API stack's functions read).
"""

from __future__ import annotations

from infra.config import StageConfig
from marketplace import deployment
from marketplace.deployment import (  # noqa: F401 - the stacks import the names from here
    CANARY_SECRET,
    CLOUDFRONT_DOMAIN,
    CLOUDFRONT_KEY_ID,
    CURSOR_SECRET,
    DJANGO_SECRET,
    ESEWA_SECRET,
    KHALTI_SECRET,
    ORIGIN_VERIFY_SECRET,
    SIGNING_KEY_SECRET,
)


def stage_parameter(stage: str, name: str = "") -> str:
    """By stage name, for tools that run outside the CDK app (``python -m ops failover``)."""
    return deployment.parameter(stage, name)


def parameter_path(config: StageConfig) -> str:
    return deployment.parameter_path(config.name)


def parameter(config: StageConfig, name: str) -> str:
    return deployment.parameter(config.name, name)


def secret_name(config: StageConfig, name: str) -> str:
    return deployment.secret_name(config.name, name)


ACTIVE_REGION = "active-region"  # written by ``python -m ops failover --apply`` in the DR region
