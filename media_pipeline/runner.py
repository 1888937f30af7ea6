"""The local runner: the same steps as the state machine, in the same order, with the same retries,
timeouts and failure path, all read from ``media_pipeline.steps``. ``make run`` feeds it from the raw
bucket's SQS notifications (``media_worker``).

Differences from Step Functions, by necessity: a timed-out step is abandoned rather than killed (its
thread finishes on its own; Lambda would stop it), and memory sizes are not enforced.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable, Sequence

from marketplace.observability import logger
from media_pipeline.events import from_notification
from media_pipeline.steps import CATCH_ALL, FAILURE_STEP, STEPS, TIMEOUT_ERROR, Step


class StepTimeout(Exception):
    error_name = TIMEOUT_ERROR


def error_name(error: BaseException) -> str:
    """The name Step Functions gives an error: a Lambda error's type, or States.* for its own."""
    return getattr(error, "error_name", type(error).__name__)


def error_payload(error: BaseException) -> dict:
    """As Step Functions puts a caught Lambda error under ResultPath: Error plus a JSON Cause."""
    return {"Error": error_name(error),
            "Cause": json.dumps({"errorMessage": str(error), "errorType": type(error).__name__})}


def _matches(errors: Sequence[str], error: BaseException) -> bool:
    return CATCH_ALL in errors or error_name(error) in errors


def _handler(step: Step) -> Callable[[dict, object], dict]:
    module, _, name = step.handler.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _invoke(step: Step, state: dict) -> dict:
    """Run the handler with the step's timeout."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["result"] = _handler(step)(dict(state), None)
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, as Lambda reports it
            outcome["error"] = error

    worker = threading.Thread(target=target, name=f"media-{step.name}", daemon=True)
    worker.start()
    worker.join(step.timeout_seconds)
    if worker.is_alive():
        raise StepTimeout(f"{step.name} ran past {step.timeout_seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def run_step(step: Step, state: dict, *, sleep: Callable[[float], None] = time.sleep) -> dict:
    """One Task state: the first try, then the retrier's tries for matching errors."""
    delays = step.retry.delays()
    for attempt in range(len(delays) + 1):
        try:
            return _invoke(step, state)
        except Exception as error:
            if attempt == len(delays) or not _matches(step.retry.errors, error):
                raise
            logger.warning("media step retried", extra={"step": step.name, "error": error_name(error),
                                                        "attempt": attempt + 1})
            sleep(delays[attempt])
    raise AssertionError("unreachable")


def run(state: dict, *, steps: Sequence[Step] = STEPS, failure: Step = FAILURE_STEP,
        sleep: Callable[[float], None] = time.sleep) -> dict:
    """Execute the pipeline on one upload; returns the final state (``failure_reason`` set if it failed).
    Only an error of the failure step itself escapes (the execution fails; the message is redelivered)."""
    for step in steps:
        if not step.applies_to(state.get("kind")):
            continue  # the Choice state's Default
        try:
            state = run_step(step, state, sleep=sleep)
        except Exception as error:  # noqa: BLE001 - Catch States.ALL -> failure step with the error at $.error
            return run_step(failure, {**state, "error": error_payload(error)}, sleep=sleep)
    return state


def handle_message(body: str) -> None:
    """An SQS message from the raw bucket: run the pipeline for each upload it announces."""
    for state in from_notification(body):
        outcome = run(state)
        logger.info("media pipeline finished", extra={"key": state["key"], "media_id": outcome.get("media_id"),
                                                      "failure_reason": outcome.get("failure_reason")})
