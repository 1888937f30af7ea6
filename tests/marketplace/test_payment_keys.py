"""Live payments never start on a placeholder: the payments function's init and the poller stop, naming
what is still a placeholder, until the merchant keys and code are in place (Secrets Manager on the
emulator; the function runs "in Lambda" by the runtime's own variable)."""

from __future__ import annotations

import pytest

from marketplace.aws import client
from marketplace.deployment import Env
from marketplace.ids import new_id
from marketplace.payments import providers
from marketplace.payments.providers import (
    ESEWA_LIVE,
    ESEWA_TEST_KEY,
    KHALTI_LIVE,
    refuse_placeholders_at_init,
)
from marketplace.services.payments import poll_handler

KHALTI_LIVE_KEY = "live_secret_key_68791341fdd94846a146f0457ff7b455"  # the shape Khalti's docs show


@pytest.fixture
def live_stage(platform, monkeypatch):
    """A production function's environment: live endpoints, the test product code, and both key secrets as
    the stack creates them (one generated value each)."""
    names = {}
    for provider in ("esewa", "khalti"):
        names[provider] = f"shikhar/prod-{new_id()}/{provider}-secret-key"
        client("secretsmanager").create_secret(Name=names[provider], SecretString=new_id())
    for name, value in {Env.ESEWA_FORM_URL: ESEWA_LIVE["form"], Env.ESEWA_STATUS_URL: ESEWA_LIVE["status"],
                        Env.KHALTI_URL: KHALTI_LIVE, Env.ESEWA_PRODUCT_CODE: "EPAYTEST",
                        Env.ESEWA_SECRET: names["esewa"], Env.KHALTI_SECRET: names["khalti"],
                        Env.LAMBDA_FUNCTION: "shikhar-prod-payments"}.items():
        monkeypatch.setenv(name, value)
    providers.reset()
    yield names
    providers.reset()


def _put(secret_id: str, value: str) -> None:
    client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=value)
    providers.reset()


def test_a_live_function_with_the_stacks_placeholders_refuses_to_start_naming_each(live_stage, capsys):
    with pytest.raises(SystemExit):
        refuse_placeholders_at_init()

    said = capsys.readouterr().err
    assert "CONFIGURATION ERROR: live payments refuse to start" in said
    assert "EPAYTEST on the live endpoints" in said and "Khalti's key is not a live key" in said
    assert f"eSewa's key ({live_stage['esewa']}) still holds the value the stack generated" in said
    assert f"Khalti's key ({live_stage['khalti']}) still holds the value the stack generated" in said
    # the poller refuses as well, before asking any provider about any order
    with pytest.raises(SystemExit):
        poll_handler({})


def test_with_the_merchant_code_and_live_keys_put_it_starts(live_stage, monkeypatch):
    monkeypatch.setenv(Env.ESEWA_PRODUCT_CODE, "NP-ES-SHIKHAR")
    _put(live_stage["esewa"], "merchant-secret-from-the-esewa-portal")
    _put(live_stage["khalti"], KHALTI_LIVE_KEY)

    refuse_placeholders_at_init()  # returns: nothing is a placeholder

    assert providers.placeholder_problems(providers.payment_settings()) == []


@pytest.mark.parametrize(("esewa_key", "khalti_key", "named"), [
    (ESEWA_TEST_KEY, KHALTI_LIVE_KEY, "eSewa's key is its published test key"),
    ("merchant-secret", "test_secret_key_f59e8b7d18b4499ca40f68195a846e9b", "Khalti's key is not a live key")])
def test_a_published_test_key_put_in_production_is_refused(live_stage, monkeypatch, esewa_key, khalti_key, named):
    monkeypatch.setenv(Env.ESEWA_PRODUCT_CODE, "NP-ES-SHIKHAR")
    _put(live_stage["esewa"], esewa_key)
    _put(live_stage["khalti"], khalti_key)

    [problem] = providers.placeholder_problems(providers.payment_settings())
    assert problem.startswith(named)


def test_sandbox_endpoints_mixed_into_a_live_stage_are_refused(live_stage, monkeypatch):
    monkeypatch.setenv(Env.KHALTI_URL, providers.KHALTI_SANDBOX)
    providers.reset()
    assert "live and sandbox endpoints are mixed" in providers.placeholder_problems(providers.payment_settings())[0]


def test_a_sandbox_stage_starts_on_test_keys(platform, monkeypatch):
    monkeypatch.setenv(Env.LAMBDA_FUNCTION, "shikhar-staging-payments")
    for name in (Env.ESEWA_FORM_URL, Env.ESEWA_STATUS_URL, Env.KHALTI_URL):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(Env.ESEWA_PRODUCT_CODE, "EPAYTEST")
    providers.reset()
    try:
        refuse_placeholders_at_init()  # the sandbox is what test keys are for
    finally:
        providers.reset()
