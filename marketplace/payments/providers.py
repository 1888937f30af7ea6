"""How the platform reaches the payment providers: their URLs and our keys (names from the environment,
values from Secrets Manager, read once per process), and one HTTP call with a short time budget.

A provider that does not answer in time, or answers something that is not its protocol, is a
``ProviderUnavailable`` (503): nothing is decided on it, and the order stays open for the poller.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import urllib3

from marketplace.deployment import Env
from marketplace.errors import Unavailable

# The providers' published endpoints: sandbox (UAT) for dev and staging, live for production.
ESEWA_SANDBOX = {"form": "https://rc-epay.esewa.com.np/api/epay/main/v2/form",
                 "status": "https://rc.esewa.com.np/api/epay/transaction/status/"}
ESEWA_LIVE = {"form": "https://epay.esewa.com.np/api/epay/main/v2/form",
              "status": "https://epay.esewa.com.np/api/epay/transaction/status/"}
KHALTI_SANDBOX = "https://dev.khalti.com/api/v2/"
KHALTI_LIVE = "https://khalti.com/api/v2/"
ESEWA_TEST_PRODUCT_CODE = "EPAYTEST"

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
