"""What goes to AWS, built and run: the real synthesis (with bundling), every Lambda function of the prod
stage started from its own artifacts with its template environment, and the back office's Zappa zip,
all against the emulator provisioned from the templates.

Everything runs once per session in the ``built`` fixture (builds are cached under ``.cache/build``);
the tests assert on what it recorded. Slow: marked ``artifacts`` and kept on one xdist worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from infra.config import stage as stage_config
from tests.artifacts.runner import REPO, Function, functions
from tests.artifacts.stage import Stage, provision

STAGE = "prod"  # the stage whose functions are run; the others must use the same artifacts


@dataclass
class Built:
    cdk_out: Path
    stages: dict[str, Stage]
    functions: list[Function]
    backoffice: Path  # the unzipped Zappa package
    backoffice_zip: Path
    runs: dict[str, list[dict]] = field(default_factory=dict)  # function name -> its cold starts' results


def synthesize(outdir: Path) -> None:
    """``make synth`` as a subprocess (its own jsii runtime), into ``outdir``."""
    done = subprocess.run([sys.executable, "-m", "infra.app"], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "CDK_OUTDIR": str(outdir)}, timeout=600, check=False)
    assert done.returncode == 0, f"synthesis with bundling failed:\n{done.stderr[-4000:]}"


def package_backoffice(stage: str) -> Path:
    done = subprocess.run(["make", "-s", "package-backoffice", f"STAGE={stage}"], cwd=REPO, capture_output=True,
                          text=True, timeout=900, check=False)
    assert done.returncode == 0, f"make package-backoffice failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    return REPO / "build" / f"shikhar-backoffice-{stage}.zip"


def load_stages(cdk_out: Path) -> dict[str, Stage]:
    stages = {}
    for assembly in sorted(cdk_out.glob("assembly-*")):
        name = assembly.name.removeprefix("assembly-").lower()
        config = stage_config(name)
        stages[name] = Stage.load(name=name, account=config.account, region=config.region, assembly=assembly,
                                  assets=cdk_out)
    return stages


@pytest.fixture(scope="session")
def built(tmp_path_factory, emulator) -> Built:
    # A cloud assembly of its own: CDK renames bundled assets into place, so two syntheses sharing one
    # cdk.out (a second test process, make synth) collide; the layers themselves stay cached by pin list.
    cdk_out = tmp_path_factory.mktemp("cdk.out")
    synthesize(cdk_out)
    stages = load_stages(cdk_out)
    stage = stages[STAGE]
    stage.emulator_url = emulator.url
    emulator.reset()
    provision(stage, lambda service: boto3.client(service, endpoint_url=emulator.url, region_name=stage.region))
    zipped = package_backoffice(STAGE)
    unzipped = tmp_path_factory.mktemp("backoffice-zip")
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(unzipped)
    return Built(cdk_out=cdk_out, stages=stages, functions=functions(stage), backoffice=unzipped,
                 backoffice_zip=zipped)


def dump(value) -> str:
    return json.dumps(value, indent=1, default=str)[:3000]
