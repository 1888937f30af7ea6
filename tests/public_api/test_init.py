"""In Lambda, a public API function with an incomplete environment refuses to start, in one log line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.deployment import Env
from public_api.routes import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = {Env.STAGE: "dev", Env.TABLE: "shikhar-dev", Env.CURSOR_SECRET: "shikhar/dev/cursor-key",
            Env.LAMBDA_FUNCTION: "shikhar-dev-api-listings"}


def _start(module: str, environment: dict) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME") or k.startswith("AWS_")}
    return subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True,
                          env={**keep, **environment, "PYTHONPATH": str(ROOT)}, timeout=120, check=False)


@pytest.mark.parametrize("missing", [Env.STAGE, Env.CURSOR_SECRET])
def test_a_function_without_its_stage_or_cursor_secret_stops_at_init(missing):
    environment = {k: v for k, v in DEPLOYED.items() if k != missing}

    done = _start(FUNCTIONS["listings"], environment)

    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith("CONFIGURATION ERROR:") and str(missing) in line


def test_with_its_template_environment_the_function_starts():
    done = _start(FUNCTIONS["listings"], DEPLOYED)

    assert done.returncode == 0, done.stderr[-2000:]
