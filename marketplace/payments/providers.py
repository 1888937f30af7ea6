"""How the platform reaches the payment providers: their URLs and our keys (names from the environment,
values from Secrets Manager, read once per process), and one HTTP call with a short time budget.

A provider that does not answer in time, or answers something that is not its protocol, is a
``ProviderUnavailable`` (503): nothing is decided on it, and the order stays open for the poller.

Live payments (production: the providers' live endpoints) never run on a placeholder: the payments
function and the poller refuse to start (``refuse_placeholders_at_init``) while an endpoint is a sandbox, a
key is a published test key or not a live key, or a key secret still holds the value the stack generated
(never put by the payment-providers runbook); eSewa's test product code there is logged as an error.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import urllib3

from marketplace.deployment import Env, in_lambda, stop
from marketplace.errors import Unavailable

# The providers' published endpoints: sandbox (UAT) for dev and staging, live for production.
ESEWA_SANDBOX = {"form": "https://rc-epay.esewa.com.np/api/epay/main/v2/form",
                 "status": "https://rc.esewa.com.np/api/epay/transaction/status/"}
ESEWA_LIVE = {"form": "https://epay.esewa.com.np/api/epay/main/v2/form",
              "status": "https://epay.esewa.com.np/api/epay/transaction/status/"}
KHALTI_SANDBOX = "https://dev.khalti.com/api/v2/"
KHALTI_LIVE = "https://khalti.com/api/v2/"
ESEWA_TEST_PRODUCT_CODE = "EPAYTEST"
# eSewa's published UAT secret key (its developer docs' test vector): never a live merchant's key.
ESEWA_TEST_KEY = "8gBm/:&EnhH.1/q"
# Khalti's keys say what they are: ``live_secret_key_...`` live, ``test_secret_key_...`` in the sandbox.
KHALTI_LIVE_KEY_PREFIX = "live_secret_key_"

CONNECT_SECONDS = 2.0
READ_SECONDS = 5.0  # both providers answer in well under a second; a function waits at most this long


class Outcome(StrEnum):
    """What a provider's status says about a payment, in the platform's words."""

    COMPLETED = "completed"
    PENDING = "pending"
    FAILED = "failed"
    REFUNDED = "refunded"


class ProviderUnavailable(Unavailable):
    def __init__(self, provider: str, why: str):
        super().__init__(f"{provider} is not answering ({why}); the payment will be confirmed when it does")
        self.provider = provider


@dataclass(frozen=True)
class PaymentSettings:
    esewa_form_url: str
    esewa_status_url: str
    esewa_product_code: str
    esewa_secret_id: str
    khalti_url: str
    khalti_secret_id: str
    return_url: str  # the API's base URL as browsers reach it: the providers send buyers back under it
    read_seconds: float


@cache
def payment_settings() -> PaymentSettings:
    env = os.environ.get
    return PaymentSettings(
        esewa_form_url=env(Env.ESEWA_FORM_URL) or ESEWA_SANDBOX["form"],
        esewa_status_url=env(Env.ESEWA_STATUS_URL) or ESEWA_SANDBOX["status"],
        esewa_product_code=env(Env.ESEWA_PRODUCT_CODE) or ESEWA_TEST_PRODUCT_CODE,
        esewa_secret_id=env(Env.ESEWA_SECRET, ""), khalti_url=env(Env.KHALTI_URL) or KHALTI_SANDBOX,
        khalti_secret_id=env(Env.KHALTI_SECRET, ""), return_url=(env(Env.PAYMENT_RETURN_URL) or "").rstrip("/"),
        read_seconds=float(env(Env.PAYMENT_READ_SECONDS) or READ_SECONDS))


@cache
def secret(secret_id: str) -> str:
    """A provider key from Secrets Manager (boto3 only when a payment needs it)."""
    from marketplace.aws import client

    if not secret_id:
        raise RuntimeError("a payment provider's secret is not configured")
    return client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]


def reset() -> None:
    """Forget settings and keys (tests that provision new ones)."""
    payment_settings.cache_clear()
    secret.cache_clear()
    _pool.cache_clear()


@cache
def _pool() -> urllib3.PoolManager:
    timeout = urllib3.Timeout(connect=CONNECT_SECONDS, read=payment_settings().read_seconds)
    return urllib3.PoolManager(timeout=timeout, retries=False)


def call(provider: str, method: str, url: str, *, body: dict | None = None, fields: dict | None = None,
         headers: dict | None = None) -> tuple[int, dict]:
    """One request; the status and the JSON answer. Timeouts and answers that are not JSON are outages."""
    try:
        if body is not None:
            response = _pool().request(method, url, body=json.dumps(body).encode(),
                                       headers={"Content-Type": "application/json", **(headers or {})})
        else:
            response = _pool().request(method, url, fields=fields, headers=headers)
    except urllib3.exceptions.HTTPError as error:
        raise ProviderUnavailable(provider, type(error).__name__) from error
    if response.status >= 500:
        raise ProviderUnavailable(provider, f"HTTP {response.status}")
    try:
        answer = json.loads(response.data or b"null")
    except ValueError as error:
        raise ProviderUnavailable(provider, "an answer that is not JSON") from error
    if not isinstance(answer, dict):
        raise ProviderUnavailable(provider, "an answer that is not a JSON object")
    return response.status, answer


# --- Live payments never run on a placeholder (checked when a payments function starts). ---


def is_live(cfg: PaymentSettings) -> bool:
    """Whether this configuration takes real money: any live endpoint configured (production's stage)."""
    return ESEWA_LIVE["form"] == cfg.esewa_form_url or ESEWA_LIVE["status"] == cfg.esewa_status_url or \
        KHALTI_LIVE == cfg.khalti_url


def _never_replaced(secret_id: str) -> bool:
    """The secret has one version only: the value the stack generated when it created it."""
    from marketplace.aws import client

    versions = client("secretsmanager").describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})
    return len(versions) <= 1


def placeholder_problems(cfg: PaymentSettings) -> list[str]:
    """What in a live configuration is still a placeholder (nothing for a sandbox configuration)."""
    if not is_live(cfg):
        return []
    problems = []
    if (cfg.esewa_form_url, cfg.esewa_status_url, cfg.khalti_url) != (ESEWA_LIVE["form"], ESEWA_LIVE["status"],
                                                                       KHALTI_LIVE):
        problems.append("live and sandbox endpoints are mixed: every provider endpoint must be the live one")
    for name, secret_id in (("eSewa", cfg.esewa_secret_id), ("Khalti", cfg.khalti_secret_id)):
        if not secret_id:
            problems.append(f"{name}'s key secret is not configured")
        elif _never_replaced(secret_id):
            problems.append(f"{name}'s key ({secret_id}) still holds the value the stack generated: put the "
                            "merchant key (docs/runbooks/payment-providers.md)")
    if cfg.esewa_secret_id and secret(cfg.esewa_secret_id) == ESEWA_TEST_KEY:
        problems.append("eSewa's key is its published test key")
    if cfg.khalti_secret_id and not secret(cfg.khalti_secret_id).startswith(KHALTI_LIVE_KEY_PREFIX):
        problems.append(f"Khalti's key is not a live key (live keys start {KHALTI_LIVE_KEY_PREFIX})")
    return problems


def uses_test_code_live(cfg: PaymentSettings) -> bool:
    """eSewa's documented test code on the live endpoints: eSewa refuses every such payment (fails closed)."""
    return is_live(cfg) and cfg.esewa_product_code == ESEWA_TEST_PRODUCT_CODE


def refuse_placeholders_at_init() -> None:
    """A payments function's start in Lambda: a live configuration with a placeholder key stops it there, with
    one log line naming each (it never takes a payment it cannot verify); eSewa's test code on the live
    endpoints is logged as an error at every start (the code is the stage's configuration, which the runbook
    sets once eSewa issues it). Elsewhere: nothing."""
    if not in_lambda():
        return
    cfg = payment_settings()
    if uses_test_code_live(cfg):
        print(f"CONFIGURATION ERROR: {Env.ESEWA_PRODUCT_CODE} is eSewa's test code {ESEWA_TEST_PRODUCT_CODE} on the "
              "live endpoints: eSewa refuses these payments; set esewa_product_code of the stage in infra/config.py "
              "(docs/runbooks/payment-providers.md)", file=sys.stderr, flush=True)
    problems = placeholder_problems(cfg)
    if problems:
        stop("live payments refuse to start: " + "; ".join(problems))
