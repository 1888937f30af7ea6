"""The tag taxonomy (dossier section 4): Environment, Owner, CostCenter and DataSensitivity on every
taggable resource, applied by an Aspect so no construct can forget it."""

from __future__ import annotations

from enum import StrEnum

import jsii
from aws_cdk import IAspect, TagManager, Tags
from constructs import Construct, IConstruct

from infra.config import StageConfig


class Sensitivity(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"  # personal data, premium content, credentials


def classify(scope: Construct, sensitivity: Sensitivity) -> None:
    """Mark a subtree more (or less) sensitive than the default; the aspect leaves its tag alone."""
    Tags.of(scope).add("DataSensitivity", sensitivity.value, priority=200)


@jsii.implements(IAspect)
class TagTaxonomy:
    def __init__(self, config: StageConfig, *, default_sensitivity: Sensitivity = Sensitivity.INTERNAL) -> None:
        self.tags = {"Environment": config.name, "Owner": config.owner, "CostCenter": config.cost_center,
                     "DataSensitivity": default_sensitivity.value}

    def visit(self, node: IConstruct) -> None:
        manager = TagManager.of(node)
        if manager is not None:
            for key, value in self.tags.items():
                manager.set_tag(key, value, 100, True)  # priority below classify(): explicit wins
