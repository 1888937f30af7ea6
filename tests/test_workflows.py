"""The delivery workflows: valid for GitHub Actions (actionlint), in the order the dossier's pipeline needs,
with AWS access only through OpenID Connect, and calling only make targets that exist."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).parent / "actionlint"  # from the dev extras (a wheel with the binary)


def _load(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def _actionlint(*paths: Path) -> list[dict]:
    result = subprocess.run([str(ACTIONLINT), "-format", "{{json .}}", *map(str, paths)], capture_output=True,
                            text=True, cwd=REPO, check=False)
    assert result.returncode in (0, 1), result.stderr  # 1: findings; anything else: the linter failed
    return json.loads(result.stdout or "[]")


def test_actionlint_finds_nothing_in_any_workflow():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"delivery.yml", "deploy-stage.yml", "pr-stack.yml"}

    findings = _actionlint(*files)

    assert [f"{f['filepath']}:{f['line']}: {f['message']}" for f in findings] == []


def test_actionlint_does_report_a_broken_workflow(tmp_path):
    # Given a workflow with an unknown runner label and a job needing a job that does not exist
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nowhere\n"
                      "    steps:\n      - run: echo ${{ github.nothing.here }}\n")

    findings = _actionlint(broken)

    assert any("nowhere" in f["message"] for f in findings)


def test_main_deploys_dev_then_staging_then_prod_each_in_its_environment():
    jobs = _load("delivery.yml")["jobs"]
    stage_job = _load("deploy-stage.yml")["jobs"]["deploy"]

    assert jobs["synth"]["needs"] == "checks"
    assert (jobs["dev"]["needs"], jobs["staging"]["needs"], jobs["prod"]["needs"]) == ("synth", "dev", "staging")
    assert [jobs[s]["with"]["stage"] for s in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert all(jobs[s]["uses"] == "./.github/workflows/deploy-stage.yml" for s in ("dev", "staging", "prod"))
    assert "refs/heads/main" in jobs["dev"]["if"]
    # Approval comes from the environment's required reviewers: the job must run in the stage's environment.
    assert stage_job["environment"]["name"] == "${{ inputs.stage }}"


def test_a_stage_deployment_diffs_deploys_updates_the_back_office_its_static_files_and_checks_the_journey():
    steps = [step.get("run", "") for step in _load("deploy-stage.yml")["jobs"]["deploy"]["steps"]]

    targets = [re.match(r"make ([\w-]+)", run).group(1) for run in steps if run.startswith("make ")]

    assert targets == ["venv", "cdk-diff", "cdk-deploy", "deploy-backoffice", "collectstatic", "synthetic"]


def test_pull_request_stacks_are_deployed_on_change_and_destroyed_on_close():
    workflow = _load("pr-stack.yml")
    jobs = workflow["jobs"]

    assert set(workflow["on"]["pull_request"]["types"]) == {"opened", "synchronize", "reopened", "closed"}
    assert "!= 'closed'" in jobs["deploy"]["if"] and "== 'closed'" in jobs["destroy"]["if"]
    assert workflow["env"]["STAGE"] == "pr${{ github.event.pull_request.number }}"
    assert any(step.get("run") == "make cdk-destroy" for step in jobs["destroy"]["steps"])


@pytest.mark.parametrize("name", ["delivery.yml", "deploy-stage.yml", "pr-stack.yml"])
def test_aws_access_is_openid_connect_role_assumption_only(name):
    text = (WORKFLOWS / name).read_text()
    workflow = _load(name)

    assumed = [step for job in workflow["jobs"].values() for step in job.get("steps", [])
               if step.get("uses", "").startswith("aws-actions/configure-aws-credentials")]

    assert not re.search(r"aws-access-key-id|aws-secret-access-key|secrets\.AWS", text)
    assert all(step["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}" for step in assumed)
    if assumed:
        assert workflow["permissions"]["id-token"] == "write"


def test_every_make_target_the_workflows_call_exists():
    runs = [step.get("run", "") for name in ("delivery.yml", "deploy-stage.yml", "pr-stack.yml")
            for job in _load(name)["jobs"].values() for step in job.get("steps", [])]
    targets = sorted({m.group(1) for run in runs for m in re.finditer(r"make ([\w-]+)", run)})
    assert len(targets) >= 10

    missing = [t for t in targets if subprocess.run(["make", "-n", t, "STAGE=dev"], cwd=REPO, capture_output=True,
                                                    check=False).returncode != 0]

    assert missing == []


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_destroying_stacks_is_refused_for_anything_but_a_pull_request_stage(stage):
    result = subprocess.run(["make", "--no-print-directory", "cdk-destroy", f"STAGE={stage}"], cwd=REPO,
                            capture_output=True, text=True, check=False)

    assert result.returncode == 2
    assert "pull-request stages (pr<number>) only" in result.stderr
