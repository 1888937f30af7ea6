"""``dynamodb_calls``: DynamoDB round trips counted through botocore's events, so an N+1 fails a test."""

from __future__ import annotations

import json

import botocore.session
import pytest

from marketplace import aws
from marketplace.models import Item


class DynamoCalls:
    """Operations of every DynamoDB client made while the fixture is active."""

    def __init__(self):
        self.operations: list[str] = []
        self.requests: list[tuple[str, dict]] = []  # (operation, its request's body): what a call asked for

    def record(self, model, params, **_):
        self.operations.append(model.name)
        self.requests.append((model.name, json.loads(params.get("body") or b"{}")))

    def reset(self):
        self.operations.clear()
        self.requests.clear()

    def asked(self, operation: str, index: str) -> list[dict]:
        """The parameters of each ``operation`` call on ``index``."""
        return [p for name, p in self.requests if name == operation and p.get("IndexName") == index]

    def count(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in self.operations:
            counts[name] = counts.get(name, 0) + 1
        return counts


def _forget_clients() -> None:
    """Drop cached clients: boto3's, and PynamoDB's table connection (shared by every entity through
    ``Item`` unless an entity made its own), so the next ones made are counted."""
    aws.reset_clients()
    pending = [Item]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model is not Item and "_connection" in vars(model):
            delattr(model, "_connection")
    Item._connection = None


@pytest.fixture
def dynamodb_calls(monkeypatch):
    calls = DynamoCalls()
    original = botocore.session.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        made = original(self, service_name, *args, **kwargs)
        if service_name == "dynamodb":
            made.meta.events.register("before-call.dynamodb", calls.record)
        return made

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    _forget_clients()
    yield calls
    _forget_clients()
