"""Test platform: one moto server over real HTTP per test process, reset before each test.

The environment is set here, before any project module is imported, so every client and model
points at the emulator. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os

from local.emulator import EMULATOR_ENV, Emulator, Snapshot, free_port
from local.media_edge import edge_url

_PORT = free_port()
os.environ.update(EMULATOR_ENV)
os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{_PORT}"
# The gateway (and the media edge it serves) gets its port now, so provisioning knows the media URL.
os.environ["SHIKHAR_API_PORT"] = str(free_port())
os.environ["SHIKHAR_PREFIX"] = "shikhar-test"
os.environ["SHIKHAR_ENV"] = "test"
os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
# What provisioning publishes, known before the back office's settings read it (its CSP's img-src).
os.environ["SHIKHAR_PUBLIC_MEDIA_URL"] = f"{edge_url()}/media"
for _name in ("SHIKHAR_TABLE", "SHIKHAR_USER_POOL_ID", "SHIKHAR_USER_POOL_CLIENT_ID", "SHIKHAR_JWKS_URL"):
    os.environ.pop(_name, None)

import pytest

from local.provision import Resources, provision, provision_table
from marketplace.config import reload_settings

# Fixtures more than one part of the suite uses: round-trip counting, the public API's local gateway, and
# the browser (one per worker process: Playwright's sync API cannot run two at once in one thread).
from tests.backoffice.browsing import browser, chromium_path, context  # noqa: F401
from tests.shared.api_gateway import api, gateway  # noqa: F401
from tests.shared.dynamodb_calls import dynamodb_calls  # noqa: F401
from tests.shared.outage import search_bucket_outage, table_outage  # noqa: F401


@pytest.fixture(scope="session")
def emulator():
    server = Emulator(port=_PORT).start()
    yield server
    server.stop()


@pytest.fixture
def table(emulator):
    """A fresh, empty table (and nothing else): for domain tests."""
    emulator.reset()
    provision_table()
    yield


@pytest.fixture(scope="session")
def _provisioned(emulator) -> tuple[Resources, Snapshot]:
    emulator.reset()
    resources = provision()
    return resources, emulator.snapshot()


@pytest.fixture
def platform(emulator, _provisioned) -> Resources:
    """Every resource the code uses, fresh: table, buckets, bus, queues, topic, user pool. Provisioned once
    per test process; each test starts from the emulator's copy of that moment."""
    resources, snapshot = _provisioned
    emulator.restore(snapshot)
    os.environ.update(resources.environment())
    reload_settings()
    yield resources
