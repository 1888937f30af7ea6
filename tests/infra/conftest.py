"""One synthesis of every stage for all infra tests (synthesis takes ~30 s; xdist keeps these tests on
one worker through their ``xdist_group``). Bundling of the dependency layers is skipped: the tests read
templates, they do not install wheels."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from aws_cdk.assertions import Template

from infra.app import build_app
from infra.config import STAGE_NAMES


@dataclass
class Synthesized:
    outdir: Path
    templates: dict[str, dict[str, dict]]  # stage -> stack id (Data, Api, ...) -> template
    regions: dict[str, dict[str, str]]  # stage -> stack id -> region

    def template(self, stage: str, stack: str) -> Template:
        return Template.from_json(self.templates[stage][stack])

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("assembly-*/*.template.json"))

    def resources(self, stage: str, kind: str) -> dict[str, dict]:
        """Every resource of a CloudFormation type across the stage's stacks, by stack/logical id."""
        found = {}
        for stack, template in self.templates[stage].items():
            for logical_id, resource in template.get("Resources", {}).items():
                if resource["Type"] == kind:
                    found[f"{stack}/{logical_id}"] = resource
        return found


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stages = build_app(stage_names=list(STAGE_NAMES), outdir=str(outdir),
                            context={"aws:cdk:bundling-stacks": []})
    assembly = app.synth()
    templates: dict[str, dict[str, dict]] = {}
    regions: dict[str, dict[str, str]] = {}
    for name, stage in stages.items():
        nested = assembly.get_nested_assembly(stage.artifact_id)
        templates[name] = {}
        regions[name] = {}
        for artifact in nested.stacks:
            stack_id = artifact.hierarchical_id.split("/")[-1]
            templates[name][stack_id] = json.loads(Path(artifact.template_full_path).read_text())
            regions[name][stack_id] = artifact.environment.region
    return Synthesized(outdir=outdir, templates=templates, regions=regions)
