"""A stalled table costs a bounded, known number of attempts, each with short timeouts that fit the
function's own timeout: for PynamoDB and boto3 alike, from one budget."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from marketplace.aws import client
from marketplace.config import CallBudget, settings
from marketplace.table import Item

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from marketplace.errors import is_outage
from marketplace.models import Listing
try:
    Listing.get(*Listing.key("stalled"))
except Exception as error:
    print(json.dumps({"outage": is_outage(error), "error": type(error).__name__}))
"""


@pytest.fixture
def stalled_endpoint():
    """A server that accepts connections and never answers; counts the connections (attempts)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    stop.set()
    thread.join(5)
    for connection in accepted:
        connection.close()
    server.close()


@pytest.mark.parametrize("function_timeout", [10, 30])
def test_every_budget_fits_its_function(function_timeout):
    budget = CallBudget.for_timeout(function_timeout)
    assert budget.worst_case_seconds <= 0.7 * function_timeout
    assert budget.attempts >= 2  # one retry at least, for a dropped connection


def test_pynamodb_and_boto3_use_the_same_budget():
    budget = settings().call_budget
    for botocore_client in (Item._get_connection().connection.client, client("dynamodb")):
        config = botocore_client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (budget.connect_seconds, budget.read_seconds)
        assert config.retries["total_max_attempts"] == budget.attempts


def test_every_entity_shares_the_tables_one_client():
    # Given a process whose first table call is an entity's, not the base's (as a function's first read)
    script = ("from marketplace.models import Listing, Media; from marketplace.table import Item; "
              "first = Listing._get_connection(); "
              "print(first is Item._get_connection() is Media._get_connection())")

    # When it asks each model for its connection
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=True)

    # Then it is the same one (one botocore client: the budget, the hooks and one cold-start cost)
    assert result.stdout.strip() == "True"


def test_a_stalled_table_gives_up_after_the_budgets_attempts_as_an_outage(stalled_endpoint):
    # Given an API function (10 s) whose table stops answering
    url, accepted = stalled_endpoint
    environment = {**os.environ, "AWS_ENDPOINT_URL": url, "SHIKHAR_FUNCTION_TIMEOUT": "10"}

    # When it reads a listing (the hang guard is far above the budget, far below PynamoDB's defaults)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60, check=True)

    # Then it tried as often as the budget says and reports an outage (a 503, not a 500)
    assert json.loads(result.stdout.strip().splitlines()[-1])["outage"] is True
    assert len(accepted) == CallBudget.for_timeout(10).attempts
