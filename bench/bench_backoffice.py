"""Back office cold start, measured in fresh processes against the local emulator.

Prints: interpreter start (reference), ``import boto3`` (reference), ``django.setup()`` with production
settings (which fetch parameters and the signing key from the emulator's Parameter Store and Secrets
Manager), and the first request through ``zappa.handler.lambda_handler`` (process start to response).
Medians of 7 runs, the references measured in the same run. Also counts the DynamoDB calls the
moderation queue makes with 200 pending listings.

    .venv/bin/python bench/bench_backoffice.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.emulator import EMULATOR_ENV, Emulator, free_port

RUNS = 7
HOST = "backoffice.bench.shikhar.np"


def timed(command: list[str], environment: dict, stdin: str | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment, input=stdin, capture_output=True, text=True, check=True)
    return (time.perf_counter() - start) * 1000, done.stdout


def median_of(command, environment, stdin=None) -> float:
    return statistics.median(timed(command, environment, stdin)[0] for _ in range(RUNS))


def main() -> int:
    port = free_port()
    os.environ.update(EMULATOR_ENV)
    os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "SHIKHAR_PREFIX": "shikhar-bench"})
    emulator = Emulator(port=port).start()
    try:
        from local.provision import provision

        resources = provision()
        from local.provision import provision_backoffice_stage

        stage = json.loads((ROOT / "zappa_settings.json").read_text())["dev"]["aws_environment_variables"]
        provision_backoffice_stage(resources, stage="dev", cloudfront_domain=HOST)
        settings_dir = Path(tempfile.mkdtemp())
        subprocess.run([sys.executable, "-m", "zappa.cli", "save-python-settings-file", "dev", "-o",
                        str(settings_dir / "zappa_settings.py")], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parents[1])})
        keep = ("PATH", "HOME", *EMULATOR_ENV, "AWS_ENDPOINT_URL")
        environment = {**{k: os.environ[k] for k in keep if k in os.environ}, **stage, "PYTHONPATH": str(ROOT)}

        from tests.backoffice.lambda_child import v2

        interpreter = median_of([sys.executable, "-c", "pass"], environment)
        boto = median_of([sys.executable, "-c", "import boto3"], environment)
        setup_code = ("import os, time; t = time.perf_counter(); import django; "
                      "os.environ['DJANGO_SETTINGS_MODULE'] = 'backoffice.settings.production'; django.setup(); "
                      "print((time.perf_counter() - t) * 1000)")
        setup = statistics.median(float(timed([sys.executable, "-c", setup_code], environment)[1]) for _ in range(RUNS))
        first = [json.loads(timed([sys.executable, "-m", "tests.backoffice.lambda_child", str(settings_dir)],
                                  environment, json.dumps([v2("/login/", HOST)]))[1].strip().splitlines()[-1])
                 for _ in range(RUNS)]
        first_request = statistics.median(r["process_ms"] for r in first)
        handler_only = statistics.median(r["results"][0]["ms"] for r in first)
        assert all(r["results"][0]["status"] == 200 for r in first)

        print(f"interpreter start (reference)            {interpreter:7.0f} ms")
        print(f"import boto3 (reference)                 {boto:7.0f} ms")
        print(f"django.setup(), production settings      {setup:7.0f} ms  ({setup / boto:.1f}x import boto3; goal 600 ms)")
        print(f"first request via zappa handler, process {first_request:7.0f} ms  (goal 1500 ms)")
        print(f"  of which the first lambda_handler call {handler_only:7.0f} ms")
        print(f"  ratio first request / import boto3     {first_request / boto:7.1f}")
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
