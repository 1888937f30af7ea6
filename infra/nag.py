"""cdk-nag (AwsSolutions) findings acknowledged in code, each with the reason it is accepted.

cdk-nag 3 reports through CDK's policy validation: an unacknowledged finding fails synthesis.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, *findings: tuple[str, str]) -> None:
    """``findings``: (rule id, optionally with ``[finding]``, reason)."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in findings))
