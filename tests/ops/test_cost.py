"""The cost model: DynamoDB's sizing rules, units from the real items, and the printed estimate."""

from __future__ import annotations

import json

import pytest
from pynamodb.indexes import IncludeProjection

from marketplace.table import CARD_PROJECTION
from ops import cost
from ops.cli import main


def test_units_round_up_per_4kb_read_and_1kb_write_and_transactions_cost_double():
    assert cost.read_units(4096) == 0.5 and cost.read_units(4097) == 1.0
    assert cost.read_units(4097, consistent=True) == 2
    assert cost.write_units(1024) == 1 and cost.write_units(1025) == 2
    assert cost.write_units(1025, transactional=True) == 4


def test_units_per_call_come_from_the_serialized_models():
    units = cost.UnitsPerCall.measure()

    # a buyer-facing index holds the card's attributes, or the whole listing under an ALL projection
    if isinstance(CARD_PROJECTION, IncludeProjection):
        assert units.sizes["card"] < units.sizes["listing"]
    else:
        assert units.sizes["card"] == units.sizes["listing"]
    assert units.search == cost.read_units(20 * units.sizes["card"])
    assert units.detail_write == 1


def test_estimate_prints_every_line_beside_the_dossier_with_the_price_date(capsys):
    code = main(["cost", "estimate", "--scenario", "launch"])

    out = capsys.readouterr().out
    prices = cost.load_prices()
    assert code == 0
    assert f"as of {prices['as_of']}" in out
    for name in ("S3", "CloudFront", "Lambda", "API Gateway (HTTP)", "DynamoDB", "Cognito", "WAF", "CloudWatch",
                 "Media processing", "Core total"):
        line = next(l for l in out.splitlines() if l.startswith(name + " "))
        assert cost.SCENARIOS["launch"].dossier[name] in line, name
    assert "Aurora Serverless v2 (opt)              -" in out


def test_a_bench_measurement_replaces_the_assumed_lambda_duration(tmp_path, monkeypatch):
    measured = tmp_path / "cost_lambda.json"
    measured.write_text(json.dumps({"average_ms": 60, "measured_at": "2026-11-28"}))
    monkeypatch.setattr(cost, "LAMBDA_BENCH", measured)

    lines, extra = cost.estimate(cost.SCENARIOS["growth"], cost.load_prices())

    lambda_line = next(line for line in lines if line[0] == "Lambda")
    assert extra["duration_source"] == "measured by bench (2026-11-28)"
    assert "x 60 ms x 1024 MB" in lambda_line[3]


def test_a_price_file_without_its_date_is_refused(tmp_path):
    broken = tmp_path / "prices.json"
    broken.write_text(json.dumps({"region": "ap-south-1"}))

    with pytest.raises(ValueError, match="missing 'as_of'"):
        cost.load_prices(broken)


def test_the_payment_providers_fees_follow_the_orders_and_the_agreed_rates_outside_the_core_total():
    prices = cost.load_prices()
    higher = {**prices, "payments": {**prices["payments"], "esewa_fee_rate": prices["payments"]["esewa_fee_rate"] * 2}}

    lines, _ = cost.estimate(cost.SCENARIOS["launch"], prices)
    doubled, _ = cost.estimate(cost.SCENARIOS["launch"], higher)

    fees = {name: usd for name, usd, _, _ in lines}
    assert fees["Payment providers"] > 0 and "400 orders" in next(l[3] for l in lines if l[0] == "Payment providers")
    assert {n: u for n, u, _, _ in doubled}["Payment providers"] > fees["Payment providers"]
    assert fees["Core total"] == sum(usd for name, usd, _, _ in lines[:-2] if usd is not None)


def test_a_thousand_alerts_cost_what_ses_sns_dynamodb_and_lambda_charge_for_them():
    from ops.cost import alerts_per_thousand, load_prices

    prices = load_prices()
    base, how = alerts_per_thousand(prices)
    dearer_mail = {**prices, "ses": {**prices["ses"], "per_thousand_emails": prices["ses"]["per_thousand_emails"] * 2}}
    dearer_writes = {**prices, "dynamodb": {**prices["dynamodb"], "per_million_write_units": 0}}

    assert alerts_per_thousand(dearer_mail)[0] - base == pytest.approx(prices["ses"]["per_thousand_emails"])
    assert alerts_per_thousand(dearer_writes)[0] < base  # the sent markers' writes are counted
    assert any("SES" in line for line in how) and base > prices["ses"]["per_thousand_emails"]


def test_a_thousand_digests_cost_their_mail_their_claims_and_their_queue_requests():
    from ops.cost import digests_per_thousand, load_prices

    prices = load_prices()
    base, how = digests_per_thousand(prices)
    dearer_mail = {**prices, "ses": {**prices["ses"], "per_thousand_emails": prices["ses"]["per_thousand_emails"] * 2}}
    free_queue = {**prices, "sqs": {"per_million_requests": 0}}
    free_writes = {**prices, "dynamodb": {**prices["dynamodb"], "per_million_write_units": 0}}

    assert digests_per_thousand(dearer_mail)[0] - base == pytest.approx(prices["ses"]["per_thousand_emails"])
    assert digests_per_thousand(free_queue)[0] < base  # the digest queue's requests are counted
    assert digests_per_thousand(free_writes)[0] < base  # the period's claims and sent markers
    assert any("SQS (digest queue)" in line for line in how)
