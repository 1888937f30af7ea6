"""Names of the SSM parameters and secrets the stacks publish for code to read at run time.

Names, not references: a reader only needs the name, so no stack depends on the one that writes it
(the edge stack writes the CloudFront key id that the API stack's functions read).
"""

from __future__ import annotations

from infra.config import StageConfig


def stage_parameter(stage: str, name: str = "") -> str:
    """By stage name, for tools that run outside the CDK app (``python -m ops failover``)."""
    return f"/shikhar/{stage}/{name}"


def parameter_path(config: StageConfig) -> str:
    return stage_parameter(config.name)


def parameter(config: StageConfig, name: str) -> str:
    return stage_parameter(config.name, name)


def secret_name(config: StageConfig, name: str) -> str:
    return f"shikhar/{config.name}/{name}"


# The parameters and what they hold (docs/infrastructure.md lists them with the outputs).
CLOUDFRONT_DOMAIN = "cloudfront/domain"
CLOUDFRONT_KEY_ID = "cloudfront/public-key-id"
SIGNING_KEY_SECRET = "cloudfront-signing-key"
DJANGO_SECRET = "django-secret-key"
CANARY_SECRET = "canary-user"
CURSOR_SECRET = "cursor-key"
BACKOFFICE_PARAMETERS = "backoffice"  # the back office reads its resource names under this path
ACTIVE_REGION = "active-region"  # written by ``python -m ops failover --apply`` in the DR region
