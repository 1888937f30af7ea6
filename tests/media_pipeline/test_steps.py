"""The one step declaration drives both runners: the ASL definition and the local runner's semantics."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from media_pipeline.errors import Rejected, TransientError
from media_pipeline.runner import run, run_step
from media_pipeline.steps import ALL_STEPS, STEPS, Retry, Step, state_machine_definition

ARNS = {s.name: f"arn:aws:lambda:ap-south-1:123456789012:function:{s.function_name}" for s in ALL_STEPS}


def _task_order(definition: dict) -> list[str]:
    """Follow the happy path for each kind: the tasks a photo and a video pass through."""
    names = []
    for kind in ("photo", "video"):
        state, seen = definition["StartAt"], []
        while state:
            body = definition["States"][state]
            if body["Type"] == "Task":
                seen.append(state)
                state = body.get("Next")
            elif body["Type"] == "Choice":
                hit = any(c["StringEquals"] == kind for choice in body["Choices"] for c in choice["Or"])
                state = body["Choices"][0]["Next"] if hit else body["Default"]
            else:
                state = None
        names.append(seen)
    return names


def test_the_state_machine_lists_the_declared_steps_in_order_with_their_retries_and_failure_path():
    definition = state_machine_definition(ARNS)

    assert _task_order(definition) == [["validate", "scan", "images", "publish"],
                                       ["validate", "scan", "video_prepare", "transcode", "video_outputs", "publish"]]
    for step in STEPS:
        task = definition["States"][step.name]
        assert task["Resource"] == (step.integration or ARNS[step.name])
        assert task["TimeoutSeconds"] == step.timeout_seconds
        assert task["Retry"] == [step.retry.as_asl()]
        assert task["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "record_failure"}]
    failure = definition["States"]["record_failure"]
    assert (failure["Resource"], failure["Next"]) == (ARNS["record_failure"], "Failed")
    assert definition["States"]["Failed"]["Type"] == "Fail"


def test_a_missing_arn_is_named():
    with pytest.raises(ValueError, match="no Lambda ARN for steps: video_outputs"):
        state_machine_definition({k: v for k, v in ARNS.items() if k != "video_outputs"})


def test_the_declaration_imports_no_image_library():
    code = "import sys, media_pipeline.steps; print(sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'boto3', 'pynamodb')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# The local runner, on steps whose handlers live in this module.
CALLS: list[str] = []
FLAKY = {"left": 0}


def flaky(state, context):
    CALLS.append("flaky")
    if FLAKY["left"]:
        FLAKY["left"] -= 1
        raise TransientError("throttled")
    return {**state, "flaky": "done"}


def reject(state, context):
    CALLS.append("reject")
    raise Rejected("no good")


def video_only(state, context):
    CALLS.append("video_only")
    return state


def record(state, context):
    CALLS.append("record")
    return {**state, "failure_reason": state["error"]["Error"]}


HANG = threading.Event()


def hang(state, context):
    HANG.wait(5)
    return state


def _step(name: str, **extra) -> Step:
    return Step(name, f"{__name__}.{name}", timeout_seconds=extra.pop("timeout", 5), memory_mb=128,
                description=name, **extra)


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    FLAKY["left"] = 0


def test_transient_errors_are_retried_with_the_declared_backoff():
    FLAKY["left"] = 2
    slept: list[float] = []

    outcome = run_step(_step("flaky", retry=Retry(interval_seconds=2, max_attempts=3, backoff_rate=2.0)), {},
                       sleep=slept.append)

    assert outcome == {"flaky": "done"}
    assert (CALLS, slept) == (["flaky"] * 3, [2, 4])


def test_retries_run_out_into_the_failure_step():
    FLAKY["left"] = 5
    slept: list[float] = []

    outcome = run({"kind": "photo"}, steps=[_step("flaky", retry=Retry(max_attempts=2))],
                  failure=_step("record"), sleep=slept.append)

    assert outcome["failure_reason"] == "TransientError"
    assert (CALLS, slept) == (["flaky", "flaky", "flaky", "record"], [2, 4])


def test_a_rejection_is_not_retried_and_later_steps_do_not_run():
    outcome = run({"kind": "photo"}, steps=[_step("reject"), _step("flaky")], failure=_step("record"),
                  sleep=lambda s: None)

    assert (CALLS, outcome["failure_reason"]) == (["reject", "record"], "Rejected")
    assert outcome["error"]["Cause"] == '{"errorMessage": "no good", "errorType": "Rejected"}'


def test_steps_for_other_kinds_are_skipped():
    run({"kind": "photo"}, steps=[_step("video_only", kinds=frozenset({"video"})), _step("flaky")],
        failure=_step("record"))

    assert CALLS == ["flaky"]


def test_a_step_past_its_timeout_fails_as_states_timeout():
    try:
        outcome = run({"kind": "photo"}, steps=[_step("hang", timeout=0.2)], failure=_step("record"))
    finally:
        HANG.set()
    assert outcome["failure_reason"] == "States.Timeout"
