"""Every stage synthesizes, passes cdk-nag and cfn-lint, and carries the tag taxonomy."""

from __future__ import annotations

import json

import pytest

from infra.app import build_app
from infra.config import STAGE_NAMES, StageConfig, stage
from infra.lint import lint_assembly, stack_templates

pytestmark = pytest.mark.xdist_group("infra")

STACKS = {"Data", "Auth", "Events", "Api", "Media", "Waf", "Edge", "Backoffice", "Operations", "Governance",
          "DeployAccess"}
TAG_KEYS = {"Environment", "Owner", "CostCenter", "DataSensitivity"}


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_every_stage_synthesizes_every_stack_in_its_region(synthesized, name):
    config = stage(name)
    expected = STACKS | ({"DisasterRecovery"} if config.dr_option == 2 else set())

    regions = synthesized.regions[name]

    assert set(regions) == expected
    assert regions["Waf"] == "us-east-1"
    assert {regions[s] for s in expected - {"Waf", "DisasterRecovery"}} == {"ap-south-1"}
    if config.dr_option == 2:
        assert regions["DisasterRecovery"] == config.dr_region


def test_cdk_nag_runs_and_every_acknowledged_finding_has_a_reason(synthesized):
    # Synthesis raises on any unacknowledged finding; a passing run leaves no failed plugin report.
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    acknowledged = {}
    for stages in synthesized.templates.values():
        for template in stages.values():
            for resource in template["Resources"].values():
                for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                    acknowledged.setdefault(rule["id"], set()).add(rule["reason"])

    assert [r for r in report["pluginReports"] if r["conclusion"] != "success"] == []
    assert {"AwsSolutions-COG1", "AwsSolutions-COG2", "AwsSolutions-APIG4", "AwsSolutions-SQS3",
            "AwsSolutions-L1"} <= set(acknowledged)
    assert all(len(reason) > 40 for reasons in acknowledged.values() for reason in reasons)


def test_cfn_lint_reports_nothing_on_any_template(synthesized):
    templates = stack_templates(synthesized.outdir)
    assert len(templates) == sum(len(t) for t in synthesized.templates.values())
    assert {region for _, region in templates} == {"ap-south-1", "ap-south-2", "us-east-1"}

    findings = lint_assembly(synthesized.outdir)

    assert findings == []


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_every_tagged_resource_carries_the_tag_taxonomy(synthesized, name):
    tagged = 0
    for stack, template in synthesized.templates[name].items():
        for logical_id, resource in template["Resources"].items():
            tags = resource.get("Properties", {}).get("Tags")
            if not isinstance(tags, list):
                continue  # untaggable, or a map-shaped Tags property checked below
            keys = {t["Key"]: t["Value"] for t in tags}
            assert TAG_KEYS <= set(keys), f"{stack}/{logical_id} lacks {TAG_KEYS - set(keys)}"
            assert keys["Environment"] == name
            tagged += 1
    assert tagged > 50


def test_data_sensitivity_follows_what_a_resource_holds(synthesized):
    def sensitivity(stack: str, kind: str, name_part: str) -> set[str]:
        values = set()
        for logical_id, resource in synthesized.templates["prod"][stack]["Resources"].items():
            if resource["Type"] == kind and name_part in logical_id:
                values |= {t["Value"] for t in resource["Properties"]["Tags"] if t["Key"] == "DataSensitivity"}
        return values

    assert sensitivity("Data", "AWS::S3::Bucket", "PremiumMediaBucket") == {"confidential"}
    assert sensitivity("Data", "AWS::S3::Bucket", "PublicMediaBucket") == {"public"}
    assert sensitivity("Data", "AWS::SecretsManager::Secret", "Secrets") == {"confidential"}
    assert sensitivity("Api", "AWS::Lambda::Function", "Listings") == {"internal"}


def test_configuration_rejects_an_unknown_stage_and_a_bad_dr_option():
    with pytest.raises(ValueError, match="unknown stage 'qa'"):
        stage("qa")
    with pytest.raises(ValueError, match="dr_option must be 1 or 2"):
        StageConfig(name="x", account="123456789012", dr_option=3)
    with pytest.raises(ValueError, match="12-digit"):
        StageConfig(name="x", account="12345")


def test_a_pull_request_stage_is_a_throwaway_dev_without_the_account_wide_services():
    dev, config = stage("dev"), stage("pr42")

    _, stages = build_app(stage_names=["pr42"], nag=False)

    stacks = stages["pr42"].stacks
    # One trail, detector, hub, recorder and OIDC provider per account: dev's.
    assert {s.node.id for s in stacks} == STACKS - {"Governance", "DeployAccess"}
    assert all(s.stack_name.startswith("Shikhar-pr42-") for s in stacks)
    assert (config.account, config.region, config.prefix) == (dev.account, dev.region, "shikhar-pr42")
    assert (config.ephemeral, config.retain_data, config.dr_option) == (True, False, 1)
    for name in ("pr0", "prx", "pr-1"):
        with pytest.raises(ValueError, match="unknown stage"):
            stage(name)
