"""The invocations: each function of the stage gets real events of its own source, in the order the
platform produces them, each function in one cold-started process for the whole scenario.

- HTTP API (payload 2.0) for the public API, with the JWT authorizer's claims from real Cognito tokens;
- DynamoDB stream records read from the emulator's stream, filtered by the event source mapping's
  FilterCriteria, for the outbox relay; the SQS messages the bus's rules delivered, for the consumer;
- EventBridge scheduled events for the scheduled functions;
- Step Functions: the synthesized state machine's definition is walked (Task, Choice, Catch with
  ResultPath, Succeed, Fail), each Task invoking its function with the state as Step Functions passes it,
  starting from the EventBridge "Object Created" event of a real upload.

The event source mappings' own calls (stream and queue reads, deletes) are recorded for the function's
role, since Lambda makes them with it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

import boto3
import jwt

from media_pipeline.steps import MEDIACONVERT_SYNC
from tests.artifacts.runner import REPO, Function, Invocation
from tests.artifacts.stage import Stage

ORIGIN_HOST = "abc123defg.execute-api.ap-south-1.amazonaws.com"  # what CloudFront sends as Host


class Scenario:
    def __init__(self, stage: Stage, functions: list[Function]) -> None:
        self.stage = stage
        self.functions = {f.name: f for f in functions}
        self.prefix = f"shikhar-{stage.name}"
        self.open: dict[str, Invocation] = {}
        self.results: dict[str, list[dict]] = {name: [] for name in self.functions}
        self.source_calls: dict[str, list[dict]] = {name: [] for name in self.functions}
        self.finished: dict[str, dict] = {}
        self.integrations: list[str] = []  # service integrations the state machine reached
        self._edge_headers: dict[str, str] | None = None
        self.aws = lambda service: boto3.client(service, endpoint_url=stage.emulator_url, region_name=stage.region)

    # ---- plumbing

    def function(self, suffix: str) -> Function:
        return self.functions[f"{self.prefix}-{suffix}"]

    def invoke(self, name: str, event: dict) -> dict:
        if name not in self.open:
            self.open[name] = Invocation(self.functions[name], self.stage)
        result = self.open[name](event)
        self.results[name].append({"event": event, **result})
        return result

    def call(self, suffix: str, event: dict) -> dict:
        return self.invoke(f"{self.prefix}-{suffix}", event)

    def finish(self) -> None:
        for name, invocation in self.open.items():
            self.finished[name] = invocation.finish()

    def names(self) -> dict[str, str]:
        """The stage's resource names as the functions' environments give them (for the seeder)."""
        merged = {}
        for function in self.functions.values():
            merged.update({k: v for k, v in function.environment.items() if k.startswith("SHIKHAR_")})
        return merged

    def seed(self) -> dict:
        environment = {**os.environ, **{k: v for k, v in self.names().items()
                                        if k in ("SHIKHAR_TABLE", "SHIKHAR_RAW_BUCKET", "SHIKHAR_PUBLIC_BUCKET",
                                                 "SHIKHAR_PREMIUM_BUCKET", "SHIKHAR_EVENT_BUS", "SHIKHAR_PREFIX",
                                                 "SHIKHAR_USER_POOL_ID", "SHIKHAR_USER_POOL_CLIENT_ID",
                                                 "SHIKHAR_NOTIFY_TOPIC_ARN", "SHIKHAR_DOCUMENTS_BUCKET")}}
        environment.pop("SHIKHAR_CURSOR_SECRET", None)
        done = subprocess.run([sys.executable, "-m", "tests.artifacts.seed"], cwd=REPO, env=environment,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"seeding failed:\n{done.stderr[-4000:]}"
        return json.loads(done.stdout.strip().splitlines()[-1])

    # ---- the public API

    def token(self, email: str, password: str, client_id: str) -> str:
        auth = self.aws("cognito-idp").initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password})
        return auth["AuthenticationResult"]["AccessToken"]

    def http(self, suffix: str, method: str, route: str, *, path: dict | None = None, query: dict | None = None,
             body: dict | None = None, token: str | None = None, headers: dict | None = None,
             direct: bool = False) -> dict:
        """A request as the HTTP API passes it on, having come through CloudFront (with the headers the
        distribution adds), or ``direct`` to the API's own address (without them)."""
        raw = route.format(**(path or {}))
        head = {"host": "api.shikhar.np", "content-type": "application/json", "user-agent": "artifacts-test",
                **({} if direct else self.edge_headers()), **(headers or {})}
        context = {"http": {"method": method, "path": raw, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9",
                            "userAgent": "artifacts-test"}, "requestId": str(uuid.uuid4()), "stage": "$default",
                   "routeKey": f"{method} {route}", "time": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                   "timeEpoch": int(datetime.now(UTC).timestamp() * 1000), "accountId": self.stage.account,
                   "apiId": "api", "domainName": "api.shikhar.np", "domainPrefix": "api"}
        if token:
            head["authorization"] = f"Bearer {token}"
            context["authorizer"] = {"jwt": {"claims": jwt.decode(token, options={"verify_signature": False}),
                                             "scopes": None}}
        event = {"version": "2.0", "routeKey": f"{method} {route}", "rawPath": raw,
                 "rawQueryString": urlencode(query or {}), "headers": head, "requestContext": context,
                 "isBase64Encoded": False}
        if query:
            event["queryStringParameters"] = {k: str(v) for k, v in query.items()}
        if path:
            event["pathParameters"] = path
        if body is not None:
            event["body"] = json.dumps(body)
        return self.call(suffix, event)

    def edge_headers(self) -> dict[str, str]:
        """The custom headers the distribution's API origin adds (the origin secret): dynamic references to
        Secrets Manager resolved against the emulator, as CloudFormation resolves them at deploy."""
        if self._edge_headers is None:
            self._edge_headers = {}
            for stack, _, resource in self.stage.of_type("AWS::CloudFront::Distribution"):
                for origin in resource["Properties"]["DistributionConfig"]["Origins"]:
                    for header in origin.get("OriginCustomHeaders", []):
                        value = str(self.stage.resolve(stack, header["HeaderValue"]))
                        reference = re.fullmatch(r"\{\{resolve:secretsmanager:(.+):SecretString:([^:]*):([^:]*):([^:]*)\}\}",
                                                 value)
                        if reference:
                            secret, _, stage_name, version = reference.groups()
                            value = self.aws("secretsmanager").get_secret_value(
                                SecretId=secret, **({"VersionId": version} if version else {}),
                                **({"VersionStage": stage_name} if stage_name else {}))["SecretString"]
                        self._edge_headers[header["HeaderName"].lower()] = value
        return self._edge_headers

    # ---- event sources

    def stream_batches(self, table: str, pattern: dict, batch_size: int, for_function: str) -> list[dict]:
        streams = self.aws("dynamodbstreams")
        arn = self.aws("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
        record = self.source_calls[for_function].append
        record({"service": "dynamodb_stream", "operation": "ListStreams", "params": {"StreamArn": "*"}})
        description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        record({"service": "dynamodb_stream", "operation": "DescribeStream", "params": {"StreamArn": arn}})
        records = []
        for shard in description["Shards"]:
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            record({"service": "dynamodb_stream", "operation": "GetShardIterator", "params": {"StreamArn": arn}})
            got = streams.get_records(ShardIterator=iterator)
            record({"service": "dynamodb_stream", "operation": "GetRecords", "params": {"StreamArn": arn}})
            for item in got["Records"]:
                item["dynamodb"]["ApproximateCreationDateTime"] = item["dynamodb"][
                    "ApproximateCreationDateTime"].timestamp()
                item.update(eventSourceARN=self.stage.to_stage_arn(arn), awsRegion=self.stage.region)
                item.pop("userIdentity", None)
                if matches(pattern, item):
                    records.append(item)
        return [{"Records": records[i:i + batch_size]} for i in range(0, len(records), batch_size)]

    def queue_batches(self, queue: str, batch_size: int, for_function: str, handle: Callable[[dict], dict]) -> int:
        sqs = self.aws("sqs")
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        record = self.source_calls[for_function].append
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        record({"service": "sqs", "operation": "GetQueueAttributes", "params": {"QueueUrl": url}})
        handled = 0
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch_size,
                                           AttributeNames=["All"]).get("Messages", [])
            record({"service": "sqs", "operation": "ReceiveMessage", "params": {"QueueUrl": url}})
            if not messages:
                return handled
            arn = f"arn:aws:sqs:{self.stage.region}:{self.stage.account}:{queue}"
            event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                                  "attributes": m.get("Attributes", {}), "messageAttributes": {},
                                  "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": arn,
                                  "awsRegion": self.stage.region} for m in messages]}
            result = handle(event)
            failed = {f["itemIdentifier"] for f in (result.get("response") or {}).get("batchItemFailures", [])}
            done = [m for m in messages if result["ok"] and m["MessageId"] not in failed]
            if done:
                sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)])
                record({"service": "sqs", "operation": "DeleteMessageBatch", "params": {"QueueUrl": url}})
            handled += len(messages)
            if not done:
                return handled

    def deliver_mail_feedback(self, *, bounced: str) -> None:
        """A permanent bounce as SES publishes it to the feedback topic and SNS delivers it to its queue
        (the emulator's SES reports bounces only for its own test addresses)."""
        notification = {"notificationType": "Bounce", "mail": {"destination": [bounced]},
                        "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                                   "bouncedRecipients": [{"emailAddress": bounced, "diagnosticCode": "550 5.1.1"}]}}
        envelope = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": json.dumps(notification)}
        sqs = self.aws("sqs")
        url = sqs.get_queue_url(QueueName=f"{self.prefix}-mail-feedback")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(envelope))

    def scheduled(self, rule: str) -> dict:
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                "account": self.stage.account, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self.stage.region,
                "resources": [f"arn:aws:events:{self.stage.region}:{self.stage.account}:rule/{rule}"], "detail": {}}

    def object_created(self, bucket: str, key: str) -> dict:
        head = self.aws("s3").head_object(Bucket=bucket, Key=key)
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Object Created", "source": "aws.s3",
                "account": self.stage.account, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self.stage.region, "resources": [f"arn:aws:s3:::{bucket}"],
                "detail": {"version": "0", "bucket": {"name": bucket},
                           "object": {"key": key, "size": head["ContentLength"], "etag": head["ETag"].strip('"'),
                                      "version-id": head.get("VersionId"), "sequencer": "0"},
                           "request-id": "artifacts", "requester": self.stage.account, "reason": "PostObject"}}

    # ---- Step Functions

    def execute(self, definition: dict, state: dict) -> tuple[str, dict, list[str]]:
        """Walk an ASL definition as Step Functions would (the subset the platform's machine uses)."""
        by_arn = {f"arn:aws:lambda:{self.stage.region}:{self.stage.account}:function:{name}:live": name
                  for name in self.functions}
        name, path = definition["StartAt"], []
        while True:
            path.append(name)
            step = definition["States"][name]
            kind = step["Type"]
            if kind in ("Succeed", "Fail"):
                return ("SUCCEEDED" if kind == "Succeed" else "FAILED"), state, path
            if kind == "Choice":
                name = next((c["Next"] for c in step["Choices"] if choice(c, state)), step.get("Default"))
                continue
            if kind != "Task":
                raise AssertionError(f"state type {kind} is not walked here")
            if step["Resource"] in by_arn:
                result = self.invoke(by_arn[step["Resource"]], state)
            else:  # a service integration: MediaConvert's .sync job, done here as the job would do it
                self.integrations.append(step["Resource"])
                result = self.service_task(step, state)
            if result["ok"]:
                state = _task_output(step, state, result["response"])
            else:
                catch = next((c for c in step.get("Catch", []) if "States.ALL" in c["ErrorEquals"]
                              or result["error"] in c["ErrorEquals"]), None)
                if catch is None:
                    return "FAILED", state, path
                error = {"Error": result["error"], "Cause": json.dumps(
                    {"errorMessage": result["message"], "errorType": result["error"]})}
                state = {**state, catch["ResultPath"].removeprefix("$."): error}
                name = catch["Next"]
                continue
            if step.get("End"):
                return "SUCCEEDED", state, path
            name = step["Next"]


    def service_task(self, step: dict, state: dict) -> dict:
        """A ``.sync`` MediaConvert job, which the emulator cannot run: its arguments are built from the
        state as Step Functions builds them (``Parameters``), and what the job's settings say it writes is
        written to the emulator's bucket (HLS: ``<destination>.m3u8``, ``<destination><modifier>.m3u8`` and a
        segment each; frame capture: ``<destination>.0000000.<extension>``); the answer is GetJob's when
        the job is COMPLETE."""
        if step["Resource"] != MEDIACONVERT_SYNC:
            return {"ok": False, "error": "States.TaskFailed", "message": f"{step['Resource']} is not emulated"}
        job = {key.removesuffix(".$"): _path(state, value) if key.endswith(".$") else value
               for key, value in step["Parameters"].items()}
        s3 = self.aws("s3")
        for group in job["Settings"]["OutputGroups"]:
            settings = group["OutputGroupSettings"]
            if settings["Type"] == "HLS_GROUP_SETTINGS":
                destination = settings["HlsGroupSettings"]["Destination"]
                names = [f"{destination}.m3u8", *(f"{destination}{o['NameModifier']}{suffix}"
                                                   for o in group["Outputs"] for suffix in (".m3u8", "_00001.ts"))]
            else:
                destination = settings["FileGroupSettings"]["Destination"]
                names = [f"{destination}.0000000.{o['Extension']}" for o in group["Outputs"]]
            for name in names:
                bucket, _, key = name.removeprefix("s3://").partition("/")
                s3.put_object(Bucket=bucket, Key=key, Body=f"written by MediaConvert job for {key}\n".encode())
        return {"ok": True, "response": {"Job": {"Id": f"{uuid.uuid4().int % 10**13}-artifacts",
                                                 "Status": "COMPLETE", "Settings": job["Settings"]}}}


def _path(state: dict, path: str):
    """A reference path (``$.a.b``) into the state."""
    value = state
    for part in path.removeprefix("$.").split("."):
        value = value[part]
    return value


def _task_output(step: dict, state: dict, result: dict) -> dict:
    """What a Task state passes on: its result, reduced by ResultSelector and placed at ResultPath."""
    if "ResultSelector" in step:
        result = {key.removesuffix(".$"): _path(result, value) for key, value in step["ResultSelector"].items()}
    if "ResultPath" not in step:
        return result
    return {**state, step["ResultPath"].removeprefix("$."): result}


def choice(rule: dict, state: dict) -> bool:
    if "Or" in rule:
        return any(choice(r, state) for r in rule["Or"])
    if "And" in rule:
        return all(choice(r, state) for r in rule["And"])
    value = state.get(rule["Variable"].removeprefix("$."))
    if "StringEquals" in rule:
        return value == rule["StringEquals"]
    raise AssertionError(f"choice rule not walked here: {rule}")


def matches(pattern: dict, event: dict) -> bool:
    """EventBridge-style pattern matching (exact values), as Lambda's FilterCriteria apply it."""
    for key, expected in pattern.items():
        value = event.get(key) if isinstance(event, dict) else None
        if isinstance(expected, dict):
            if not matches(expected, value or {}):
                return False
        elif value not in expected:
            return False
    return True


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
