"""``gateway`` and ``api``: the public API behind the local HTTP API gateway, over real HTTP."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ShikharTest")

from local.gateway import Gateway  # noqa: E402
from public_api import media, tokens  # noqa: E402
from public_api.config import reload_api_settings  # noqa: E402
from public_api.routers import neighborhoods  # noqa: E402


@pytest.fixture(scope="session")
def gateway(emulator):
    server = Gateway(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def api(platform, gateway) -> str:
    """The gateway's base URL, configured for this test's fresh platform."""
    reload_api_settings()
    tokens.reset()
    media.reset()
    neighborhoods.clear_cache()
    return gateway.url
