"""In Lambda, a public API function with an incomplete environment refuses to start, in one log line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.aws import client
from marketplace.deployment import Env
from public_api.routes import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
CURSOR_SECRET = "shikhar/dev/cursor-key"
DEPLOYED = {Env.STAGE: "dev", Env.TABLE: "shikhar-dev", Env.CURSOR_SECRET: CURSOR_SECRET,
            Env.LAMBDA_FUNCTION: "shikhar-dev-api-listings"}


@pytest.fixture(scope="module")
def cursor_secret(emulator):
    secrets = client("secretsmanager")
    try:
        secrets.create_secret(Name=CURSOR_SECRET, SecretString="a-cursor-key-of-the-dev-stage")
    except secrets.exceptions.ResourceExistsException:
        pass
    return CURSOR_SECRET


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


def test_with_its_template_environment_the_function_starts(cursor_secret):
    done = _start(FUNCTIONS["listings"], DEPLOYED)

    assert done.returncode == 0, done.stderr[-2000:]


def test_a_function_whose_cursor_secret_cannot_be_read_stops_at_init_not_at_a_request(cursor_secret):
    done = _start(FUNCTIONS["me"], {**DEPLOYED, Env.CURSOR_SECRET: "shikhar/dev/no-such-secret"})

    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith("CONFIGURATION ERROR: cannot read the cursor key") and "no-such-secret" in line
