"""The route table is the one declaration: each function serves exactly the routes naming it."""

from __future__ import annotations

import re

import pytest

from public_api.function import include_routers, resolver
from public_api.routes import FUNCTIONS, ROUTERS, ROUTES, routers_of


def _served(function: str, *, production: bool) -> set[str]:
    app = include_routers(resolver(), routers_of(function, production=production))
    return {f"{r.method} {re.sub(r'<([^>]+)>', r'{\1}', r.path)}" for r in app._static_routes + app._dynamic_routes}


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("production", [False, True])
def test_each_function_serves_exactly_its_declared_routes(function, production):
    declared = {r.route_key for r in ROUTES if r.function == function and (r.documented or not production)}

    assert _served(function, production=production) == declared


def test_every_route_lies_under_its_router_s_mount_and_each_router_serves_one_function():
    for route in ROUTES:
        assert route.path.startswith(ROUTERS[route.router]), route.route_key
    functions_of = {router: {r.function for r in ROUTES if r.router == router} for router in ROUTERS}
    assert all(len(functions) == 1 for functions in functions_of.values())
