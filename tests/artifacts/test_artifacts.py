"""What goes to AWS is what is tested: every function of the synthesized prod stage, started from its
own built artifacts with its template environment, answers real events of its source against the
emulator; every AWS call it makes is allowed by its own role; the back office's Zappa zip signs a
person in and serves a paginated listing page and a CSV export with production settings."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from infra.components.functions import BUILD_CACHE
from marketplace.deployment import ESEWA_SECRET, KHALTI_SECRET, ORIGIN_VERIFY_HEADER
from media_pipeline.steps import ALL_STEPS, FAILED_STATE, FAILURE_STEP
from tests.artifacts.backoffice import Browser, zappa_function
from tests.artifacts.conftest import STAGE, Built, dump
from tests.artifacts.iam import Needs, role_statements, unused
from tests.artifacts.runner import REPO
from tests.artifacts.scenario import Scenario

# Slow (a synthesis, a package, some twenty cold starts): its own marker, one worker, a longer timeout.
pytestmark = [pytest.mark.artifacts, pytest.mark.xdist_group("artifacts"), pytest.mark.timeout(1200)]

REPORT = REPO / "docs" / "iam-unused-grants.md"


@dataclass
class Exercised:
    built: Built
    scenario: Scenario
    seeded: dict
    pipeline: dict[str, tuple[str, dict, list[str]]]
    backoffice: Browser


@pytest.fixture(scope="session")
def exercised(built) -> Exercised:
    stage = built.stages[STAGE]
    scenario = Scenario(stage, [*built.functions, zappa_function(stage, built.backoffice)])
    seeded = scenario.seed()
    pipeline = _run(scenario, seeded)
    browser = Browser(scenario, seeded)
    browser.session()
    scenario.finish()
    (BUILD_CACHE / "artifacts-run.json").write_text(json.dumps(
        {"results": scenario.results, "finished": scenario.finished, "pipeline": pipeline, "trail": browser.trail},
        default=str, indent=1))
    return Exercised(built=built, scenario=scenario, seeded=seeded, pipeline=pipeline, backoffice=browser)


def _merchant_keys(scenario: Scenario) -> None:
    """The payment-providers runbook before going live: the merchant keys put in the secrets the stack created
    (prod's payments function and poller refuse to start on the values the stack generated)."""
    secrets = scenario.aws("secretsmanager")
    keys = {ESEWA_SECRET: "merchant-secret-key-from-the-esewa-portal",
            KHALTI_SECRET: "live_secret_key_68791341fdd94846a146f0457ff7b455"}
    for listed in secrets.list_secrets()["SecretList"]:
        for suffix, key in keys.items():
            if listed["Name"].endswith(f"/{suffix}"):
                secrets.put_secret_value(SecretId=listed["ARN"], SecretString=key)


def _run(scenario: Scenario, seeded: dict) -> dict:
    _merchant_keys(scenario)
    names = scenario.names()
    password, active = seeded["password"], seeded["active"]
    apps_client = names["SHIKHAR_USER_POOL_CLIENT_ID"]
    buyer = scenario.token("buyer@demo.shikhar.np", password, apps_client)
    premium = scenario.token("premium@demo.shikhar.np", password, apps_client)

    first = scenario.http("api-listings", "GET", "/v1/listings", query={"limit": 5})
    body = json.loads(first["response"]["body"]) if first["ok"] else {}
    second = scenario.http("api-listings", "GET", "/v1/listings", query={"limit": 5, "cursor": body.get("next_cursor")})
    listed = [card["listing_id"] for page in (first, second) if page["ok"]
              for card in json.loads(page["response"]["body"]).get("items", [])] or active
    scenario.http("api-listings", "GET", "/v1/listings/{listing_id}", path={"listing_id": listed[0]})
    scenario.http("api-listings", "GET", "/v1/listings/{listing_id}", path={"listing_id": listed[1]}, token=premium)
    scenario.http("api-listings", "GET", "/v1/feed", query={"limit": 3})
    scenario.http("api-listings", "GET", "/v1/neighborhoods")
    scenario.http("api-listings", "GET", "/v1/neighborhoods", direct=True)  # past CloudFront: refused

    scenario.http("api-me", "GET", "/v1/me", token=buyer)
    scenario.http("api-me", "PUT", "/v1/me/favorites/{listing_id}", path={"listing_id": listed[3]}, token=buyer)
    page = scenario.http("api-me", "GET", "/v1/me/favorites", query={"limit": 1}, token=buyer)
    cursor = json.loads(page["response"]["body"]).get("next_cursor") if page["ok"] else None
    scenario.http("api-me", "GET", "/v1/me/favorites", query={"limit": 1, "cursor": cursor}, token=buyer)
    scenario.http("api-me", "DELETE", "/v1/me/favorites/{listing_id}", path={"listing_id": listed[3]}, token=buyer)

    scenario.http("api-me", "POST", "/v1/me/saved-searches", token=buyer,
                  body={"name": "Budhanilkantha houses", "query": {"neighborhood": ["budhanilkantha"]},
                        "frequency": "daily"})
    scenario.http("api-payments", "GET", "/v1/me/orders", token=buyer)
    scenario.http("api-documents", "GET", "/v1/listings/{listing_id}/documents", path={"listing_id": listed[0]},
                  token=premium)

    scenario.http("api-inquiries", "POST", "/v1/listings/{listing_id}/inquiries", path={"listing_id": listed[2]},
                  token=buyer, headers={"idempotency-key": "artifacts-inquiry-1"},
                  body={"name": "Priya Gurung", "phone": "+977 9812345678", "email": "buyer@demo.shikhar.np",
                        "message": "Namaste, is a viewing possible this Saturday morning?",
                        "preferred_contact_time": "mornings"})

    # ---- viewing requests: the buyer asks (once per idempotency key), lists and cancels ----
    slot = (datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)).isoformat()
    asked = scenario.http("api-inquiries", "POST", "/v1/listings/{listing_id}/viewings", path={"listing_id": listed[2]},
                          token=buyer, headers={"idempotency-key": "artifacts-viewing-1"}, body={"slots": [slot]})
    scenario.http("api-inquiries", "GET", "/v1/me/viewings", token=buyer)
    if asked["ok"]:
        made = json.loads(asked["response"]["body"])
        scenario.http("api-inquiries", "POST", "/v1/me/viewings/{viewing_id}/cancel",
                      path={"viewing_id": made["viewing_id"]}, token=buyer,
                      body={"expected_version": made["version"], "reason": "Plans changed"})

    pipeline = {}
    machine = _state_machine(scenario)
    for upload in ("photo", "not_a_photo", "video"):
        key = seeded["uploads"][upload]
        pipeline[upload] = scenario.execute(machine, scenario.object_created(seeded["raw_bucket"], key))

    relay = scenario.function("outbox-relay")
    mapping = _mapping(scenario, relay.name)
    pattern = json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"])
    for batch in scenario.stream_batches(names["SHIKHAR_TABLE"], pattern, mapping["BatchSize"], relay.name):
        scenario.invoke(relay.name, batch)
    scenario.deliver_mail_feedback(bounced="bounced@demo.shikhar.np")  # as SES -> SNS -> the feedback queue
    for stack, _, resource in scenario.stage.of_type("AWS::Lambda::EventSourceMapping"):
        mapping = scenario.stage.resolve(stack, resource["Properties"])
        if ":sqs:" in mapping["EventSourceArn"]:  # every queue consumer gets what the bus's rules delivered
            name = mapping["FunctionName"].split(":")[0]
            scenario.queue_batches(mapping["EventSourceArn"].rsplit(":", 1)[-1], mapping["BatchSize"], name,
                                   lambda event, name=name: scenario.invoke(name, event))

    scenario.call("outbox-sweep", scenario.scheduled(f"{scenario.prefix}-outbox-sweep"))
    scenario.call("scheduler", scenario.scheduled(f"{scenario.prefix}-scheduler"))
    scenario.call("weekly-export", scenario.scheduled(f"{scenario.prefix}-weekly-export"))
    scenario.call("media-sweep", scenario.scheduled(f"{scenario.prefix}-media-sweep"))
    scenario.call("listing-freshness", scenario.scheduled(f"{scenario.prefix}-listing-freshness"))
    scenario.call("payments-poller", scenario.scheduled(f"{scenario.prefix}-payments-poller"))
    scenario.call("exchange-rates", scenario.scheduled(f"{scenario.prefix}-exchange-rates"))
    scenario.call("digests", scenario.scheduled(f"{scenario.prefix}-digest-daily"))
    # The digest schedule queued the buyers due; its worker sends them, as its event source hands it the queue.
    sender = scenario.function("digest-sender").name
    digest_mapping = _mapping(scenario, sender)
    scenario.queue_batches(digest_mapping["EventSourceArn"].rsplit(":", 1)[-1], digest_mapping["BatchSize"], sender,
                           lambda event: scenario.invoke(sender, event))
    return pipeline


def _state_machine(scenario: Scenario) -> dict:
    (stack, _, resource), = scenario.stage.of_type("AWS::StepFunctions::StateMachine")
    return json.loads(scenario.stage.resolve(stack, resource["Properties"]["DefinitionString"]))


def _mapping(scenario: Scenario, function_name: str) -> dict:
    for stack, _, resource in scenario.stage.of_type("AWS::Lambda::EventSourceMapping"):
        properties = scenario.stage.resolve(stack, resource["Properties"])
        if properties["FunctionName"].split(":")[0] == function_name:
            return properties
    raise AssertionError(f"no event source mapping for {function_name}")


# ---- the tests


def test_every_stage_deploys_the_same_artifacts_as_the_stage_under_test(built):
    def artifacts(stage):
        return {(f.handler, str(f.code), tuple(map(str, f.layers))) for f in _functions(built, stage)}

    tested = artifacts(built.stages[STAGE])

    assert len(tested) >= 14
    for name, stage in built.stages.items():
        assert artifacts(stage) == tested, f"{name} runs other code or layers than {STAGE}"


def _functions(built, stage):
    from tests.artifacts.runner import functions

    return functions(stage)


def test_layers_hold_lambda_arm64_wheels_within_the_size_limit(built):
    for function in built.functions:
        for layer in function.layers:
            compiled = list(layer.rglob("*.so"))
            assert all("x86_64" not in path.name for path in compiled), f"{layer}: x86_64 binaries"
            assert not compiled or any("aarch64" in path.name for path in compiled), layer
        unzipped = sum(f.stat().st_size for root in [function.code, *function.layers] for f in root.rglob("*")
                       if f.is_file())
        assert unzipped < 250 * 1024 * 1024, f"{function.name}: {unzipped} bytes unzipped, over Lambda's 250 MB"


def test_every_function_answers_events_of_its_source_from_its_artifacts(exercised):
    scenario = exercised.scenario
    for name, results in scenario.results.items():
        assert results, f"{name} was never invoked"
        assert name in scenario.finished, f"{name} never finished its cold start"
        assert scenario.finished[name]["outside"] == [], f"{name} imported code outside its artifacts"
    failures = {name: [(r["error"], r["message"][:300]) for r in results if not r["ok"]]
                for name, results in scenario.results.items()}
    expected = {f"{scenario.prefix}-media-validate": {"Rejected"}}
    for name, errors in failures.items():
        assert {error for error, _ in errors} <= expected.get(name, set()), f"{name} failed: {dump(errors)}"


def _through_edge(result: dict) -> bool:
    return ORIGIN_VERIFY_HEADER.lower() in result["event"]["headers"]


def test_http_functions_answer_pages_and_the_second_page_by_cursor(exercised):
    for name in ("api-listings", "api-me", "api-inquiries"):
        for result in filter(_through_edge, exercised.scenario.results[f"{exercised.scenario.prefix}-{name}"]):
            assert result["ok"] and result["response"]["statusCode"] in (200, 201, 204), dump(result)
    pages = [r for r in exercised.scenario.results[f"{exercised.scenario.prefix}-api-listings"]
             if r["event"]["rawPath"] == "/v1/listings"]
    assert all(map(_through_edge, pages))
    first, second = (json.loads(r["response"]["body"]) for r in pages)
    assert first["next_cursor"] and {c["listing_id"] for c in first["items"]}.isdisjoint(
        c["listing_id"] for c in second["items"])


def test_a_request_past_cloudfront_is_refused_with_its_template_environment(exercised):
    results = exercised.scenario.results[f"{exercised.scenario.prefix}-api-listings"]
    (direct,) = [r for r in results if not _through_edge(r)]

    assert direct["ok"] and direct["response"]["statusCode"] == 403, dump(direct)
    assert json.loads(direct["response"]["body"])["code"] == "forbidden"


def test_the_state_machine_processes_a_photo_and_records_a_rejected_file(exercised):
    prefix = exercised.scenario.prefix
    status, state, path = exercised.pipeline["photo"]
    assert status == "SUCCEEDED", dump(state)
    assert path[0] == "validate" and "images" in path and path[-1] == "publish"
    status, state, path = exercised.pipeline["not_a_photo"]
    assert (status, path[-2:]) == ("FAILED", [FAILURE_STEP.name, FAILED_STATE]), path
    assert state["recorded"] is True and state["failure_reason"]
    validate_errors = [r for r in exercised.scenario.results[f"{prefix}-media-validate"] if not r["ok"]]
    assert [r["error"] for r in validate_errors] == ["Rejected"]


def test_a_video_goes_through_mediaconvert_to_its_outputs_and_is_published(exercised):
    """MediaConvert is a Step Functions service integration the emulator cannot run: the job the Lambda
    step prepared is done by the test as its settings say (objects in the media bucket), then the
    outputs step lists them as the video's variants and publish makes it ready."""
    status, state, path = exercised.pipeline["video"]
    assert status == "SUCCEEDED", dump(state)
    tasks = [name for name in path if name in {step.name for step in ALL_STEPS}]
    assert tasks[tasks.index("video_prepare"):] == ["video_prepare", "transcode", "video_outputs", "publish"], path
    assert any(":mediaconvert:createJob" in resource for resource in exercised.scenario.integrations)
    (outputs,) = exercised.scenario.results[f"{exercised.scenario.prefix}-media-video-outputs"]
    variants = {v["name"]: v for v in outputs["response"]["variants"]}
    assert {"hls", "poster_jpeg"} <= set(variants) and any(n.startswith("hls_") for n in variants), sorted(variants)
    assert all(v["size"] > 0 for v in variants.values()), variants


def test_outbox_relay_and_notifications_consume_what_the_platform_produced(exercised):
    prefix = exercised.scenario.prefix
    relayed = exercised.scenario.results[f"{prefix}-outbox-relay"]
    assert relayed and sum(len(r["event"]["Records"]) for r in relayed) > 0
    consumed = exercised.scenario.results[f"{prefix}-notifications"]
    assert consumed, "no notification reached the consumer's queue through the bus's rule"
    published = [c for c in exercised.scenario.finished[f"{prefix}-notifications"]["calls"]
                 if c["operation"] == "Publish"]
    assert published


def test_weekly_export_writes_parquet_and_a_manifest(exercised):
    (result,) = exercised.scenario.results[f"{exercised.scenario.prefix}-weekly-export"]
    assert result["ok"], dump(result)
    puts = [c["params"]["Key"] for c in exercised.scenario.finished[f"{exercised.scenario.prefix}-weekly-export"]
            ["calls"] if c["operation"] in ("PutObject", "CreateMultipartUpload")]
    assert any(key.endswith(".parquet") for key in puts) and any("manifest" in key for key in puts), puts


def test_back_office_zip_signs_in_and_serves_a_paginated_listing_page_and_csv(exercised):
    browser = exercised.backoffice
    assert browser.signed_in, dump(browser.trail)
    first, second = browser.pages
    assert first["status"] == 200 and second["status"] == 200, dump(browser.trail)
    ids = [set(re.findall(r"/admin/listings/([0-9a-z]{20,})/", page["body"])) for page in (first, second)]
    assert ids[0] and ids[1] and ids[0].isdisjoint(ids[1])
    assert browser.csv["status"] == 200 and browser.csv["body"].count("\n") > 50, dump(browser.csv)


def test_every_aws_call_is_allowed_by_the_functions_own_role(exercised):
    missing = []
    for name, needs in _needs(exercised).items():
        function = exercised.scenario.functions[name]
        statements = role_statements(exercised.scenario.stage, function.stack, function.role)
        for need in needs:
            if not any(statement.allows(need) for statement in statements):
                missing.append(f"{function.name}: {need}")
    assert not missing, "calls the role does not allow:\n" + "\n".join(sorted(set(missing)))


def _needs(exercised) -> dict:
    model = Needs(exercised.scenario.stage)
    found = {}
    for name, function in exercised.scenario.functions.items():
        calls = [*exercised.scenario.source_calls[name], *exercised.scenario.finished.get(name, {}).get("calls", [])]
        found[name] = [*model.runtime(name, function.properties),
                       *(need for call in calls for need in model.of(call))]
    return found


def _short(resource: str, stage) -> str:
    """A resource as the report shows it: without the partition, region and account."""
    short = re.sub(rf"^arn:aws:[a-z0-9-]+:({stage.region})?:({stage.account})?:", "", resource)
    for logical, generated in stage.generated.items():  # ids the emulator generated change every run
        short = short.replace(generated, f"<{logical.split('/')[-1]}>")
    return short


def unused_grants_report(exercised) -> str:
    stage = exercised.scenario.stage
    lines = ["# IAM grants the artifacts test never needed", "",
             "`make iam-report` writes this from tests/artifacts: every function of the synthesized prod stage ran",
             "from its built artifact against the emulator, and each AWS call it made (with what AWS does on its",
             "behalf: KMS, the event source's reads, the runtime's logs and traces) was matched to its role. Below,",
             "per function, the granted actions nothing matched (resource without region and account). Why each",
             "is kept: docs/infrastructure.md, \"Least privilege, checked\".", ""]
    for name, needs in sorted(_needs(exercised).items()):
        function = exercised.scenario.functions[name]
        by_resource: dict[str, list[str]] = {}
        for action, resource in sorted(set(unused(role_statements(stage, function.stack, function.role), needs))):
            by_resource.setdefault(_short(resource, stage), []).append(action.split(":", 1)[1])
        if by_resource:
            lines.append(f"- **{name}**: " + "; ".join(
                f"{', '.join(actions)} on `{resource}`" for resource, actions in by_resource.items()))
    return "\n".join(lines).rstrip() + "\n"


def test_the_committed_report_of_unused_grants_is_current(exercised):
    report = unused_grants_report(exercised)
    if os.environ.get("SHIKHAR_WRITE_IAM_REPORT"):
        REPORT.write_text(report)
    committed = REPORT.read_text() if REPORT.exists() else ""
    assert committed == report, f"{REPORT.relative_to(REPO)} is out of date: run `make iam-report`"
    assert report.count("\n- ") <= len(exercised.scenario.functions), report
