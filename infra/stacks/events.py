"""Domain events: the custom bus, the outbox relay from the table's stream (with a scheduled sweep as the
safety net), a queue with a DLQ per rule of ``marketplace.events.RULES``, the notifications topic and
its consumer."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.functions import FunctionKit
from infra.components.grants import (
    READ,
    WRITE,
    grant_key,
    grant_media_moves,
    grant_objects,
    grant_secret,
    grant_table,
)
from infra.config import StageConfig
from infra.nag import acknowledge
from infra.stacks.auth import AuthStack
from infra.stacks.data import DataStack, removal_policy
from marketplace import notifications, outbox, scheduler
from marketplace.alerts import digests, matching
from marketplace.alerts.digests import SCHEDULES as DIGEST_SCHEDULES
from marketplace.config import Settings
from marketplace.consumers import CONSUMER_TIMEOUT, VISIBILITY_TIMEOUT
from marketplace.delivery import BUYER_APPS, feedback
from marketplace.delivery.push import push_topic_name
from marketplace.deployment import Env, handler_name
from marketplace.events import RULES, Queue
from marketplace.exchange_rates import NRB
from marketplace.models import ExchangeRates
from marketplace.search_index import writer as index_writer
from marketplace.search_index.store import POINTER_KEY
from marketplace.search_index.store import PREFIX as SEARCH_PREFIX
from marketplace.services import exchange_rates, freshness, media_placement
from ops import scheduled
from public_api.functions import search_index_writer

EVENT_SOURCE = Settings.event_source
SEARCH_POINTER_PARTITION = POINTER_KEY[0]
SEARCH_WRITER_MEMORY_MB = 1024  # the index in memory twice while serialising (about 40 MB at 10,000 listings)
MAX_RECEIVES = 5  # as the local queues: five tries, then the DLQ
DIGEST_SENDERS = 5  # digest workers at once: 5 x 8 threads stays near SES's production sending rate (raise both together)


class EventsStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, data: DataStack,
                 distribution: cloudfront.IDistribution | None = None, auth: AuthStack | None = None, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        key = data.keys.data
        # EventBridge and SNS must use the data key to deliver into encrypted queues.
        key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("events.amazonaws.com"), iam.ServicePrincipal("sns.amazonaws.com"),
                        iam.ServicePrincipal("ses.amazonaws.com")],  # SES publishes feedback to an encrypted topic
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": config.account}}))

        self.bus = events.EventBus(self, "Bus", event_bus_name=config.prefix)
        self.bus.archive("Archive", archive_name=f"{config.prefix}-events", retention=Duration.days(30),
                         event_pattern=events.EventPattern(source=[EVENT_SOURCE]))
        self.topic = sns.Topic(self, "Notifications", topic_name=f"{config.prefix}-notifications",
                               master_key=key, enforce_ssl=True)
        # ---- push per buyer app: one topic each (marketplace.delivery.BUYER_APPS); each app's push service
        # subscribes to its own with a filter policy on the recipient (and fans out to its platform endpoints).
        self.push_topics = {app: sns.Topic(self, f"Push{app.title()}", topic_name=push_topic_name(config.prefix, app),
                                           master_key=key, enforce_ssl=True) for app in BUYER_APPS}
        self.push_environment = {
            Env.NOTIFY_TOPIC_ARN: self.topic.topic_arn,
            Env.PUSH_TOPIC_ARNS: self.to_json_string({app: t.topic_arn for app, t in self.push_topics.items()})}

        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for rule in RULES:
            dlq = sqs.Queue(self, f"{rule.queue.title()}Dlq", queue_name=f"{config.prefix}-{rule.queue}-dlq",
                            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
                            retention_period=Duration.days(14))
            acknowledge(dlq, *[("AwsSolutions-SQS3", "This queue is itself a dead-letter queue.")])
            queue = sqs.Queue(self, f"{rule.queue.title()}Queue", queue_name=f"{config.prefix}-{rule.queue}",
                              encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
                              visibility_timeout=Duration.seconds(int(VISIBILITY_TIMEOUT.total_seconds())),
                              dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=MAX_RECEIVES))
            events.Rule(self, f"{rule.name.title()}Rule", rule_name=f"{config.prefix}-{rule.name}",
                        event_bus=self.bus, description=f"{rule.name}: {len(rule.detail_types)} event types",
                        event_pattern=events.EventPattern(source=[EVENT_SOURCE],
                                                          detail_type=[t.value for t in rule.detail_types]),
                        targets=[targets.SqsQueue(queue, dead_letter_queue=dlq, retry_attempts=8)])
            self.queues[rule.queue] = queue
            self.dead_letter_queues[rule.queue] = dlq

        kit = FunctionKit(self, base_environment={
            Env.STAGE: config.name, Env.PREFIX: config.prefix,
            Env.TABLE: data.table.table.table_name, Env.EVENT_BUS: self.bus.event_bus_name,
        }, logs_key=data.keys.logs, log_retention_days=config.log_retention_days,
            removal_policy=removal_policy(config))

        # The relay: stream INSERTs of outbox records -> PutEvents -> mark sent.
        self.relay = kit.function(
            "OutboxRelay", function_name=f"{config.prefix}-outbox-relay", handler=handler_name(outbox.stream_handler),
            description="Relays outbox records from the table stream to the event bus",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(60))
        grant_table(self.relay.role, table=data.table, key=key, actions=["dynamodb:UpdateItem", "dynamodb:GetItem"])
        self.relay.alias.add_event_source(sources.DynamoEventSource(
            data.table.table, starting_position=lambda_.StartingPosition.TRIM_HORIZON, batch_size=50,
            max_batching_window=Duration.seconds(1), retry_attempts=10, bisect_batch_on_error=True,
            report_batch_item_failures=True,
            filters=[lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.is_equal("INSERT"),
                                                     "dynamodb": {"NewImage": {"type": {"S": lambda_.FilterRule.is_equal("OutboxEvent")}}}})]))
        self.bus.grant_put_events_to(self.relay.role)
        # Lambda's stream poller lists the table's streams with the function's role; ListStreams has no
        # resource-level permission, so the grant the event source adds on the stream ARN does not cover it.
        self.relay.allow(actions=["dynamodb:ListStreams"], resources=["*"])

        # The sweep: anything still pending (a relay that failed between publish and mark) goes again.
        self.sweep = kit.function(
            "OutboxSweep", function_name=f"{config.prefix}-outbox-sweep", handler=handler_name(scheduled.outbox_sweep),
            description="Publishes outbox records still pending (safety net of the stream relay)",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(120), reserved_concurrency=1)
        grant_table(self.sweep.role, table=data.table, key=key, actions=["dynamodb:UpdateItem", "dynamodb:GetItem"],
                    indexes=["gsi5"])
        self.bus.grant_put_events_to(self.sweep.role)
        events.Rule(self, "SweepSchedule", rule_name=f"{config.prefix}-outbox-sweep",
                    schedule=events.Schedule.rate(Duration.minutes(5)),
                    targets=[targets.LambdaFunction(self.sweep.alias, retry_attempts=0)])

        # The clock: coming-soon listings become active when their public date comes.
        self.scheduler = kit.function(
            "Scheduler", function_name=f"{config.prefix}-scheduler", handler=handler_name(scheduler.handler),
            description="Publishes coming-soon listings whose public date has come",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(120), reserved_concurrency=1)
        grant_table(self.scheduler.role, table=data.table, key=key, actions=[*READ, *WRITE], indexes=["gsi5"])
        events.Rule(self, "SchedulerSchedule", rule_name=f"{config.prefix}-scheduler",
                    schedule=events.Schedule.rate(Duration.minutes(5)),
                    targets=[targets.LambdaFunction(self.scheduler.alias, retry_attempts=0)])

        # Listings that stay true: once a day, ask brokers to reconfirm listings unconfirmed for 30 days and
        # expire those unconfirmed for 45 (reads only those, from the active listings' confirmation index).
        self.freshness = kit.function(
            "ListingFreshness", function_name=f"{config.prefix}-listing-freshness", handler=handler_name(freshness.handler),
            description="Asks brokers to reconfirm ageing listings and expires unconfirmed ones",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(300), reserved_concurrency=1)
        grant_table(self.freshness.role, table=data.table, key=key, actions=[*READ, *WRITE], indexes=["gsi1", "gsi5"])
        events.Rule(self, "ListingFreshnessSchedule", rule_name=f"{config.prefix}-listing-freshness",
                    schedule=events.Schedule.cron(minute="30", hour="0"),  # 06:15 in Kathmandu
                    targets=[targets.LambdaFunction(self.freshness.alias, retry_attempts=2)])

        self._mail(kit, config=config, data=data, distribution=distribution, auth=auth)

        # Exchange rates (display only): Nepal Rastra Bank's daily reference rates into the table. NRB
        # publishes around midnight Kathmandu time; 00:30 UTC is 06:15 there, 18:30 UTC catches a late sheet.
        self.exchange_rates = kit.function(
            "ExchangeRates", function_name=f"{config.prefix}-exchange-rates",
            handler=handler_name(exchange_rates.handler),
            description="Stores Nepal Rastra Bank's daily reference rates (prices shown in other currencies)",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(60), reserved_concurrency=1)
        # The rates item only: a put on its partition, nothing else in the table.
        self.exchange_rates.role.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:PutItem"], resources=[data.table.table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [ExchangeRates.key(NRB)[0]]}}))
        grant_key(self.exchange_rates.role, key=key, encrypt=True)
        events.Rule(self, "ExchangeRatesSchedule", rule_name=f"{config.prefix}-exchange-rates",
                    schedule=events.Schedule.expression("cron(30 0,18 * * ? *)"),
                    targets=[targets.LambdaFunction(self.exchange_rates.alias, retry_attempts=2)])

        # Notifications: the queue of the "notifications" rule -> render -> e-mail (SES) and push (SNS),
        # once per event id and channel.
        self.notifier = kit.function(
            "NotificationsConsumer", function_name=f"{config.prefix}-notifications",
            handler=handler_name(notifications.handler), description="Turns domain events into e-mail and push messages",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(int(CONSUMER_TIMEOUT.total_seconds())),
            environment={**self.push_environment, **self.mail_environment})
        grant_table(self.notifier.role, table=data.table, key=key, actions=[*READ, *WRITE])
        self.grant_push(self.notifier)
        self.grant_mail(self.notifier, data=data)
        grant_key(self.notifier.role, key=key, encrypt=True)
        self.notifier.alias.add_event_source(sources.SqsEventSource(
            self.queues[Queue.NOTIFICATIONS], batch_size=10, report_batch_item_failures=True))

        # Media placement: the queue of the "media-placement" rule -> media follows the listing's premium flag.
        self.placement = kit.function(
            "MediaPlacementConsumer", function_name=f"{config.prefix}-media-placement",
            handler=handler_name(media_placement.handler),
            description="Moves a listing's media between the public and premium buckets when its premium flag changes",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(120),
            environment={Env.PUBLIC_BUCKET: data.public.name, Env.PREMIUM_BUCKET: data.premium.name,
                         **({Env.CLOUDFRONT_DISTRIBUTION_ID: distribution.distribution_id} if distribution else {})})
        grant_table(self.placement.role, table=data.table, key=key, actions=[*READ, *WRITE])
        grant_media_moves(self.placement, buckets=(data.public, data.premium), key=data.keys.media)
        if distribution is not None:  # the cached copies of what it moved: this distribution's only
            self.placement.allow(actions=["cloudfront:CreateInvalidation"], resources=[self.format_arn(
                service="cloudfront", region="", resource="distribution", resource_name=distribution.distribution_id)])
        self.placement.alias.add_event_source(sources.SqsEventSource(
            self.queues[Queue.MEDIA_PLACEMENT], batch_size=10, report_batch_item_failures=True))

        # Daily report figures: the queue of the "daily-reports" rule -> DailyReport items, each event once.
        self.reporter = kit.function(
            "DailyReportsConsumer", function_name=f"{config.prefix}-daily-reports",
            handler="marketplace.services.daily_reports.handler",
            description="Adds favorites, inquiries and moderation decisions to the back office's daily report figures",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(int(CONSUMER_TIMEOUT.total_seconds())))
        grant_table(self.reporter.role, table=data.table, key=key, actions=["dynamodb:PutItem", "dynamodb:UpdateItem"])
        self.reporter.alias.add_event_source(sources.SqsEventSource(
            self.queues[Queue.DAILY_REPORTS], batch_size=10, report_batch_item_failures=True))

        self._search_index_writer(kit, config=config, data=data)
        self._alerts(kit, config=config, data=data)
        self.functions = [self.relay, self.sweep, self.scheduler, self.notifier, self.placement, self.reporter,
                          self.search_writer, self.feedback, self.alerts, self.digests, self.digest_sender,
                          self.exchange_rates, self.freshness]
        CfnOutput(self, "EventBusName", value=self.bus.event_bus_name, description="The domain event bus")
        CfnOutput(self, "NotificationsTopicArn", value=self.topic.topic_arn, description="Notifications topic")
        for app, topic in self.push_topics.items():  # what each app's push service subscribes to
            CfnOutput(self, f"Push{app.title()}TopicArn", value=topic.topic_arn, description=f"Push topic of the {app} app")


    # --- Mail: SES sending, its bounce and complaint feedback (marketplace.delivery) ---
    def _mail(self, kit: FunctionKit, *, config: StageConfig, data: DataStack,
              distribution: cloudfront.IDistribution | None, auth: AuthStack | None) -> None:
        """The sending domain, a configuration set whose bounces and complaints go to the feedback topic,
        that topic's queue and its consumer (which suppresses the addresses: PutItem only)."""
        key = data.keys.data
        self.mail_domain = config.site_domain
        ses.EmailIdentity(self, "MailDomain", identity=ses.Identity.domain(self.mail_domain))
        self.feedback_topic = sns.Topic(self, "MailFeedback", topic_name=f"{config.prefix}-{feedback.QUEUE}",
                                        master_key=key, enforce_ssl=True)
        self.mail_configuration = ses.ConfigurationSet(self, "MailConfiguration",
                                                       configuration_set_name=f"{config.prefix}-mail")
        self.mail_configuration.add_event_destination(
            "Feedback", destination=ses.EventDestination.sns_topic(self.feedback_topic),
            events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT])
        dlq = sqs.Queue(self, "MailFeedbackDlq", queue_name=f"{config.prefix}-{feedback.QUEUE}-dlq",
                        encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
                        retention_period=Duration.days(14))
        acknowledge(dlq, *[("AwsSolutions-SQS3", "This queue is itself a dead-letter queue.")])
        self.feedback_queue = sqs.Queue(
            self, "MailFeedbackQueue", queue_name=f"{config.prefix}-{feedback.QUEUE}", encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key, enforce_ssl=True,
            visibility_timeout=Duration.seconds(int(VISIBILITY_TIMEOUT.total_seconds())),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=MAX_RECEIVES))
        self.feedback_topic.add_subscription(subscriptions.SqsSubscription(self.feedback_queue))
        self.feedback = kit.function(
            "MailFeedbackConsumer", function_name=f"{config.prefix}-{feedback.QUEUE}",
            handler=handler_name(feedback.handler), description="Suppresses addresses SES reports as bouncing or complaining",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(int(CONSUMER_TIMEOUT.total_seconds())))
        grant_table(self.feedback.role, table=data.table, key=key, actions=["dynamodb:PutItem"])
        self.feedback.alias.add_event_source(sources.SqsEventSource(self.feedback_queue, batch_size=10,
                                                                    report_batch_item_failures=True))
        origin = f"https://{distribution.distribution_domain_name}" if distribution is not None else f"https://{config.site_domain}"
        self.mail_environment = {
            Env.MAIL_FROM: f"Shikhar <alerts@{self.mail_domain}>",
            Env.SES_CONFIGURATION_SET: self.mail_configuration.configuration_set_name,
            Env.SITE_URL: f"https://{config.site_domain}", Env.API_URL: f"{origin}/api", Env.BACKOFFICE_URL: origin,
            # Unsubscribe links are signed with the cursors' key (marketplace.alerts.unsubscribe).
            Env.CURSOR_SECRET: data.secrets.cursor.secret_arn,
        }
        self.user_pool = auth.user_pool if auth is not None else None
        if self.user_pool is not None:  # buyers' addresses the apps never wrote to a profile
            self.mail_environment[Env.USER_POOL_ID] = self.user_pool.user_pool_id

    def grant_push(self, function) -> None:
        """Publish to the notifications topic and every buyer app's push topic, nothing else."""
        function.allow(actions=["sns:Publish"],
                       resources=[self.topic.topic_arn, *(t.topic_arn for t in self.push_topics.values())])

    def grant_mail(self, function, *, data: DataStack) -> None:
        """Send raw e-mail from the stage's domain through its configuration set, and nothing else; sign
        unsubscribe links; find a buyer's address in the user pool (ListUsers, that pool only)."""
        function.allow(actions=["ses:SendRawEmail"], resources=[
            self.format_arn(service="ses", resource="identity", resource_name=self.mail_domain),
            self.format_arn(service="ses", resource="configuration-set",
                            resource_name=self.mail_configuration.configuration_set_name)])
        grant_secret(function.role, secret=data.secrets.cursor, key=data.keys.data)
        if self.user_pool is not None:
            function.allow(actions=["cognito-idp:ListUsers"], resources=[self.user_pool.user_pool_arn])
            # The admins: of the moderation summary (digests), of a licence ending (notifications).
            if function in (getattr(self, "digests", None), getattr(self, "notifier", None)):
                function.allow(actions=["cognito-idp:ListUsersInGroup"], resources=[self.user_pool.user_pool_arn])

    # --- Alerts: saved-search and favorites alerts on listing events; digests by schedule ---
    def _alerts(self, kit: FunctionKit, *, config: StageConfig, data: DataStack) -> None:
        key = data.keys.data
        environment = {**self.push_environment, **self.mail_environment}
        self.alerts = kit.function(
            "AlertsConsumer", function_name=f"{config.prefix}-{Queue.ALERTS}", handler=handler_name(matching.handler),
            description="Matches listing events to saved searches and favorites; sends or queues alerts",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(int(CONSUMER_TIMEOUT.total_seconds())),
            environment=environment)
        self._digests(kit, config=config, data=data, environment=environment)
        grant_table(self.alerts.role, table=data.table, key=key, actions=[*READ, *WRITE], indexes=["gsi6"])
        self.grant_push(self.alerts)
        self.grant_mail(self.alerts, data=data)
        grant_key(self.alerts.role, key=key, encrypt=True)
        self.alerts.alias.add_event_source(sources.SqsEventSource(
            self.queues[Queue.ALERTS], batch_size=10, report_batch_item_failures=True))

    # --- Digests at scale: the schedule queues the buyers due, a worker sends them batch by batch ---
    def _digests(self, kit: FunctionKit, *, config: StageConfig, data: DataStack, environment: dict) -> None:
        """The schedule's function reads who is due and queues them (``digests.CHUNK`` buyers a message),
        and sends the admins' moderation summary; the digest worker takes one message at a time, so no run
        grows with the number of buyers. The queue's DLQ is watched like the rules' (operations stack)."""
        key = data.keys.data
        dlq = sqs.Queue(self, "DigestsDlq", queue_name=f"{config.prefix}-{digests.QUEUE}-dlq",
                        encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
                        retention_period=Duration.days(14))
        acknowledge(dlq, *[("AwsSolutions-SQS3", "This queue is itself a dead-letter queue.")])
        self.digest_queue = sqs.Queue(
            self, "DigestsQueue", queue_name=f"{config.prefix}-{digests.QUEUE}", encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key, enforce_ssl=True,
            visibility_timeout=Duration.seconds(int(digests.QUEUE_VISIBILITY.total_seconds())),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=MAX_RECEIVES))
        self.dead_letter_queues[digests.QUEUE] = dlq
        self.digests = kit.function(
            "DigestSender", function_name=f"{config.prefix}-digests", handler=handler_name(digests.handler),
            description="Queues the buyers due the daily or weekly digest at 07:00 Kathmandu time; the admins' summary",
            memory_mb=config.worker_memory_mb, timeout=Duration.minutes(5),
            environment={**environment, Env.DIGEST_QUEUE_URL: self.digest_queue.queue_url}, reserved_concurrency=1)
        # Reads only: the pending partition (who is due), the admins' profiles and suppressions, and the
        # moderation queue's count and oldest (gsi5, listings by status).
        grant_table(self.digests.role, table=data.table, key=key, actions=READ, indexes=["gsi5"])
        # SendMessageBatch is authorised as SendMessage; the data key (granted below) encrypts the messages.
        self.digests.allow(actions=["sqs:SendMessage"], resources=[self.digest_queue.queue_arn])
        self.digest_sender = kit.function(
            "DigestWorker", function_name=f"{config.prefix}-digest-sender",
            handler=handler_name(digests.batch_handler),
            description="Sends the saved-search digests of one queued batch of buyers, once per buyer and period",
            memory_mb=config.worker_memory_mb, timeout=Duration.seconds(int(digests.WORKER_TIMEOUT.total_seconds())),
            environment=environment)
        # The buyers' pending items, sent markers (claims), profiles, preferences, suppressions, subscriptions
        # and listings: all by key or in the pending partition, no index.
        grant_table(self.digest_sender.role, table=data.table, key=key, actions=[*READ, *WRITE])
        for function in (self.digests, self.digest_sender):
            self.grant_push(function)
            self.grant_mail(function, data=data)
        grant_key(self.digests.role, key=key, encrypt=True)  # the encrypted queue and topic
        grant_key(self.digest_sender.role, key=key, encrypt=True)
        # One message (50 buyers) an invocation; at most DIGEST_SENDERS at once keeps SES under its sending rate.
        self.digest_sender.alias.add_event_source(sources.SqsEventSource(
            self.digest_queue, batch_size=1, max_concurrency=DIGEST_SENDERS, report_batch_item_failures=True))
        for frequency, expression in DIGEST_SCHEDULES.items():
            events.Rule(self, f"Digest{frequency.value.title()}Schedule", rule_name=f"{config.prefix}-digest-{frequency}",
                        schedule=events.Schedule.expression(expression),
                        targets=[targets.LambdaFunction(self.digests.alias, retry_attempts=2,
                                                        event=events.RuleTargetInput.from_object({"frequency": frequency.value}))])

    def _search_index_writer(self, kit: FunctionKit, *, config: StageConfig, data: DataStack) -> None:
        """The search index's one writer: reserved concurrency 1 (two writers would race on the version
        item; the condition would catch it, at the cost of redoing work). The batching window and the
        writer's own wait keep publishes at most every few seconds."""
        self.search_writer = kit.function(
            "SearchIndexWriter", function_name=f"{config.prefix}-search-index",
            handler=handler_name(search_index_writer.handler),
            description="Applies listing events to the search index and publishes its versions",
            memory_mb=SEARCH_WRITER_MEMORY_MB, timeout=Duration.seconds(int(CONSUMER_TIMEOUT.total_seconds())),
            environment={Env.SEARCH_BUCKET: data.search.name}, reserved_concurrency=1,
            groups=["public_api"])  # the domain's writer given the API's cards (public_api.presenters, pydantic)
        role, key = self.search_writer.role, data.keys.data
        # Listings by key (BatchGetItem) and every listed one through the feed index (a build).
        grant_table(role, table=data.table, key=key, actions=["dynamodb:GetItem", "dynamodb:BatchGetItem"],
                    indexes=["gsi4"])
        # The version item only: a put on its partition, nothing else in the table.
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["dynamodb:PutItem"], resources=[data.table.table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [SEARCH_POINTER_PARTITION]}}))
        grant_key(role, key=key, encrypt=True)
        grant_objects(role, bucket=data.search.name, actions=["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                      prefix=SEARCH_PREFIX)
        # A failed round is handled (the batch comes back), so no invocation error counts it: its log line does.
        self.search_rounds_failed = logs.MetricFilter(
            self, "SearchIndexRoundsFailed", log_group=self.search_writer.log_group, metric_namespace="Shikhar",
            metric_name="SearchIndexRoundsFailed", metric_value="1", default_value=0,
            filter_pattern=logs.FilterPattern.string_value("$.message", "=", index_writer.ROUND_FAILED),
        ).metric(period=Duration.minutes(5), statistic="Sum")
        self.search_writer.alias.add_event_source(sources.SqsEventSource(
            self.queues[Queue.SEARCH_INDEX], batch_size=10, max_batching_window=Duration.seconds(2),
            max_concurrency=2, report_batch_item_failures=True))  # SQS's floor for the poller; the reserved concurrency of 1 is what limits
