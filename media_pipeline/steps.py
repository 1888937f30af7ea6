"""The media pipeline's steps, declared once.

Both runners are built from this module: the Step Functions state machine in AWS (``infra`` calls
``state_machine_definition()`` with each step's Lambda ARN) and the local worker
(``media_pipeline.runner``), which runs the same steps in the same order with the same retries,
timeouts and failure path. Keep it import-light: infra imports it, so no Pillow and no boto3 here.

Each step is a Lambda handler ``handler(state: dict, context) -> dict`` that takes the pipeline's state
and returns it with its own additions, or a Step Functions service integration (``integration``: the
MediaConvert job, waited for by Step Functions itself with ``.sync``, so no Lambda polls), whose
``handler`` is then the local runner's stand-in doing the same work (ffmpeg). A step limited to some
media kinds is skipped for the others (a Choice state in AWS). Any error that survives the step's
retries, its timeout included, sends the state, with the error under ``error`` ({"Error": <name>,
"Cause": <json>}), to the failure step, which marks the media ``failed`` with a reason for the broker;
the execution then ends failed. The execution's own timeout is the longest the steps can take
(``pipeline_seconds``); media still pending past their deadline are failed by a scheduled sweep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from marketplace.media_kinds import IMAGE_KINDS, VIDEO_KINDS

# Errors worth trying again: Lambda's own service hiccups and the pipeline's ``TransientError``
# (throttling, 5xx, dropped connections to S3/DynamoDB). A rejected file is never retried.
TRANSIENT_ERRORS: tuple[str, ...] = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientError",
)

ERROR_PATH = "$.error"  # where a caught error lands in the state handed to the failure step
CATCH_ALL = "States.ALL"
TIMEOUT_ERROR = "States.Timeout"


@dataclass(frozen=True)
class Retry:
    """An ASL retrier. ``max_attempts`` is the number of retries after the first try (ASL semantics)."""

    errors: tuple[str, ...] = TRANSIENT_ERRORS
    interval_seconds: int = 2
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def delays(self) -> list[float]:
        """Seconds to wait before each retry."""
        return [self.interval_seconds * self.backoff_rate ** n for n in range(self.max_attempts)]

    def as_asl(self) -> dict:
        return {"ErrorEquals": list(self.errors), "IntervalSeconds": self.interval_seconds,
                "MaxAttempts": self.max_attempts, "BackoffRate": self.backoff_rate}


@dataclass(frozen=True)
class Needs:
    """What a step's Lambda touches, declared with the step: infra grants exactly this (the table's reads
    always), and nothing more."""

    table_writes: bool = False  # PutItem/UpdateItem on the table (its media item, the outbox)
    reads_raw: bool = False  # the raw upload (GetObject, GetObjectVersion; the media key to decrypt)
    writes_media: bool = False  # variants into the public or premium bucket
    lists_media: bool = False  # what the transcode wrote under the upload's prefix
    deletes_media: bool = False  # a superseded or failed upload's files, a replaced version's
    places_media: bool = False  # moves objects between the media buckets (marketplace.services.media_placement)
    mediaconvert_job: bool = False  # prepares a MediaConvert job: the role the job runs as and its queue


@dataclass(frozen=True)
class Step:
    name: str
    handler: str  # dotted path to the Lambda handler function
    timeout_seconds: int
    memory_mb: int
    description: str
    retry: Retry = field(default_factory=Retry)
    kinds: frozenset[str] | None = None  # None: every media kind
    needs: Needs = field(default_factory=Needs)
    # A service integration instead of a Lambda: its ASL resource, its Parameters (from the state) and
    # where its result goes (ResultSelector keeps only what later steps need).
    integration: str | None = None
    parameters: Mapping[str, str] | None = None
    result_selector: Mapping[str, str] | None = None
    result_path: str | None = None

    @property
    def function_name(self) -> str:
        """Suffix of the Lambda's name (infra prefixes it)."""
        return f"media-{self.name.replace('_', '-')}"

    def applies_to(self, kind: str | None) -> bool:
        return self.kinds is None or kind in self.kinds


# MediaConvert's own errors worth another job: throttling and its 5xx (SDK names, prefixed by the service).
MEDIACONVERT_TRANSIENT = ("MediaConvert.TooManyRequestsException", "MediaConvert.InternalServerErrorException")
MEDIACONVERT_SYNC = "arn:aws:states:::mediaconvert:createJob.sync"

STEPS: tuple[Step, ...] = (
    Step("validate", "media_pipeline.handlers.validate.handler", timeout_seconds=30, memory_mb=512,
         description="The real type from the bytes, size cap, pixel count from the header, minimum edge, "
                     "no markup, scripts, archives or polyglots", needs=Needs(table_writes=True, reads_raw=True)),
    Step("scan", "media_pipeline.handlers.scan.handler", timeout_seconds=120, memory_mb=2048,
         description="Malware scan (ClamAV layer when configured; otherwise recorded as not scanned)",
         needs=Needs(table_writes=True, reads_raw=True)),
    Step("images", "media_pipeline.handlers.images.handler", timeout_seconds=180, memory_mb=1536,
         description="EXIF orientation, strip all metadata, sRGB, WebP + progressive JPEG variants, "
                     "placeholder and dominant colour", kinds=IMAGE_KINDS,
         needs=Needs(table_writes=True, reads_raw=True, writes_media=True)),
    Step("video_prepare", "media_pipeline.handlers.video.prepare", timeout_seconds=120, memory_mb=1024,
         description="Probe the video (ffprobe) and describe its HLS ladder and MediaConvert job",
         kinds=VIDEO_KINDS, needs=Needs(table_writes=True, reads_raw=True, mediaconvert_job=True)),
    # One MediaConvert job per attempt; Step Functions waits for it (.sync) and cancels it when the
    # task times out or the execution stops. Locally, ffmpeg makes the same outputs.
    Step("transcode", "media_pipeline.handlers.video.transcode", timeout_seconds=1800, memory_mb=2048,
         description="HLS renditions and a poster frame (MediaConvert in AWS, ffmpeg locally)",
         retry=Retry(errors=MEDIACONVERT_TRANSIENT + TRANSIENT_ERRORS, interval_seconds=30, max_attempts=1),
         kinds=VIDEO_KINDS, integration=MEDIACONVERT_SYNC,
         parameters={"Role.$": "$.job.Role", "Queue.$": "$.job.Queue", "Settings.$": "$.job.Settings",
                     "UserMetadata.$": "$.job.UserMetadata"},
         result_selector={"job_id.$": "$.Job.Id", "status.$": "$.Job.Status"}, result_path="$.transcoded"),
    Step("video_outputs", "media_pipeline.handlers.video.outputs", timeout_seconds=60, memory_mb=256,
         description="The renditions and poster written, as the media item's variants", kinds=VIDEO_KINDS,
         needs=Needs(table_writes=True, lists_media=True)),
    Step("publish", "media_pipeline.handlers.publish.handler", timeout_seconds=30, memory_mb=256,
         description="Media becomes ready with every variant; cover; MediaProcessed through the outbox",
         needs=Needs(table_writes=True, deletes_media=True, places_media=True)),
)

FAILURE_STEP = Step(
    "record_failure", "media_pipeline.handlers.failure.handler", timeout_seconds=30, memory_mb=256,
    description="Media becomes failed with a reason for the broker; MediaFailed through the outbox; "
                "the raw object is kept for a retry",
    retry=Retry(errors=(CATCH_ALL,), interval_seconds=2, max_attempts=5, backoff_rate=2.0),
    needs=Needs(table_writes=True, deletes_media=True))

FAILED_STATE = "Failed"
ALL_STEPS: tuple[Step, ...] = (*STEPS, FAILURE_STEP)
LAMBDA_STEPS: tuple[Step, ...] = tuple(s for s in ALL_STEPS if s.integration is None)


def worst_case_seconds(step_: Step) -> int:
    """The longest one Task state can take: every attempt to its timeout, and the waits between."""
    return step_.timeout_seconds * (step_.retry.max_attempts + 1) + int(sum(step_.retry.delays()))


def pipeline_seconds(kind: str | None = None) -> int:
    """The longest an execution can take for a media kind (for the slowest kind when None), its failure
    path included. The state machine's timeout, the local queues' visibility timeouts and the deadline
    after which the sweep fails stuck media all derive from it."""
    if kind is None:
        return max(pipeline_seconds(k) for k in IMAGE_KINDS | VIDEO_KINDS)
    return sum(worst_case_seconds(s) for s in STEPS if s.applies_to(kind)) + worst_case_seconds(FAILURE_STEP)


def step(name: str) -> Step:
    return next(s for s in ALL_STEPS if s.name == name)


def _choice_name(step_: Step) -> str:
    return f"{step_.name}?"


def state_machine_definition(function_arns: Mapping[str, str]) -> dict:
    """The Amazon States Language definition, given each Lambda step's ARN by step name."""
    missing = [s.name for s in LAMBDA_STEPS if s.name not in function_arns]
    if missing:
        raise ValueError(f"no Lambda ARN for steps: {', '.join(missing)}")
    catch = [{"ErrorEquals": [CATCH_ALL], "ResultPath": ERROR_PATH, "Next": FAILURE_STEP.name}]
    states: dict[str, dict] = {}
    following: str | None = None  # the entry state of what comes next; None at the end
    for step_ in reversed(STEPS):
        task = {"Type": "Task", "Comment": step_.description,
                "Resource": step_.integration or function_arns[step_.name],
                "TimeoutSeconds": step_.timeout_seconds, "Retry": [step_.retry.as_asl()], "Catch": catch}
        if step_.integration:
            task.update(Parameters=dict(step_.parameters or {}), ResultSelector=dict(step_.result_selector or {}),
                        ResultPath=step_.result_path)
        task.update({"Next": following} if following else {"End": True})
        states[step_.name] = task
        entry = step_.name
        if step_.kinds is not None:
            entry = _choice_name(step_)
            states[entry] = {
                "Type": "Choice",
                "Choices": [{"Or": [{"Variable": "$.kind", "StringEquals": kind}
                                    for kind in sorted(step_.kinds)], "Next": step_.name}],
            }
            if following:
                states[entry]["Default"] = following
            else:  # a skipped last step ends the execution successfully
                states["Done"] = {"Type": "Succeed"}
                states[entry]["Default"] = "Done"
        following = entry
    states[FAILURE_STEP.name] = {
        "Type": "Task", "Comment": FAILURE_STEP.description, "Resource": function_arns[FAILURE_STEP.name],
        "TimeoutSeconds": FAILURE_STEP.timeout_seconds, "Retry": [FAILURE_STEP.retry.as_asl()],
        "Next": FAILED_STATE}
    states[FAILED_STATE] = {"Type": "Fail", "Error": "MediaFailed",
                            "Cause": "a step failed; the media item records the reason"}
    ordered = {name: states[name] for name in _order(states, following)}
    return {"Comment": "Media pipeline: from a raw upload to ready variants (media_pipeline.steps)",
            "StartAt": following, "TimeoutSeconds": pipeline_seconds(), "States": ordered}


def _order(states: dict[str, dict], start: str) -> list[str]:
    """State names in execution order, the failure path last (readable definitions and diffs)."""
    seen: list[str] = []
    pending = [start]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.append(name)
        state = states[name]
        nexts = [c["Next"] for c in state.get("Choices", [])] + [state.get("Next"), state.get("Default")]
        pending.extend(n for n in nexts if n)
    return seen + [n for n in states if n not in seen]
