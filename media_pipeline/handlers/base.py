"""What every step handler shares: passing a settled upload through, and retryable conflicts."""

from __future__ import annotations

import functools
from collections.abc import Callable

from marketplace.errors import Conflict
from marketplace.observability import logger
from media_pipeline.errors import TransientError

Handler = Callable[[dict, object], dict]


def step_handler(fn: Callable[[dict], dict]) -> Handler:
    """A Lambda handler ``(state, context) -> state`` around ``fn(state) -> additions``."""

    @functools.wraps(fn)
    def handler(state: dict, context=None) -> dict:
        if state.get("settled"):  # this upload already has its outcome: change nothing
            return state
        try:
            additions = fn(state)
        except Conflict as error:  # someone wrote the same item meanwhile: read again and retry
            raise TransientError(str(error)) from error
        logger.info("media step done", extra={"step": fn.__module__.rsplit(".", 1)[-1],
                                              "media_id": state.get("media_id")})
        return {**state, **additions}

    return handler
