"""Every stage synthesizes, passes cdk-nag and cfn-lint, and carries the tag taxonomy."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from infra.config import STAGE_NAMES, StageConfig, stage

pytestmark = pytest.mark.xdist_group("infra")

STACKS = {"Data", "Auth", "Events", "Api", "Media", "Waf", "Edge", "Backoffice", "Operations", "Governance"}
TAG_KEYS = {"Environment", "Owner", "CostCenter", "DataSensitivity"}
# CDK declares DependsOn on a function's role and policy although a GetAtt already orders them: harmless
# and not under the app's control.
LINT_IGNORED = ["W3005"]


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
    files = synthesized.template_files()
    assert len(files) == sum(len(t) for t in synthesized.templates.values())

    matches = lint_all_templates(files)

    assert matches == []


def lint_all_templates(files) -> list[str]:
    found = []
    for path in files:
        template = json.loads(path.read_text())
        region = "us-east-1" if "Waf" in path.name else ("ap-south-2" if "DisasterRecovery" in path.name
                                                          else "ap-south-1")
        for match in lint(json.dumps(template), config=ManualArgs(regions=[region], ignore_checks=LINT_IGNORED)):
            found.append(f"{path.name}: {match}")
    return found


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
