"""Operations: alarms (API 5xx rate and p99 latency, Lambda errors and throttles, DLQ depth, DynamoDB
throttles, media failures), a dashboard, the synthetic canary, the weekly table export, AWS Budgets and
Cost Anomaly Detection (dossier sections 7, 8 and 13)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_ce as ce
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_synthetics as synthetics
from constructs import Construct

from infra.components.buckets import Lifecycle, SecureBucket, bucket_name
from infra.components.functions import REPO, FunctionKit, ServiceFunction
from infra.components.grants import grant_key, grant_objects, grant_secret, grant_table
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.stacks.api import ApiStack
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack, removal_policy
from infra.stacks.edge import EdgeStack
from infra.stacks.events import EventsStack
from infra.stacks.media import MediaStack
from marketplace.deployment import Env, handler_name
from ops import scheduled
from public_api.observability import SERVICE as API_SERVICE

API_5XX_PERCENT = 1  # of requests in 5 minutes
API_P99_MS = 1500
CANARY_HANDLER = '''"""CloudWatch Synthetics entry point: the journey of ops.synthetic (copied beside this file)."""
import synthetic


def handler(event, context):
    return synthetic.canary_handler(event, context)
'''


def canary_code() -> synthetics.Code:
    """The journey's one module (``ops/synthetic.py``, stdlib + boto3 only) with a Synthetics entry point."""
    staging = Path(tempfile.mkdtemp(prefix="shikhar-canary-")) / "python"
    staging.mkdir()
    shutil.copy(REPO / "ops" / "synthetic.py", staging / "synthetic.py")
    (staging / "canary.py").write_text(CANARY_HANDLER)
    return synthetics.Code.from_asset(str(staging.parent))


class OperationsStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack, auth: AuthStack,
                 events_stack: EventsStack, api: ApiStack, media: MediaStack, edge: EdgeStack, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        key = data.keys.data
        key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": config.account}}))
        self.alarm_topic = sns.Topic(self, "Alarms", topic_name=f"{config.prefix}-alarms", master_key=key,
                                     enforce_ssl=True)
        self.alarm_topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        notify = actions.SnsAction(self.alarm_topic)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(id: str, metric: cloudwatch.IMetric, *, threshold: float, description: str,
                  periods: int = 1) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(
                self, id, metric=metric, threshold=threshold, evaluation_periods=periods,
                datapoints_to_alarm=periods, alarm_description=description,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
            created.add_alarm_action(notify)
            self.alarms.append(created)
            return created

        five = Duration.minutes(5)
        http = api.api
        error_rate = cloudwatch.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)", period=five, label="5xx %",
            using_metrics={"errors": http.metric_server_error(period=five, statistic="Sum"),
                           "requests": http.metric_count(period=five, statistic="Sum")})
        alarm("Api5xxRate", error_rate, threshold=API_5XX_PERCENT, periods=2,
              description=f"Public API: more than {API_5XX_PERCENT}% of requests fail with 5xx")
        p99 = http.metric_latency(period=five, statistic="p99")
        alarm("ApiP99Latency", p99, threshold=API_P99_MS, periods=3,
              description=f"Public API: p99 latency above {API_P99_MS} ms for 15 minutes")

        functions: list[ServiceFunction] = [*api.functions.values(), *events_stack.functions, *media.functions]
        for function in functions:
            label = function.node.id
            alarm(f"{label}Errors", function.function.metric_errors(period=five, statistic="Sum"), threshold=0,
                  description=f"{function.function_name}: invocation errors")
            if function is events_stack.search_writer:  # concurrency 1 behind SQS: a throttle only delays a batch
                continue
            alarm(f"{label}Throttles", function.function.metric_throttles(period=five, statistic="Sum"), threshold=0,
                  description=f"{function.function_name}: throttled invocations")
        for queue in [*events_stack.dead_letter_queues.values(), media.dead_letters]:
            alarm(f"{queue.node.id}Depth", queue.metric_approximate_number_of_messages_visible(period=five),
                  threshold=0, description=f"Messages waiting in a dead-letter queue ({queue.node.id})")
        table_name = data.table.table.table_name
        for event in ("ReadThrottleEvents", "WriteThrottleEvents"):
            alarm(f"Table{event}", cloudwatch.Metric(namespace="AWS/DynamoDB", metric_name=event, period=five,
                                                      statistic="Sum", dimensions_map={"TableName": table_name}),
                  threshold=0, description=f"DynamoDB {event} on the table")
        # Search answered without its index (public_api.search_index): the runbook is search-index.md.
        alarm("SearchIndexFallback", cloudwatch.Metric(
            namespace="Shikhar", metric_name="SearchIndexFallback", period=five, statistic="Sum",
            dimensions_map={"service": API_SERVICE}), threshold=0,
              description="Search is answering from DynamoDB without its index (docs/runbooks/search-index.md)")
        # Publishing rounds failing for 15 minutes (a blip is retried within seconds and pages nobody).
        alarm("SearchIndexRoundsFailed", events_stack.search_rounds_failed, threshold=0, periods=3,
              description="The search index writer cannot publish: new changes are not searchable "
                          "(docs/runbooks/search-index.md)")
        media_failures = cloudwatch.MathExpression(
            expression=" + ".join(media.failure_metrics), using_metrics=media.failure_metrics, period=five,
            label="Media pipeline executions failed, timed out or aborted")
        alarm("MediaFailures", media_failures, threshold=0,
              description="Media pipeline executions failed, timed out or aborted")

        # The canary: sign in -> search -> premium listing -> signed media URL, through CloudFront.
        artifacts = SecureBucket(self, "CanaryArtifacts", key=key, removal_policy=removal_policy(config),
                                 access_logs=data.access_logs, inventory=False,
                                 lifecycle=Lifecycle(archive_days=30, expire_days=30),
                                 bucket_name=bucket_name(prefix=config.prefix, purpose="canary",
                                                         account=self.account, region=self.region))
        canary_name = f"shk-{config.name}-journey"[:21]
        canary_role = iam.Role(self, "CanaryRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                               description="The synthetic journey canary")
        grant_objects(canary_role, bucket=artifacts.name, actions=["s3:PutObject", "s3:GetObject"])
        canary_role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:ListAllMyBuckets"], resources=["*"]))
        canary_role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetBucketLocation"],
                                                                resources=[artifacts.arn]))
        canary_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}))
        canary_logs = (f"arn:aws:logs:{self.region}:{self.account}:log-group:/aws/lambda/"
                       f"cwsyn-{canary_name}-*")
        canary_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[canary_logs]))
        acknowledge(canary_role, (f"AwsSolutions-IAM5[Resource::{canary_logs}]",
                                  ("Synthetics names the canary's log group cwsyn-<name>-<id>; the id is "
                                  "assigned at creation, so the group is named by its canary prefix.")))
        grant_key(canary_role, key=key, encrypt=True)
        acknowledge(canary_role, ("AwsSolutions-IAM5[Resource::*]",
                                  ("What every Synthetics canary needs: s3:ListAllMyBuckets/GetBucketLocation and "
                                  "cloudwatch:PutMetricData (limited to the CloudWatchSynthetics namespace).")))
        grant_secret(canary_role, secret=data.secrets.canary, key=key)
        self.canary = synthetics.Canary(
            self, "Journey", canary_name=canary_name,
            runtime=synthetics.Runtime.SYNTHETICS_PYTHON_SELENIUM_7_0,
            test=synthetics.Test.custom(code=canary_code(), handler="canary.handler"),
            schedule=synthetics.Schedule.rate(Duration.minutes(config.canary_every_minutes)),
            role=canary_role, artifacts_bucket_location=synthetics.ArtifactsBucketLocation(bucket=artifacts.bucket),
            timeout=Duration.minutes(1),
            environment_variables={
                Env.SYNTHETIC_API: f"https://{edge.domain_name}/api",
                Env.SYNTHETIC_SECRET_ARN: data.secrets.canary.secret_arn,
                Env.USER_POOL_CLIENT_ID: auth.apps_client.user_pool_client_id,
            })
        journey = cloudwatch.Alarm(
            self, "JourneyFailing", metric=self.canary.metric_success_percent(period=five, statistic="Average"),
            threshold=100, comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=2, datapoints_to_alarm=2, treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            alarm_description="The synthetic journey (sign in, search, premium media) is failing")
        journey.add_alarm_action(notify)
        self.alarms.append(journey)

        # Weekly export of the table to S3 with its Parquet copy and manifest (ops export).
        kit = FunctionKit(self, base_environment={
            Env.STAGE: config.name, Env.PREFIX: config.prefix, Env.TABLE: table_name,
            Env.EXPORT_BUCKET: data.exports.name,
        }, logs_key=data.keys.logs, log_retention_days=config.log_retention_days, removal_policy=removal_policy(config))
        exporter = kit.function("WeeklyExport", function_name=f"{config.prefix}-weekly-export",
                                handler=handler_name(scheduled.weekly_export), groups=["ops"], memory_mb=2048,
                                timeout=Duration.minutes(15), reserved_concurrency=1,
                                description="Exports the table to S3, converts it to Parquet, writes the manifest")
        exporter.allow(actions=["dynamodb:ExportTableToPointInTime", "dynamodb:DescribeTable",
                                "dynamodb:DescribeContinuousBackups"], resources=[data.table.table.table_arn])
        export_arns = f"arn:aws:dynamodb:{self.region}:{self.account}:table/{config.prefix}/export/*"
        exporter.allow(actions=["dynamodb:DescribeExport"], resources=[export_arns])
        acknowledge(exporter.role, (f"AwsSolutions-IAM5[Resource::{export_arns}]",
                                    "Export ARNs are created per export; this names only the table's exports."))
        grant_objects(exporter.role, bucket=data.exports.name,
                      actions=["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"])
        exporter.allow(actions=["s3:ListBucket"], resources=[data.exports.arn])
        grant_key(exporter.role, key=key, encrypt=True)
        # Seals: each manifest's hash in the table, chained to the previous export's (ops.export.seal).
        grant_table(exporter.role, table=data.table, key=key, actions=["dynamodb:PutItem", "dynamodb:GetItem"],
                    indexes=["gsi5"])
        events.Rule(self, "WeeklyExportSchedule", rule_name=f"{config.prefix}-weekly-export",
                    schedule=events.Schedule.expression(config.export_schedule),
                    targets=[targets.LambdaFunction(exporter.alias, retry_attempts=2)])
        alarm("WeeklyExportErrors", exporter.function.metric_errors(period=Duration.hours(1), statistic="Sum"),
              threshold=0, description="The weekly table export failed")

        # Cost guardrails.
        budgets.CfnBudget(self, "Budget", budget=budgets.CfnBudget.BudgetDataProperty(
            budget_name=f"{config.prefix}-monthly", budget_type="COST", time_unit="MONTHLY",
            budget_limit=budgets.CfnBudget.SpendProperty(amount=config.monthly_budget_usd, unit="USD")),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind, comparison_operator="GREATER_THAN", threshold=percent,
                        threshold_type="PERCENTAGE"),
                    subscribers=[budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL",
                                                                      address=config.alarm_email)])
                for kind, percent in (("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100))])
        monitor = ce.CfnAnomalyMonitor(self, "CostMonitor", monitor_name=f"{config.prefix}-services",
                                       monitor_type="DIMENSIONAL", monitor_dimension="SERVICE")
        ce.CfnAnomalySubscription(
            self, "CostAnomalies", subscription_name=f"{config.prefix}-cost-anomalies", frequency="DAILY",
            monitor_arn_list=[monitor.attr_monitor_arn],
            subscribers=[ce.CfnAnomalySubscription.SubscriberProperty(type="EMAIL", address=config.alarm_email)],
            threshold_expression=('{"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", '
                                  '"MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["20"]}}'))

        self.dashboard = self._dashboard(config, api=api, functions=functions, events_stack=events_stack,
                                         media=media, table_name=table_name, error_rate=error_rate, p99=p99)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn, description="Where alarms go")
        CfnOutput(self, "CanaryName", value=self.canary.canary_name, description="The synthetic journey")

    def _dashboard(self, config: StageConfig, *, api: ApiStack, functions: list[ServiceFunction],
                   events_stack: EventsStack, media: MediaStack, table_name: str,
                   error_rate: cloudwatch.IMetric, p99: cloudwatch.IMetric) -> cloudwatch.Dashboard:
        five = Duration.minutes(5)
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{config.prefix}-overview")
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="API requests", left=[api.api.metric_count(period=five)], width=8),
            cloudwatch.GraphWidget(title="API 5xx %", left=[error_rate], width=8),
            cloudwatch.GraphWidget(title="API p99 latency (ms)", left=[p99], width=8))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Lambda errors", width=12, left=[
                f.function.metric_errors(period=five, label=f.function_name) for f in functions]),
            cloudwatch.GraphWidget(title="Lambda duration p99", width=12, left=[
                f.function.metric_duration(period=five, statistic="p99", label=f.function_name) for f in functions]))
        capacity = [cloudwatch.Metric(namespace="AWS/DynamoDB", metric_name=name, period=five, statistic="Sum",
                                      dimensions_map={"TableName": table_name})
                    for name in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")]
        dlqs = [*events_stack.dead_letter_queues.values(), media.dead_letters]
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="DynamoDB consumed capacity", left=capacity, width=8),
            cloudwatch.GraphWidget(title="Dead-letter queues", width=8, left=[
                q.metric_approximate_number_of_messages_visible(period=five) for q in dlqs]),
            cloudwatch.GraphWidget(title="Media pipeline", width=8, left=[
                media.state_machine.metric_succeeded(period=five), media.state_machine.metric_failed(period=five)]),
            cloudwatch.GraphWidget(title="Synthetic journey success %", width=8,
                                   left=[self.canary.metric_success_percent(period=five)]))
        return dashboard
