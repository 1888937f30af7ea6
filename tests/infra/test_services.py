"""The stateless stacks: API routes and authorizer, least privilege, functions, events, media, edge, operations."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from infra.config import STAGE_NAMES, stage
from marketplace import notifications, outbox, scheduler
from marketplace.alerts import digests
from marketplace.consumers import VISIBILITY_TIMEOUT
from marketplace.deployment import APPS_CLIENT, Env, handler_name
from marketplace.events import RULES
from marketplace.media_kinds import KINDS
from marketplace.search_index import writer as writer_module
from marketplace.services import exchange_rates, freshness, media_placement, payments
from media_pipeline import sweep
from media_pipeline.steps import LAMBDA_STEPS, state_machine_definition
from ops import scheduled
from public_api.routes import FUNCTIONS, ROUTES

pytestmark = pytest.mark.xdist_group("infra")

DATA_SERVICES = ("dynamodb:", "s3:", "secretsmanager:", "ssm:", "sqs:", "sns:", "kms:")
# Account-level actions that have no resource to name (they read no data).
ACCOUNT_LEVEL = {"s3:ListAllMyBuckets", "dynamodb:ListStreams"}


def _routes(synthesized, name: str) -> dict[str, dict]:
    return {r["Properties"]["RouteKey"]: r["Properties"] for r in synthesized.resources(name, "AWS::ApiGatewayV2::Route").values()}


def test_every_route_of_the_public_api_is_wired_and_signed_in_routes_use_the_jwt_authorizer(synthesized):
    routes = _routes(synthesized, "dev")

    assert set(routes) == {route.route_key for route in ROUTES}
    for route in ROUTES:
        expected = "JWT" if route.signed_in else "NONE"
        assert routes[route.route_key].get("AuthorizationType", "NONE") == expected, route.route_key
    me_routes = [key for key in routes if key.split(" ")[1].startswith("/v1/me")]
    assert len(me_routes) == sum(r.path.startswith("/v1/me") for r in ROUTES)
    assert me_routes and all(routes[k]["AuthorizationType"] == "JWT" for k in me_routes)


def test_the_api_documentation_routes_stay_out_of_production(synthesized):
    assert {"GET /docs", "GET /openapi.json"} & set(_routes(synthesized, "prod")) == set()


def _exported(synthesized, name: str, value):
    """What a cross-stack ``Fn::ImportValue`` stands for: the exporting stack's output value."""
    if not (isinstance(value, dict) and "Fn::ImportValue" in value):
        return value
    for template in synthesized.templates[name].values():
        for output in template.get("Outputs", {}).values():
            if output.get("Export", {}).get("Name") == value["Fn::ImportValue"]:
                return output["Value"]
    raise AssertionError(f"no export {value}")


def _only_resource(synthesized, name: str, kind: str, **properties) -> tuple[str, dict]:
    (found,) = [(path.split("/")[1], r["Properties"]) for path, r in synthesized.resources(name, kind).items()
                if all(r["Properties"].get(k) == v for k, v in properties.items())]
    return found


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_jwt_authorizer_trusts_the_stages_user_pool_and_only_the_apps_client(synthesized, name):
    pool_id, _ = _only_resource(synthesized, name, "AWS::Cognito::UserPool", UserPoolName=f"shikhar-{name}-users")
    apps_id, apps = _only_resource(synthesized, name, "AWS::Cognito::UserPoolClient", ClientName=APPS_CLIENT.name)
    _, authorizer = _only_resource(synthesized, name, "AWS::ApiGatewayV2::Authorizer")
    jwt = authorizer["JwtConfiguration"]
    separator, (prefix, pool) = jwt["Issuer"]["Fn::Join"]

    assert authorizer["AuthorizerType"] == "JWT" and authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert [_exported(synthesized, name, a) for a in jwt["Audience"]] == [{"Ref": apps_id}]
    assert separator + prefix == f"https://cognito-idp.{stage(name).region}.amazonaws.com/"
    assert _exported(synthesized, name, pool) == {"Ref": pool_id}
    assert apps["UserPoolId"] == {"Ref": pool_id}
    assert apps["ExplicitAuthFlows"] == APPS_CLIENT.explicit_auth_flows and apps["GenerateSecret"] is False


@pytest.mark.parametrize("name", STAGE_NAMES)
def test_the_user_pool_signs_in_by_email_with_the_policy_and_mfa_the_platform_relies_on(synthesized, name):
    _, pool = _only_resource(synthesized, name, "AWS::Cognito::UserPool", UserPoolName=f"shikhar-{name}-users")

    assert pool["UsernameAttributes"] == ["email"] and pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True,
        "RequireSymbols": False, "TemporaryPasswordValidityDays": 3}
    # TOTP only (the back office requires it of brokers and admins); never SMS
    assert pool["MfaConfiguration"] == "OPTIONAL" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
    schema = {attribute["Name"]: attribute for attribute in pool["Schema"]}
    assert schema["email"]["Required"] is True and schema["email"]["Mutable"] is True
    assert pool["DeletionProtection"] == ("ACTIVE" if stage(name).retain_data else "INACTIVE")
    threat = stage(name).threat_protection
    assert pool["UserPoolTier"] == ("PLUS" if threat else "ESSENTIALS")


def test_the_stage_throttles_and_writes_access_logs(synthesized):
    template = synthesized.template("prod", "Api")
    template.has_resource_properties("AWS::ApiGatewayV2::Stage", {
        "StageName": "$default", "DefaultRouteSettings": Match.object_like({
            "ThrottlingRateLimit": 200, "ThrottlingBurstLimit": 400}),
        "AccessLogSettings": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp("routeKey")}})


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_each_function_has_its_own_role(synthesized, name):
    functions = synthesized.resources(name, "AWS::Lambda::Function")
    ours = {path: f for path, f in functions.items() if f["Properties"].get("Runtime") == "python3.12"}

    roles = [json.dumps(f["Properties"]["Role"]) for f in ours.values()]

    # api (one per route group, and the payments poller), events (relay, sweep, scheduler, notifier, media
    # placement, daily reports, search index writer, mail feedback, alerts, digests' schedule and worker,
    # exchange rates, listing freshness), media steps and the media sweep, export
    assert len(ours) == len(FUNCTIONS) + 1 + 13 + len(LAMBDA_STEPS) + 1 + 1
    assert len(set(roles)) == len(roles)


def test_functions_run_python_312_on_graviton_with_snapstart_behind_an_alias(synthesized):
    functions = synthesized.resources("dev", "AWS::Lambda::Function")
    ours = [f["Properties"] for f in functions.values() if f["Properties"].get("Runtime") == "python3.12"]
    for props in ours:
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
    assert len(synthesized.resources("dev", "AWS::Lambda::Alias")) == len(ours)
    handlers = {p["Handler"] for p in ours}
    entry_points = (outbox.stream_handler, notifications.handler, scheduler.handler, media_placement.handler,
                    scheduled.outbox_sweep, scheduled.weekly_export, sweep.handler, payments.poll_handler,
                    exchange_rates.handler, freshness.handler)
    assert {f"{module}.handler" for module in FUNCTIONS.values()} <= handlers
    assert {handler_name(function) for function in entry_points} <= handlers
    assert {step.handler for step in LAMBDA_STEPS} <= handlers


def test_each_function_sizes_its_aws_call_budget_from_its_own_timeout(synthesized):
    functions = synthesized.resources("dev", "AWS::Lambda::Function")
    ours = [f["Properties"] for f in functions.values() if f["Properties"].get("Runtime") == "python3.12"]
    assert ours
    for props in ours:
        assert props["Environment"]["Variables"]["SHIKHAR_FUNCTION_TIMEOUT"] == str(props["Timeout"]), props["Handler"]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_no_iam_statement_grants_wildcard_actions_or_data_actions_on_everything(synthesized, name):
    offending = []
    for path, policy in synthesized.resources(name, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement.get("Resource")
            resources = resources if isinstance(resources, list) else [resources]
            for action in actions:
                if action == "*" or action.endswith(":*"):
                    offending.append((path, action))
                if action.startswith(DATA_SERVICES) and "*" in resources and action not in ACCOUNT_LEVEL:
                    offending.append((path, action, "*"))
    assert offending == []


def test_table_grants_name_the_table_and_its_indexes_exactly(synthesized):
    (listings,) = [p for path, p in synthesized.resources("dev", "AWS::IAM::Policy").items()
                   if path.startswith("Api/ListingsFunctionRole")]
    statements = listings["Properties"]["PolicyDocument"]["Statement"]
    index_grants = [s for s in statements if s["Action"] == "dynamodb:Query" and isinstance(s["Resource"], list)]
    (indexes,) = index_grants
    names = sorted(part for resource in indexes["Resource"] for part in resource["Fn::Join"][1]
                   if isinstance(part, str) and part.startswith("/index/"))
    assert names == ["/index/gsi1", "/index/gsi2", "/index/gsi4"]


def test_each_rule_routes_its_event_types_to_a_queue_with_a_dlq(synthesized):
    template = synthesized.template("dev", "Events")
    for rule in RULES:
        template.has_resource_properties("AWS::Events::Rule", {
            "Name": f"shikhar-dev-{rule.name}",
            "EventPattern": {"source": ["np.shikhar.marketplace"],
                             "detail-type": [t.value for t in rule.detail_types]},
            "Targets": [Match.object_like({"DeadLetterConfig": {"Arn": Match.any_value()}})]})
        template.has_resource_properties("AWS::SQS::Queue", {
            "QueueName": f"shikhar-dev-{rule.queue}",
            "RedrivePolicy": {"deadLetterTargetArn": Match.any_value(), "maxReceiveCount": 5},
            "VisibilityTimeout": VISIBILITY_TIMEOUT.total_seconds()})


def test_every_rule_s_queue_has_a_consumer(synthesized):
    # A queue nobody reads only fills up: each rule's queue feeds exactly one function
    template = synthesized.templates["dev"]["Events"]["Resources"]
    queue_ids = {r["Properties"]["QueueName"]: rid for rid, r in template.items() if r["Type"] == "AWS::SQS::Queue"}
    read = [r["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] for r in template.values()
            if r["Type"] == "AWS::Lambda::EventSourceMapping" and "Fn::GetAtt" in r["Properties"]["EventSourceArn"]]
    for rule in RULES:
        assert read.count(queue_ids[f"shikhar-dev-{rule.queue}"]) == 1, rule.queue


def test_the_outbox_relay_reads_the_table_stream_and_notifications_read_their_queue(synthesized):
    template = synthesized.template("dev", "Events")
    template.has_resource_properties("AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": Match.any_value(), "StartingPosition": "TRIM_HORIZON",
        "FilterCriteria": {"Filters": [{"Pattern": Match.string_like_regexp("OutboxEvent")}]}})
    # The relay, notifications, media placement, daily reports, the search index's writer, the mail
    # feedback consumer, alerts and the digest worker answer partial batch responses: each mapping asks for them.
    mappings = synthesized.resources("dev", "AWS::Lambda::EventSourceMapping").values()
    assert len(mappings) == 8
    assert all(m["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"] for m in mappings)
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})


def _statements_of(template: dict, function: dict) -> list[dict]:
    role = function["Role"]["Fn::GetAtt"][0]
    return [statement for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
            and {"Ref": role} in r["Properties"]["Roles"] for statement in r["Properties"]["PolicyDocument"]["Statement"]]


def test_mail_goes_out_through_the_configuration_set_whose_feedback_suppresses_addresses(synthesized):
    template = synthesized.templates["dev"]["Events"]
    prefix = stage("dev").prefix
    # Bounces and complaints go from the configuration set to the feedback topic, and its queue feeds the consumer
    destinations = [r["Properties"]["EventDestination"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::SES::ConfigurationSetEventDestination"]
    assert [sorted(d["MatchingEventTypes"]) for d in destinations] == [["bounce", "complaint"]]
    assert "SnsDestination" in destinations[0]
    feedback = _function(template, f"{prefix}-mail-feedback")
    actions = {a for s in _statements_of(template, feedback) for a in _listed(s["Action"]) if a.startswith("dynamodb:")}
    assert actions == {"dynamodb:PutItem"}
    # The notifier sends raw e-mail, only from the identity and through the configuration set
    notifier = _function(template, f"{prefix}-notifications")
    [ses] = [s for s in _statements_of(template, notifier) if "ses:SendRawEmail" in _listed(s["Action"])]
    assert _listed(ses["Action"]) == ["ses:SendRawEmail"] and len(_listed(ses["Resource"])) == 2
    assert notifier["Environment"]["Variables"][Env.SES_CONFIGURATION_SET]


def test_digests_run_at_seven_in_kathmandu_and_alerts_may_send_mail(synthesized):
    template = synthesized.templates["dev"]["Events"]
    prefix = stage("dev").prefix
    schedules = {r["Properties"]["Name"]: r["Properties"] for r in template["Resources"].values()
                 if r["Type"] == "AWS::Events::Rule" and "digest" in r["Properties"].get("Name", "")}
    assert {n: p["ScheduleExpression"] for n, p in schedules.items()} == {
        f"{prefix}-digest-daily": "cron(15 1 * * ? *)", f"{prefix}-digest-weekly": "cron(15 1 ? * SUN *)"}
    assert sorted(json.loads(p["Targets"][0]["Input"])["frequency"] for p in schedules.values()) == ["daily", "weekly"]
    for name in (f"{prefix}-alerts", f"{prefix}-digests", f"{prefix}-digest-sender"):
        actions = {a for s in _statements_of(template, _function(template, name)) for a in _listed(s["Action"])}
        assert {"ses:SendRawEmail", "sns:Publish", "cognito-idp:ListUsers", "secretsmanager:GetSecretValue"} <= actions


def test_the_digest_schedule_queues_batches_that_a_worker_sends_with_partial_batch_failures(synthesized):
    template = synthesized.templates["dev"]["Events"]
    prefix = stage("dev").prefix
    resources = template["Resources"]
    queues = {r["Properties"]["QueueName"]: (logical_id, r["Properties"]) for logical_id, r in resources.items()
              if r["Type"] == "AWS::SQS::Queue"}
    queue_id, queue = queues[f"{prefix}-{digests.QUEUE}"]
    dlq_id, _ = queues[f"{prefix}-{digests.QUEUE}-dlq"]
    # The queue: a DLQ after five tries, hidden six times the worker's timeout while one works on it
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": 5}
    assert queue["VisibilityTimeout"] == 6 * _function(template, f"{prefix}-digest-sender")["Timeout"]
    # The worker: one message an invocation, failures reported per message
    [mapping] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
                 and r["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}]
    assert mapping["BatchSize"] == 1 and mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The schedule: sends to that queue, reads the table, writes nothing there
    schedule = _function(template, f"{prefix}-digests")
    assert schedule["Environment"]["Variables"][Env.DIGEST_QUEUE_URL] == {"Ref": queue_id}
    statements = _statements_of(template, schedule)
    sends = [s for s in statements if "sqs:SendMessage" in _listed(s["Action"])]
    assert [s["Resource"] for s in sends] == [{"Fn::GetAtt": [queue_id, "Arn"]}]
    actions = {a for s in statements for a in _listed(s["Action"])}
    assert not {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem"} & actions
    # Its DLQ is watched like the rules' queues
    operations = synthesized.templates["dev"]["Operations"]
    assert any(r["Type"] == "AWS::CloudWatch::Alarm" and "DigestsDlq" in r["Properties"]["AlarmDescription"]
               for r in operations["Resources"].values())


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _function(template: dict, name: str) -> dict:
    (function,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
                   and r["Properties"].get("FunctionName") == name]
    return function


def _statements(template: dict, policy_prefix: str) -> list[dict]:
    return [statement for logical_id, resource in template["Resources"].items()
            if resource["Type"] == "AWS::IAM::Policy" and logical_id.startswith(policy_prefix)
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]]


def _granted(template: dict, policy_prefix: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of one function's own policy (CDK merges statements)."""
    granted = set()
    for statement in _statements(template, policy_prefix):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        granted |= {(a, json.dumps(t) if not isinstance(t, str) else t) for a in actions for t in targets}
    return granted


def test_media_placement_consumes_its_queue_and_may_move_objects_between_the_media_buckets(synthesized):
    template = synthesized.templates["dev"]["Events"]
    placement = _function(template, "shikhar-dev-media-placement")
    assert placement["Handler"] == "marketplace.services.media_placement.handler"
    granted = _granted(template, "MediaPlacement")
    for purpose in ("public-media", "premium-media"):
        bucket = f"arn:aws:s3:::shikhar-dev-{purpose}-111111111111-ap-south-1"
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
            assert (action, f"{bucket}/*") in granted
        assert ("s3:ListBucket", bucket) in granted
    # and may invalidate the one distribution's cached copies of what it moved, which its environment names
    invalidations = [json.loads(t) for a, t in granted if a.startswith("cloudfront:")]
    assert {a for a, _ in granted if a.startswith("cloudfront:")} == {"cloudfront:CreateInvalidation"}
    [arn] = invalidations
    distribution = placement["Environment"]["Variables"][Env.CLOUDFRONT_DISTRIBUTION_ID]
    assert "Fn::ImportValue" in distribution and distribution in arn["Fn::Join"][1]
    assert "arn:" in arn["Fn::Join"][1][0] and ":distribution/" in arn["Fn::Join"][1][-2]


def test_daily_reports_consume_the_analytics_queue_and_may_only_put_and_update_items(synthesized):
    template = synthesized.templates["dev"]["Events"]
    assert _function(template, "shikhar-dev-daily-reports")["Handler"] == "marketplace.services.daily_reports.handler"
    table_actions = {action for action, _ in _granted(template, "DailyReports") if action.startswith("dynamodb:")}
    assert table_actions == {"dynamodb:PutItem", "dynamodb:UpdateItem"}


def test_the_search_index_has_one_writer_that_may_write_only_the_index_and_its_version_item(synthesized):
    template = synthesized.templates["dev"]["Events"]
    writer = _function(template, "shikhar-dev-search-index")
    assert writer["Handler"] == "public_api.functions.search_index_writer.handler"
    assert writer["ReservedConcurrentExecutions"] == 1
    assert writer["Environment"]["Variables"]["SHIKHAR_SEARCH_BUCKET"] == "shikhar-dev-search-index-111111111111-ap-south-1"
    objects = "arn:aws:s3:::shikhar-dev-search-index-111111111111-ap-south-1/search-index/*"
    granted = _granted(template, "SearchIndexWriter")
    assert {("s3:PutObject", objects), ("s3:GetObjectVersion", objects)} <= granted
    assert not any(action.startswith("s3:") and resource != objects for action, resource in granted)
    assert not any(action in ("dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
                   for action, _ in granted)
    (put,) = [s for s in _statements(template, "SearchIndexWriter") if s["Action"] == "dynamodb:PutItem"]
    assert put["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["SEARCH_INDEX"]}}
    # A batch whose publish failed is made visible again after a short backoff (the event source's grant)
    assert {"sqs:GetQueueUrl", "sqs:ChangeMessageVisibility"} <= {action for action, _ in granted}

    api = synthesized.templates["dev"]["Api"]
    listings = _function(api, "shikhar-dev-api-listings")
    assert listings["Environment"]["Variables"]["SHIKHAR_SEARCH_BUCKET"] == writer["Environment"]["Variables"][
        "SHIKHAR_SEARCH_BUCKET"]
    read = {(a, r) for a, r in _granted(api, "ListingsFunction") if a.startswith("s3:")}
    assert read == {("s3:GetObject", objects), ("s3:GetObjectVersion", objects)}

    alarms = [a["Properties"] for a in synthesized.resources("dev", "AWS::CloudWatch::Alarm").values()]
    assert any(a.get("MetricName") == "SearchIndexFallback" and a["AlarmActions"] for a in alarms)
    # A failed publishing round is handled, not an invocation error: its log line is counted and alarmed
    (metric_filter,) = synthesized.resources("dev", "AWS::Logs::MetricFilter").values()
    assert metric_filter["Properties"]["FilterPattern"] == f'{{ $.message = "{writer_module.ROUND_FAILED}" }}'
    (transformation,) = metric_filter["Properties"]["MetricTransformations"]
    rounds = [a for a in alarms if a.get("MetricName") == transformation["MetricName"]]
    assert len(rounds) == 1 and rounds[0]["AlarmActions"] and rounds[0]["EvaluationPeriods"] == 3


def _definition(synthesized) -> dict:
    (machine,) = synthesized.resources("dev", "AWS::StepFunctions::StateMachine").values()
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "ARN" for p in parts))


def test_the_state_machine_is_the_step_declarations_definition(synthesized):
    expected = state_machine_definition({step.name: "ARN" for step in LAMBDA_STEPS})

    assert _definition(synthesized) == expected


def test_the_media_failure_alarm_counts_failed_timed_out_and_aborted_executions(synthesized):
    alarms = [a["Properties"] for a in synthesized.resources("dev", "AWS::CloudWatch::Alarm").values()]
    (media,) = [a for a in alarms if "timed out" in a.get("AlarmDescription", "")]

    counted = {m["MetricStat"]["Metric"]["MetricName"] for m in media["Metrics"] if "MetricStat" in m}
    assert counted == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}


def test_mediaconvert_runs_as_a_sync_task_whose_timeout_and_errors_reach_the_failure_step(synthesized):
    definition = _definition(synthesized)
    transcode = definition["States"]["transcode"]

    assert transcode["Resource"] == "arn:aws:states:::mediaconvert:createJob.sync"
    assert transcode["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "record_failure"}]
    assert definition["TimeoutSeconds"] >= sum(
        s["TimeoutSeconds"] for s in definition["States"].values() if s["Type"] == "Task")
    (machine,) = [r for r in synthesized.resources("dev", "AWS::IAM::Policy").values()
                  if "PipelineRole" in json.dumps(r["Properties"].get("Roles", []))]
    actions = {a for st in machine["Properties"]["PolicyDocument"]["Statement"]
               for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert {"mediaconvert:CreateJob", "mediaconvert:GetJob", "mediaconvert:CancelJob", "iam:PassRole"} <= actions
    functions = [f["Properties"].get("Handler") for f in synthesized.resources("dev", "AWS::Lambda::Function").values()]
    assert "media_pipeline.handlers.video.transcode" not in functions  # no Lambda waits for the job


def test_only_the_steps_that_prepare_a_mediaconvert_job_get_its_role_and_queue(synthesized):
    functions = synthesized.resources("dev", "AWS::Lambda::Function").values()
    given = {f["Properties"]["Handler"] for f in functions
             if Env.MEDIACONVERT_ROLE_ARN in f["Properties"].get("Environment", {}).get("Variables", {})}

    assert given == {step.handler for step in LAMBDA_STEPS if step.needs.mediaconvert_job} != set()


def test_raw_uploads_start_the_pipeline_with_a_dead_letter_queue(synthesized):
    template = synthesized.template("dev", "Media")
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created"],
                         "detail": {"bucket": {"name": ["shikhar-dev-raw-uploads-111111111111-ap-south-1"]},
                                    "object": {"key": [{"suffix": f"/original.{kind}"} for kind in KINDS]}}},
        "Targets": [Match.object_like({"DeadLetterConfig": {"Arn": Match.any_value()}})]})
    template.has_resource_properties("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": Match.object_like({"Statement": [Match.object_like({
            "Principal": {"Service": "mediaconvert.amazonaws.com"}})]})})


def test_the_distribution_is_behind_the_waf_with_the_behaviours_and_headers(synthesized):
    edge = synthesized.template("dev", "Edge")
    (distribution,) = synthesized.resources("dev", "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]

    assert config["WebACLId"] != "" and "WebACLId" in config
    assert config["HttpVersion"] == "http2and3"
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviours) == {"/static/*", "/media/*", "/premium/*", "/api/*"}
    assert "TrustedKeyGroups" in behaviours["/premium/*"]
    assert [p for p, b in behaviours.items() if "TrustedKeyGroups" in b] == ["/premium/*"]
    assert all(b["Compress"] for b in behaviours.values())
    edge.has_resource_properties("AWS::CloudFront::ResponseHeadersPolicy", {"ResponseHeadersPolicyConfig": Match.object_like({
        "SecurityHeadersConfig": Match.object_like({
            "StrictTransportSecurity": Match.object_like({"AccessControlMaxAgeSec": 63072000}),
            "FrameOptions": {"FrameOption": "DENY", "Override": True},
            "ContentTypeOptions": {"Override": True},
            "ContentSecurityPolicy": Match.object_like({"ContentSecurityPolicy": Match.string_like_regexp(
                "frame-ancestors 'none'")})})})})
    assert len(synthesized.resources("dev", "AWS::CloudFront::OriginAccessControl")) == 1


def test_the_web_acl_has_the_managed_groups_and_a_rate_rule(synthesized):
    (acl,) = synthesized.resources("dev", "AWS::WAFv2::WebACL").values()
    rules = acl["Properties"]["Rules"]

    managed = [r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules if "ManagedRuleGroupStatement" in r["Statement"]]
    (rate,) = [r for r in rules if "RateBasedStatement" in r["Statement"]]

    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    assert managed == ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet",
                       "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 1000


def test_operations_alarm_on_what_the_dossier_names(synthesized):
    alarms = [a["Properties"] for a in synthesized.resources("dev", "AWS::CloudWatch::Alarm").values()]
    metrics = {a.get("MetricName") for a in alarms}
    math = [m for a in alarms for m in a.get("Metrics", []) if "Expression" in m]

    assert {"Errors", "Throttles", "ApproximateNumberOfMessagesVisible", "ReadThrottleEvents",
            "WriteThrottleEvents", "SuccessPercent"} <= metrics
    assert sorted(m["Expression"] for m in math) == ["IF(requests > 0, 100 * errors / requests, 0)",
                                                     "failed + timed_out + aborted"]
    assert any(a.get("ExtendedStatistic") == "p99" for a in alarms)
    assert all(a["AlarmActions"] for a in alarms)


def test_operations_have_budgets_anomaly_detection_a_dashboard_and_the_canary(synthesized):
    template = synthesized.template("prod", "Operations")
    template.has_resource_properties("AWS::Budgets::Budget", {"Budget": Match.object_like({
        "BudgetLimit": {"Amount": 500, "Unit": "USD"}, "TimeUnit": "MONTHLY"})})
    template.resource_count_is("AWS::CE::AnomalyMonitor", 1)
    template.resource_count_is("AWS::CE::AnomalySubscription", 1)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    template.has_resource_properties("AWS::Synthetics::Canary", {
        "Code": Match.object_like({"Handler": "canary.handler"}),
        "Schedule": Match.object_like({"Expression": "rate(5 minutes)"})})


def test_log_groups_keep_logs_as_configured_and_are_encrypted(synthesized):
    for name, days in (("dev", 14), ("prod", 30)):
        groups = synthesized.resources(name, "AWS::Logs::LogGroup")
        lambda_groups = [g["Properties"] for g in groups.values()
                         if str(g["Properties"].get("LogGroupName", "")).startswith("/aws/lambda/")]
        assert lambda_groups and {g["RetentionInDays"] for g in lambda_groups} == {days}
        assert all("KmsKeyId" in g["Properties"] for g in groups.values())


def test_the_back_office_role_and_outputs_zappa_needs(synthesized):
    outputs = synthesized.templates["dev"]["Backoffice"]["Outputs"]
    assert {"BackofficeRoleArn", "BackofficeRoleName", "BackofficeFunctionName", "BackofficeDeployBucket",
            "BackofficeStaticBucket", "BackofficeParameterPath", "BackofficeDjangoSecretName",
            "BackofficeSigningKeySecretName"} <= set(outputs)
    assert outputs["BackofficeFunctionName"]["Value"] == "shikhar-backoffice-dev"
    parameters = [p["Properties"]["Name"] for p in synthesized.resources("dev", "AWS::SSM::Parameter").values()]
    assert "/shikhar/dev/backoffice/table" in parameters and "/shikhar/dev/cloudfront/public-key-id" in parameters


def test_only_the_apps_client_writes_email_and_name_and_a_new_email_waits_for_verification(synthesized):
    # Self sign-up needs the attributes it sets writable by its client; the back office's client writes neither
    clients = {c["Properties"]["ClientName"]: set(c["Properties"]["WriteAttributes"])
               for c in synthesized.resources("dev", "AWS::Cognito::UserPoolClient").values()}
    assert clients == {"shikhar-apps": {"email", "name", "phone_number", "locale", "zoneinfo"},
                       "shikhar-backoffice": {"phone_number", "locale", "zoneinfo"}}
    (pool,) = synthesized.resources("dev", "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool["Properties"]["AutoVerifiedAttributes"] == ["email"]


def test_only_the_functions_that_tell_every_admin_may_list_the_admins_group(synthesized):
    # The moderation summary (digests) and a licence ending (notifications) go to every admin of the pool
    template = synthesized.templates["dev"]["Events"]["Resources"]
    functions = {rid: r["Properties"] for rid, r in template.items() if r["Type"] == "AWS::Lambda::Function"}
    role_of = {json.dumps(f["Role"]): f.get("FunctionName") for f in functions.values()}
    listing = set()
    for policy in (r["Properties"] for r in template.values() if r["Type"] == "AWS::IAM::Policy"):
        actions = {a for s in policy["PolicyDocument"]["Statement"]
                   for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
        if "cognito-idp:ListUsersInGroup" in actions:
            listing |= {role_of.get(json.dumps({"Fn::GetAtt": [role["Ref"], "Arn"]})) for role in policy["Roles"]}
    assert listing == {"shikhar-dev-digests", "shikhar-dev-notifications"}


def test_each_buyer_app_has_its_own_encrypted_push_topic_that_every_pushing_function_may_publish_to(synthesized):
    from marketplace.delivery import BUYER_APPS
    from marketplace.delivery.push import push_topic_name

    template = synthesized.templates["dev"]["Events"]
    prefix = stage("dev").prefix
    topics = {r["Properties"]["TopicName"]: logical_id for logical_id, r in template["Resources"].items()
              if r["Type"] == "AWS::SNS::Topic"}
    pushed = {app: topics[push_topic_name(prefix, app)] for app in BUYER_APPS}
    for logical_id in pushed.values():
        assert template["Resources"][logical_id]["Properties"]["KmsMasterKeyId"]
    for name in ("notifications", "alerts", "digests", "digest-sender"):
        function = _function(template, f"{prefix}-{name}")
        published = [s["Resource"] for s in _statements_of(template, function) if "sns:Publish" in _listed(s["Action"])]
        assert [sorted(json.dumps(r) for r in _listed(resources)) for resources in published] == [sorted(
            json.dumps({"Ref": logical_id}) for logical_id in [topics[f"{prefix}-notifications"], *pushed.values()])]
        arns = json.dumps(function["Environment"]["Variables"][Env.PUSH_TOPIC_ARNS])
        assert all(json.dumps({"Ref": logical_id}) in arns for logical_id in pushed.values()), name
