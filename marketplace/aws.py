"""boto3 clients built once per process, pointed at the emulator when AWS_ENDPOINT_URL is set."""

from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config

from marketplace.config import settings


def client_config() -> Config:
    """Timeouts and retries from the function's budget (``Settings.call_budget``), as the table's
    PynamoDB connection has them (``marketplace.table.Item.Meta``)."""
    budget = settings().call_budget
    return Config(retries={"mode": "standard", "total_max_attempts": budget.attempts},
                  connect_timeout=budget.connect_seconds, read_timeout=budget.read_seconds)


@cache
def client(service: str):
    cfg = settings()
    return boto3.session.Session().client(
        service, region_name=cfg.region, endpoint_url=cfg.endpoint_url, config=client_config())


def reset_clients() -> None:
    """Forget cached clients (tests that change the endpoint between sessions)."""
    client.cache_clear()
