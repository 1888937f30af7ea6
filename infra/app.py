"""The CDK app: every stage of ``infra.config`` (or those named in the ``stages`` context).

    npx cdk synth                      # all stages (cdk.json runs this module)
    npx cdk deploy 'Dev/*'             # one stage
    npx cdk synth -c stages=dev        # synthesize only dev
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk import App

from infra.config import STAGE_NAMES, stage

REPO = Path(__file__).resolve().parents[1]
from infra.stage import ShikharStage


def build_app(*, stage_names: list[str] | None = None, outdir: str | None = None, context: dict | None = None,
              nag: bool = True) -> tuple[App, dict[str, ShikharStage]]:
    # The feature flags of cdk.json apply however the app is built (cdk CLI, tests, scripts).
    flags = json.loads((REPO / "cdk.json").read_text())["context"]
    app = App(outdir=outdir, context={**flags, **(context or {})})
    requested = stage_names or (app.node.try_get_context("stages") or ",".join(STAGE_NAMES)).split(",")
    stages = {name: ShikharStage(app, config=stage(name.strip()), nag=nag) for name in requested}
    return app, stages


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
