"""Khalti KPG-2 (web checkout), as its documentation publishes it (docs.khalti.com/khalti-epayment).

The merchant initiates a payment server-side (``POST epayment/initiate/`` with ``Authorization: Key``;
amounts in paisa) and gets a ``pidx`` and a ``payment_url`` to send the buyer to; Khalti sends the buyer
back to ``return_url`` with query parameters nobody signed, so only the lookup (``POST epayment/lookup/``
by ``pidx``) decides: ``Completed`` is the only status that means paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.payments.providers import Outcome, ProviderUnavailable, call

PROVIDER = "Khalti"
PAISA = 100
MIN_PAISA = 1000  # Khalti refuses less than Rs 10

STATUSES = {
    "Completed": Outcome.COMPLETED,
    "Pending": Outcome.PENDING,
    "Initiated": Outcome.PENDING,
    "Expired": Outcome.FAILED,
    "User canceled": Outcome.FAILED,
    "Refunded": Outcome.REFUNDED,
    "Partially Refunded": Outcome.REFUNDED,
}


def _headers(secret: str) -> dict:
    return {"Authorization": f"Key {secret}"}


def _url(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}"


@dataclass(frozen=True)
class Initiated:
    pidx: str
    payment_url: str
    expires_at: datetime | None


def initiate(*, base_url: str, secret: str, order_id: str, amount: int, name: str, return_url: str,
             website_url: str, customer: dict) -> Initiated:
    """Start a payment of ``amount`` rupees for one order."""
    status, answer = call(PROVIDER, "POST", _url(base_url, "epayment/initiate/"), headers=_headers(secret), body={
        "return_url": return_url, "website_url": website_url, "amount": amount * PAISA,
        "purchase_order_id": order_id, "purchase_order_name": name, "customer_info": customer})
    if status != 200 or not answer.get("pidx") or not answer.get("payment_url"):
        # A refusal of our own request (key, fields) is ours to fix, not the buyer's: an outage for them.
        raise ProviderUnavailable(PROVIDER, f"initiate refused with HTTP {status}: {answer}")
    try:
        expires = datetime.fromisoformat(answer["expires_at"]) if answer.get("expires_at") else None
    except ValueError:
        expires = None
    return Initiated(pidx=str(answer["pidx"]), payment_url=str(answer["payment_url"]), expires_at=expires)


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    status: str
    total_paisa: int | None
    transaction_id: str | None


def lookup(*, base_url: str, secret: str, pidx: str) -> Lookup:
    status, answer = call(PROVIDER, "POST", _url(base_url, "epayment/lookup/"), headers=_headers(secret),
                          body={"pidx": pidx})
    if status == 404:  # {"detail": "Not found.", "error_key": "validation_error"}: no such payment
        return Lookup(outcome=Outcome.FAILED, status="Not found", total_paisa=None, transaction_id=None)
    state = str(answer.get("status") or "")
    if status != 200 or state not in STATUSES:
        raise ProviderUnavailable(PROVIDER, f"lookup answered HTTP {status}: {answer}")
    total = answer.get("total_amount")
    return Lookup(outcome=STATUSES[state], status=state,
                  total_paisa=int(total) if isinstance(total, int | float) else None,
                  transaction_id=answer.get("transaction_id"))
