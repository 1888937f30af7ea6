"""eSewa ePay v2, as its developer documentation publishes it (developer.esewa.com.np/pages/Epay).

The merchant signs a form (HMAC-SHA256 over ``total_amount,transaction_uuid,product_code``, base64) that
the buyer's browser posts to eSewa; eSewa sends the buyer back to ``success_url`` with ``data``: base64
JSON signed the same way over its own ``signed_field_names``. The signature only says eSewa wrote it;
the status check API (``status_check``) is what confirms the money moved.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marketplace.errors import ValidationError
from marketplace.payments.providers import Outcome, ProviderUnavailable, call

PROVIDER = "eSewa"
REQUEST_SIGNED_FIELDS = ("total_amount", "transaction_uuid", "product_code")
# What a success answer must sign for us to read any of it.
CALLBACK_SIGNED_FIELDS = frozenset({"transaction_code", "status", "total_amount", "transaction_uuid",
                                    "product_code", "signed_field_names"})
MAX_DATA = 4096  # a genuine answer is about 400 characters

STATUSES = {
    "COMPLETE": Outcome.COMPLETED,
    "PENDING": Outcome.PENDING,
    "AMBIGUOUS": Outcome.PENDING,  # "at halt": eSewa settles it later; ask again
    "NOT_FOUND": Outcome.FAILED,  # the session expired at eSewa
    "CANCELED": Outcome.FAILED,
    "FULL_REFUND": Outcome.REFUNDED,
    "PARTIAL_REFUND": Outcome.REFUNDED,
}


def signature(fields: Mapping[str, object], names: Sequence[str], secret: str) -> str:
    """``name=value`` pairs in ``names``' order, comma-joined, HMAC-SHA256 with the secret, base64."""
    message = ",".join(f"{name}={fields[name]}" for name in names)
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def amount_text(amount: int) -> str:
    return str(int(amount))


def payment_form(*, order_id: str, amount: int, product_code: str, secret: str, success_url: str,
                 failure_url: str) -> dict[str, str]:
    """The fields of the form the buyer's browser posts to eSewa (no tax or charges: prices include VAT)."""
    fields = {"amount": amount_text(amount), "tax_amount": "0", "total_amount": amount_text(amount),
              "transaction_uuid": order_id, "product_code": product_code, "product_service_charge": "0",
              "product_delivery_charge": "0", "success_url": success_url, "failure_url": failure_url,
              "signed_field_names": ",".join(REQUEST_SIGNED_FIELDS)}
    fields["signature"] = signature(fields, REQUEST_SIGNED_FIELDS, secret)
    return fields


@dataclass(frozen=True)
class Callback:
    transaction_code: str
    status: str
    total_amount: Decimal
    transaction_uuid: str
    product_code: str


def _decoded(data: str) -> dict:
    if not data or len(data) > MAX_DATA:
        raise ValidationError(f"must be eSewa's answer (base64, at most {MAX_DATA} characters)", field="data")
    try:
        answer = json.loads(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError) as error:
        raise ValidationError("is not eSewa's answer (base64 JSON)", field="data") from error
    if not isinstance(answer, dict):
        raise ValidationError("is not eSewa's answer (a JSON object)", field="data")
    return answer


def read_callback(data: str, *, secret: str) -> Callback:
    """eSewa's success answer, its signature checked in constant time; anything unsigned is refused."""
    answer = _decoded(data)
    names = str(answer.get("signed_field_names") or "").split(",")
    if not CALLBACK_SIGNED_FIELDS <= set(names) or any(name not in answer for name in names):
        raise ValidationError("does not sign the fields a payment needs", field="data")
    expected = signature(answer, names, secret)
    if not hmac.compare_digest(expected.encode(), str(answer.get("signature") or "").encode()):
        raise ValidationError("the signature does not match: this is not eSewa's answer", field="data")
    try:
        total = Decimal(str(answer["total_amount"]).replace(",", ""))
    except InvalidOperation as error:
        raise ValidationError("has no readable total_amount", field="data") from error
    return Callback(transaction_code=str(answer["transaction_code"]), status=str(answer["status"]),
                    total_amount=total, transaction_uuid=str(answer["transaction_uuid"]),
                    product_code=str(answer["product_code"]))


@dataclass(frozen=True)
class Status:
    outcome: Outcome
    status: str
    ref_id: str | None
    total_amount: Decimal | None


def status_check(*, url: str, product_code: str, order_id: str, amount: int) -> Status:
    """eSewa's status check API for one transaction (by product, uuid and total amount)."""
    _, answer = call(PROVIDER, "GET", url, fields={"product_code": product_code, "total_amount": amount_text(amount),
                                                   "transaction_uuid": order_id})
    status = str(answer.get("status") or "")
    if status not in STATUSES:  # e.g. {"code": 0, "error_message": "Service is currently unavailable"}
        raise ProviderUnavailable(PROVIDER, answer.get("error_message") or f"unknown status {status!r}")
    try:
        total = Decimal(str(answer.get("total_amount")))
    except InvalidOperation:
        total = None
    return Status(outcome=STATUSES[status], status=status, ref_id=answer.get("ref_id"), total_amount=total)
