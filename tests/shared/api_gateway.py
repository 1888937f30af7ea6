"""``gateway`` and ``api``: the public API behind the local HTTP API gateway, over real HTTP."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ShikharTest")

from local import media_edge
from local.gateway import Gateway
from marketplace import media_urls, tokens
from public_api import agency_cards, exchange_rates
from public_api.config import reload_api_settings
from public_api.routers import neighborhoods


@pytest.fixture(scope="session")
def gateway(emulator):
    server = Gateway(port=int(os.environ["SHIKHAR_API_PORT"])).start()
    yield server
    server.stop()


@pytest.fixture
def api(platform, gateway) -> str:
    """The gateway's base URL, configured for this test's fresh platform."""
    reload_api_settings()
    tokens.reset()
    media_urls.reset()
    media_edge.reset()
    neighborhoods.clear_cache()
    exchange_rates.forget()
    agency_cards.forget()
    return gateway.url
