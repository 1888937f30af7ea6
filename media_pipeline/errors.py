"""The pipeline's two kinds of failure. The class names are the error names Step Functions matches on
(``media_pipeline.steps.TRANSIENT_ERRORS``), so do not rename them."""

from __future__ import annotations


class Rejected(Exception):
    """The upload cannot become media. The message is shown to the broker as it is: say what is wrong
    and what to do, in plain words. Never retried."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransientError(Exception):
    """A passing failure (throttling, a dropped connection, a 5xx): the step is tried again."""


class Infected(Rejected):
    """The malware scanner flagged the file."""
