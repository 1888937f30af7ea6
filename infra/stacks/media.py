"""The media pipeline: one Lambda per Lambda step of ``media_pipeline.steps``, the Step Functions state
machine built from the same declaration (MediaConvert as a ``.sync`` service integration), S3 ->
EventBridge -> state machine with a DLQ, and MediaConvert's role."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.components.functions import FunctionKit, ServiceFunction, retention
from infra.components.grants import READ, grant_key, grant_media_moves, grant_objects, grant_table
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.stacks.data import DataStack, removal_policy
from marketplace.deployment import Env, handler_name
from marketplace.media_kinds import KINDS, raw_key_suffix
from media_pipeline import sweep
from media_pipeline.steps import LAMBDA_STEPS, MEDIACONVERT_SYNC, STEPS, Needs, state_machine_definition
from media_pipeline.sweep import SWEEP_MINUTES

MEDIACONVERT_RULE = "StepFunctionsGetEventsForMediaConvertJobRule"  # managed by Step Functions for .sync
RAW_KEYS = [{"suffix": raw_key_suffix(kind)} for kind in KINDS]



def _grant_step(needs: Needs, function: ServiceFunction, data: DataStack) -> None:
    """What the step declares it needs (``Step.needs``) of the table, the buckets and the media key, and
    nothing more."""
    actions = [*READ, "dynamodb:UpdateItem", "dynamodb:PutItem"] if needs.table_writes else list(READ)
    grant_table(function.role, table=data.table, key=data.keys.data, actions=actions)
    if needs.reads_raw:
        grant_objects(function.role, bucket=data.raw.name, actions=["s3:GetObject", "s3:GetObjectVersion"])
    for bucket in (data.public, data.premium):
        if needs.writes_media:
            grant_objects(function.role, bucket=bucket.name, actions=["s3:PutObject"])
        if needs.deletes_media:
            grant_objects(function.role, bucket=bucket.name, actions=["s3:DeleteObject"])
        if needs.lists_media or needs.deletes_media:
            function.allow(actions=["s3:ListBucket"], resources=[f"arn:aws:s3:::{bucket.name}"])
    if needs.reads_raw or needs.writes_media:
        grant_key(function.role, key=data.keys.media, encrypt=needs.writes_media)
    if needs.places_media:
        grant_media_moves(function, buckets=(data.public, data.premium), key=data.keys.media)


class MediaStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        kit = FunctionKit(self, base_environment={
            Env.STAGE: config.name, Env.PREFIX: config.prefix,
            Env.TABLE: data.table.table.table_name, Env.RAW_BUCKET: data.raw.name,
            Env.PUBLIC_BUCKET: data.public.name, Env.PREMIUM_BUCKET: data.premium.name,
        }, logs_key=data.keys.logs, log_retention_days=config.log_retention_days,
            removal_policy=removal_policy(config))

        # MediaConvert reads the raw upload and writes HLS renditions to the media buckets.
        self.mediaconvert_role = iam.Role(self, "MediaConvertRole",
                                          assumed_by=iam.ServicePrincipal("mediaconvert.amazonaws.com"),
                                          description="MediaConvert jobs of the media pipeline")
        grant_objects(self.mediaconvert_role, bucket=data.raw.name, actions=["s3:GetObject"])
        for bucket in (data.public, data.premium):
            grant_objects(self.mediaconvert_role, bucket=bucket.name, actions=["s3:PutObject"])
        grant_key(self.mediaconvert_role, key=data.keys.media, encrypt=True)

        mediaconvert_queue = f"arn:aws:mediaconvert:{self.region}:{self.account}:queues/Default"
        self.steps: dict[str, ServiceFunction] = {}
        for step in LAMBDA_STEPS:
            environment = {}
            if step.needs.mediaconvert_job:
                environment[Env.MEDIACONVERT_ROLE_ARN] = self.mediaconvert_role.role_arn
                environment[Env.MEDIACONVERT_QUEUE_ARN] = mediaconvert_queue
            function = kit.function(
                f"{step.name.title().replace('_', '')}Step", function_name=f"{config.prefix}-{step.function_name}",
                handler=step.handler, description=step.description[:256], memory_mb=step.memory_mb,
                timeout=Duration.seconds(step.timeout_seconds), groups=["media"], environment=environment)
            _grant_step(step.needs, function, data)
            self.steps[step.name] = function

        execution_logs = logs.LogGroup(self, "ExecutionLogs", log_group_name=f"/shikhar/{config.name}/media-pipeline",
                                       retention=retention(config.log_retention_days), encryption_key=data.keys.logs,
                                       removal_policy=removal_policy(config))
        definition = state_machine_definition({name: f.alias.function_arn for name, f in self.steps.items()})
        self.state_machine = sfn.StateMachine(
            self, "Pipeline", state_machine_name=f"{config.prefix}-media-pipeline",
            definition_body=sfn.DefinitionBody.from_string(Stack.of(self).to_json_string(definition)),
            tracing_enabled=True,  # the execution's timeout is in the definition (pipeline_seconds)
            logs=sfn.LogOptions(destination=execution_logs, level=sfn.LogLevel.ALL, include_execution_data=False))
        for function in self.steps.values():
            function.alias.grant_invoke(self.state_machine)
        if any(s.integration == MEDIACONVERT_SYNC for s in STEPS):
            self._allow_mediaconvert_sync(mediaconvert_queue)
        acknowledge(self.state_machine.role, (
            "AwsSolutions-IAM5[Resource::*]",
            ("Step Functions log delivery (logs:*LogDelivery, DescribeResourcePolicies) and X-Ray have no "
            "resource-level permissions.")))

        # S3 "Object Created" in the raw bucket -> a pipeline execution; undeliverable events -> the DLQ.
        self.dead_letters = sqs.Queue(self, "UploadsDlq", queue_name=f"{config.prefix}-media-uploads-dlq",
                                      encryption=sqs.QueueEncryption.KMS, encryption_master_key=data.keys.data,
                                      enforce_ssl=True, retention_period=Duration.days(14))
        acknowledge(self.dead_letters, *[("AwsSolutions-SQS3", "This queue is itself a dead-letter queue.")])
        events.Rule(self, "RawUploaded", rule_name=f"{config.prefix}-raw-uploaded",
                    description="A new raw upload starts the media pipeline",
                    # Every reason (PutObject, POST, Copy from a retry, multipart) on an upload's own key.
                    event_pattern=events.EventPattern(source=["aws.s3"], detail_type=["Object Created"],
                                                      detail={"bucket": {"name": [data.raw.name]},
                                                              "object": {"key": RAW_KEYS}}),
                    targets=[targets.SfnStateMachine(self.state_machine, dead_letter_queue=self.dead_letters,
                                                     retry_attempts=8, max_event_age=Duration.hours(6))])
        # The sweep: media stuck past their deadline become failed (media_pipeline.sweep).
        self.sweep = kit.function(
            "MediaSweep", function_name=f"{config.prefix}-media-sweep", handler=handler_name(sweep.handler),
            description="Fails media stuck past their deadline in awaiting_upload or processing",
            memory_mb=256, timeout=Duration.seconds(120), groups=["media"])
        grant_table(self.sweep.role, table=data.table, key=data.keys.data,
                    actions=[*READ, "dynamodb:UpdateItem", "dynamodb:PutItem"], indexes=["gsi5"])
        for bucket in (data.public, data.premium):  # a failed upload's partial files go
            grant_objects(self.sweep.role, bucket=bucket.name, actions=["s3:DeleteObject"])
            self.sweep.allow(actions=["s3:ListBucket"], resources=[f"arn:aws:s3:::{bucket.name}"])
        events.Rule(self, "MediaSweepSchedule", rule_name=f"{config.prefix}-media-sweep",
                    schedule=events.Schedule.rate(Duration.minutes(SWEEP_MINUTES)),
                    targets=[targets.LambdaFunction(self.sweep.alias, retry_attempts=0)])
        self.functions = [*self.steps.values(), self.sweep]
        self.failure_metrics = {  # every way an execution can end without its outcome recorded by a step
            name: getattr(self.state_machine, f"metric_{name}")(period=Duration.minutes(5), statistic="Sum")
            for name in ("failed", "timed_out", "aborted")}
        CfnOutput(self, "StateMachineArn", value=self.state_machine.state_machine_arn,
                  description="The media pipeline")
        CfnOutput(self, "MediaConvertRoleArn", value=self.mediaconvert_role.role_arn,
                  description="Role MediaConvert jobs run as")

    def _allow_mediaconvert_sync(self, queue_arn: str) -> None:
        """What Step Functions needs to run a MediaConvert job with ``.sync``: submit it (passing the job's
        role), follow it through the managed EventBridge rule, and cancel it when the task times out or
        the execution stops."""
        jobs = f"arn:aws:mediaconvert:{self.region}:{self.account}:jobs/*"
        role = self.state_machine.role
        role.add_to_principal_policy(iam.PolicyStatement(actions=["mediaconvert:CreateJob"],
                                                         resources=[queue_arn, jobs]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["mediaconvert:GetJob", "mediaconvert:CancelJob"],
                                                         resources=[jobs]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["iam:PassRole"],
                                                         resources=[self.mediaconvert_role.role_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[f"arn:aws:events:{self.region}:{self.account}:rule/{MEDIACONVERT_RULE}"]))
        acknowledge(role, (
            f"AwsSolutions-IAM5[Resource::arn:aws:mediaconvert:{self.region}:{self.account}:jobs/*]",
            "MediaConvert job ids are assigned when a job is created; they can only be named by pattern."))
