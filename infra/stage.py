"""One deployment stage: every stack of the platform, wired together, for one ``StageConfig``."""

from __future__ import annotations

from aws_cdk import Aspects, Environment, Stage, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from infra.aspects import Sensitivity, TagTaxonomy, classify
from infra.config import EDGE_REGION, StageConfig
from infra.nag import acknowledge
from infra.stacks.api import ApiStack
from infra.stacks.auth import AuthStack
from infra.stacks.backoffice import BackofficeStack
from infra.stacks.data import DataStack, DisasterRecoveryStack
from infra.stacks.deploy_access import DeployAccessStack
from infra.stacks.edge import EdgeStack, WafStack
from infra.stacks.events import EventsStack
from infra.stacks.governance import GovernanceStack
from infra.stacks.media import MediaStack
from infra.stacks.operations import OperationsStack


class ShikharStage(Stage):
    def __init__(self, scope: Construct, *, config: StageConfig, nag: bool = True) -> None:
        super().__init__(scope, config.name.title(), env=Environment(account=config.account, region=config.region))
        home = Environment(account=config.account, region=config.region)
        prefix = f"Shikhar-{config.name}"

        dr = None
        if config.dr_option == 2:
            dr = DisasterRecoveryStack(self, "DisasterRecovery", config=config, stack_name=f"{prefix}-dr",
                                       env=Environment(account=config.account, region=config.dr_region))
        self.data = DataStack(self, "Data", config=config, stack_name=f"{prefix}-data", env=home,
                              termination_protection=config.retain_data)
        if dr is not None:
            self.data.add_stack_dependency(dr, "cross-region replicas must exist before replication is configured")
        self.auth = AuthStack(self, "Auth", config=config, stack_name=f"{prefix}-auth", env=home,
                              termination_protection=config.retain_data)
        self.api = ApiStack(self, "Api", config=config, data=self.data, auth=self.auth, stack_name=f"{prefix}-api",
                            env=home)
        self.media = MediaStack(self, "Media", config=config, data=self.data, stack_name=f"{prefix}-media", env=home)
        self.waf = WafStack(self, "Waf", config=config, stack_name=f"{prefix}-waf", cross_region_references=True,
                            env=Environment(account=config.account, region=EDGE_REGION))
        self.edge = EdgeStack(self, "Edge", config=config, data=self.data, api=self.api,
                              web_acl_arn=self.waf.web_acl.attr_arn, stack_name=f"{prefix}-edge",
                              cross_region_references=True, env=home)
        # After the edge: the media-placement consumer invalidates the distribution's cached copies.
        self.events = EventsStack(self, "Events", config=config, data=self.data, distribution=self.edge.distribution,
                                  auth=self.auth, stack_name=f"{prefix}-events", env=home)
        self.backoffice = BackofficeStack(self, "Backoffice", config=config, data=self.data, auth=self.auth,
                                          events=self.events, stack_name=f"{prefix}-backoffice", env=home)
        self.operations = OperationsStack(self, "Operations", config=config, data=self.data, auth=self.auth,
                                          events_stack=self.events, api=self.api, media=self.media, edge=self.edge,
                                          stack_name=f"{prefix}-operations", env=home)

        self.governance = self.deploy_access = None
        if not config.ephemeral:  # account-wide: a pull request's stage uses dev's
            self.governance = GovernanceStack(self, "Governance", config=config, data=self.data,
                                              stack_name=f"{prefix}-governance", env=home)
            self.deploy_access = DeployAccessStack(self, "DeployAccess", config=config, data=self.data,
                                                   stack_name=f"{prefix}-deploy-access", env=home)

        classify(self.data, Sensitivity.CONFIDENTIAL)
        classify(self.auth, Sensitivity.CONFIDENTIAL)
        if self.governance is not None:
            classify(self.governance, Sensitivity.CONFIDENTIAL)
        classify(self.data.public, Sensitivity.PUBLIC)
        classify(self.data.static, Sensitivity.PUBLIC)
        Aspects.of(self).add(TagTaxonomy(config))
        if nag:
            Validations.of(self).add_plugins(AwsSolutionsChecks(self, verbose=True, write_suppressions_to_cloud_formation=True))
            for stack in self.stacks:
                _platform_acknowledgments(stack)

    @property
    def stacks(self):
        return [child for child in self.node.children if hasattr(child, "template_options")]


def _platform_acknowledgments(stack) -> None:
    """Findings that hold for every function and stack of the platform, each with its reason."""
    acknowledge(stack, (
        "AwsSolutions-L1",
        ("Python 3.12 on purpose: the project pins 3.12 (SnapStart for Python, the same interpreter as the "
        "tests); newer runtimes are adopted together with the test environment.")))
