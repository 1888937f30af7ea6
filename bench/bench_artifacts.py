"""What goes to AWS, measured from the built artifacts: sizes and cold starts.

``python bench/bench_artifacts.py`` prints the figures recorded in bench/RESULTS.md ("Deployed artifacts").
It synthesizes with bundling (layers from .cache/build) and packages the back office first.

1. Sizes: per function of the prod stage, its code asset and each layer, zipped (deflate, as CDK uploads
   them) and unzipped, and the function's unzipped total against Lambda's 250 MB limit (code + layers);
   the back office's Zappa zip likewise.
2. Cold start: a fresh Python 3.12 process (isolated, no site-packages) whose ``sys.path`` holds only the
   function's artifacts (the x86_64 twin of each layer) and its template environment, importing the
   handler by its handler string, as the artifacts test runs it; as a ratio to the floor, a bare
   ``python -I -S -c pass`` in the same setup. Rounds interleave every function with the floor; medians.
   Init reads what a function must not start without (the API's cursor key and origin secret, the back
   office's parameters and secrets), so the stage is provisioned on an emulator first, as the artifacts
   test does. The back office loads Django on its first request through Zappa, so its cold start is the
   import and one request (``GET /login/``, as CloudFront passes it).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3

from local.emulator import Emulator, free_port
from marketplace.deployment import Env
from tests.artifacts.backoffice import http_event, zappa_function
from tests.artifacts.conftest import STAGE, load_stages, package_backoffice, synthesize
from tests.artifacts.runner import CHILD, PYTHON, functions, lambda_environment
from tests.artifacts.stage import provision

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
LIMIT = 250 * 1024 * 1024
MB = 1024 * 1024
# A pin that tells each layer apart (the optional group of pyproject.toml it adds to the core).
LAYER_GROUPS = (("pyarrow", "core + ops"), ("pillow", "core + media"), ("pydantic", "core + public_api"))


def unzipped(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def zipped(root: Path) -> int:
    with tempfile.TemporaryFile() as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for f in sorted(root.rglob("*")):
                if f.is_file():
                    archive.write(f, f.relative_to(root))
        return out.tell()


def sizes(found, backoffice_zip: Path) -> None:
    print("| Artifact | Zip (MB) | Unzipped (MB) |\n|---|---:|---:|")
    measured: dict[Path, tuple[int, int]] = {}
    for function in found:
        for root in [function.code, *function.layers]:
            if root not in measured:
                measured[root] = (zipped(root), unzipped(root))
    names = {found[0].code: "code asset (every function)"}
    for function in found:
        for layer in function.layers:
            pins = (layer / "requirements.txt").read_text().split()
            group = next((g for package, g in LAYER_GROUPS if any(p.startswith(package) for p in pins)), "core")
            names.setdefault(layer, f"layer {group} ({len(pins)} pins)")
    for root, (z, u) in measured.items():
        print(f"| {names.get(root, root.name)} | {z / MB:.1f} | {u / MB:.1f} |")
    with zipfile.ZipFile(backoffice_zip) as archive:
        total = sum(i.file_size for i in archive.infolist())
    print(f"| back office Zappa zip | {backoffice_zip.stat().st_size / MB:.1f} | {total / MB:.1f} |")
    print("\n| Function | Unzipped code + layers (MB) | Share of the 250 MB limit |\n|---|---:|---:|")
    for function in found:
        total = sum(measured[root][1] for root in [function.code, *function.layers])
        print(f"| {function.name} | {total / MB:.1f} | {100 * total / LIMIT:.0f}% |")


def cold_start(spec: Path, environment: dict, events: str = "") -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-I", "-S", str(CHILD), str(spec)], env=environment, input=events, text=True,
                   stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000


def floor(environment: dict) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-I", "-S", "-c", "pass"], env=environment, check=True)
    return (time.perf_counter() - start) * 1000


def cold_starts(found, stage, backoffice) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-artifacts-"))
    setups = []
    for function in [*found, backoffice]:
        spec = folder / f"{function.name}.json"
        spec.write_text(json.dumps({"path": function.path, "handler": function.handler,
                                    "function_name": function.name, "memory_mb": function.memory_mb,
                                    "timeout_s": function.timeout_s, "function_arn": function.name,
                                    "result": str(folder / f"{function.name}.result.json"), "marker": ""}))
        setups.append((function, spec, lambda_environment(function, stage),
                       _first_request(backoffice, stage) if function is backoffice else ""))
    times: dict[str, list[float]] = {f.name: [] for f, *_ in setups}
    floors: list[float] = []
    for _ in range(ROUNDS):
        for function, spec, environment, events in setups:
            floors.append(floor(environment))
            times[function.name].append(cold_start(spec, environment, events))
    base = statistics.median(floors)
    print(f"\nFloor (python -I -S -c pass): median {base:.0f} ms over {len(floors)} runs\n")
    print("| Function | Handler | Cold start median (ms) | Ratio to the floor | Spread (min-max ms) |")
    print("|---|---|---:|---:|---:|")
    for function, *_ in setups:
        runs = times[function.name]
        what = " + `GET /login/`" if function is backoffice else ""
        print(f"| {function.name} | `{function.handler}`{what} | {statistics.median(runs):.0f} | "
              f"{statistics.median(runs) / base:.1f} | {min(runs):.0f}-{max(runs):.0f} |")


def _first_request(backoffice, stage) -> str:
    parameter = backoffice.environment[Env.CLOUDFRONT_DOMAIN_PARAMETER]
    ssm = boto3.client("ssm", endpoint_url=stage.emulator_url, region_name=stage.region)
    viewer_host = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    return json.dumps(http_event("GET", "/login/", viewer_host=viewer_host, account=stage.account)) + "\n"


def main() -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    cdk_out = Path(tempfile.mkdtemp(prefix="bench-cdk.out-"))  # the templates of this tree, always
    synthesize(cdk_out)
    stage = load_stages(cdk_out)[STAGE]
    emulator = Emulator(port=free_port()).start()
    try:
        stage.emulator_url = emulator.url
        provision(stage, lambda service: boto3.client(service, endpoint_url=emulator.url, region_name=stage.region))
        found = functions(stage)
        backoffice_zip = package_backoffice(STAGE)  # this tree's code (the slim virtualenv is reused)
        unzipped = Path(tempfile.mkdtemp(prefix="bench-backoffice-"))
        with zipfile.ZipFile(backoffice_zip) as archive:
            archive.extractall(unzipped)
        sizes(found, backoffice_zip)
        cold_starts(found, stage, zappa_function(stage, unzipped))
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
