"""Every Lambda function of the templates checks, at init, the environment its stack declared: the stage and
each variable the stack gave it (``Env.REQUIRED``). One missing stops the function with one log line."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from infra.app import REPO
from marketplace.deployment import Env
from media_pipeline import sweep

pytestmark = pytest.mark.xdist_group("infra")


def _functions(synthesized, stage: str) -> dict[str, dict]:
    return {resource_id: resource["Properties"]
            for resource_id, resource in synthesized.resources(stage, "AWS::Lambda::Function").items()
            if "Environment" in resource["Properties"]}


def test_each_function_requires_every_variable_its_stack_gives_it(synthesized):
    functions = _functions(synthesized, "dev")

    assert len(functions) >= 14
    for resource_id, properties in functions.items():
        variables = properties["Environment"]["Variables"]
        required = variables[Env.REQUIRED].split(",")
        assert sorted(required) == sorted(name for name in variables if name != Env.REQUIRED), resource_id
        assert Env.STAGE in required and Env.TABLE in required, resource_id


def _values(variables: dict, *, leave_out: str = "") -> dict[str, str]:
    """The template's values where they are plain strings; a stand-in where AWS fills them in at deploy
    (the check runs before anything uses them)."""
    return {name: value if isinstance(value, str) else "declared" for name, value in variables.items()
            if name != leave_out}


def _start(handler: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    module = handler.rsplit(".", 1)[0]
    lambda_environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "AWS_REGION": "ap-south-1",
                          "AWS_DEFAULT_REGION": "ap-south-1", "_HANDLER": handler,
                          Env.LAMBDA_FUNCTION: "shikhar-dev-function", **environment}
    return subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True,
                          env=lambda_environment, timeout=120, check=False)


def test_a_function_missing_a_variable_its_stack_declared_stops_at_init_in_one_line(synthesized):
    """Each handler of the templates (media steps, event consumers, scheduled and API functions), started
    as Lambda starts it with the variable only some functions have taken away (or the table)."""
    functions = _functions(synthesized, "dev")
    by_handler = {properties["Handler"]: properties["Environment"]["Variables"] for properties in functions.values()}
    shared = set.intersection(*(set(variables) for variables in by_handler.values()))
    for handler, variables in sorted(by_handler.items()):
        missing = next((name for name in sorted(variables) if name not in shared), Env.TABLE)
        environment = _values(variables, leave_out=missing)

        done = _start(handler, environment)

        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 1 and len(lines) == 1, f"{handler}: {done.stderr[-1500:]}"
        assert lines[0].startswith("CONFIGURATION ERROR:") and missing in lines[0], f"{handler}: {lines[0]}"


def test_with_every_declared_variable_the_check_lets_the_function_start(synthesized):
    """The same check passes when nothing is missing (the media sweep: it reads nothing at import)."""
    handler = f"{sweep.handler.__module__}.{sweep.handler.__name__}"
    (variables,) = [p["Environment"]["Variables"] for p in _functions(synthesized, "dev").values()
                    if p["Handler"] == handler]
    done = _start(handler, _values(variables))

    assert done.returncode == 0, done.stderr[-2000:]


def test_every_handler_string_of_the_templates_names_a_function_of_the_code(synthesized):
    for properties in _functions(synthesized, "dev").values():
        module, _, name = properties["Handler"].rpartition(".")

        handler = getattr(importlib.import_module(module), name, None)

        assert callable(handler), properties["Handler"]
