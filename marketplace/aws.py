"""boto3 clients built once per process, pointed at the emulator when AWS_ENDPOINT_URL is set."""

from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config

from marketplace.config import settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str):
    cfg = settings()
    return boto3.session.Session().client(
        service, region_name=cfg.region, endpoint_url=cfg.endpoint_url, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests that change the endpoint between sessions)."""
    client.cache_clear()
