"""Local stand-ins for eSewa (ePay v2) and Khalti (KPG-2), following their published protocols, on one
small HTTP server: eSewa under ``/esewa``, Khalti under ``/khalti`` (each provider's own paths below).

eSewa: ``POST /api/epay/main/v2/form`` checks the merchant's signed form (the documented test key and
product code ``EPAYTEST``) and shows a sign-in page; ``POST /api/epay/main/v2/pay`` takes the documented
test wallet (9806800001-5, ``Nepal@123``, token ``123456``), completes the payment and sends the browser
to ``success_url?data=`` (base64 JSON signed as eSewa signs it), or cancels it and sends it to
``failure_url``; ``GET /api/epay/transaction/status/`` answers the status check.

Khalti: ``POST /api/v2/epayment/initiate/`` and ``/lookup/`` with ``Authorization: Key <secret>``; the
payment page ``GET /?pidx=`` and ``POST /pay`` take the documented test wallet (9800000000-5, MPIN
``1111``, OTP ``987654``) and send the browser to ``return_url`` with Khalti's query parameters.

For tests and demos only, ``POST /_emulator/...`` changes what a provider answers: a transaction's status
or amount (``/transactions/<id>``), or a delay before every API answer (``/delay``), as a slow provider.
``python -m local.payment_providers --port 8002``; ``make run`` starts it in its own process, on the port
after the API's unless SHIKHAR_PAYMENTS_PORT says otherwise (``local.run.payments_port``).
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import string
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from marketplace.payments import esewa
from marketplace.payments.providers import ESEWA_TEST_KEY, ESEWA_TEST_PRODUCT_CODE

DEFAULT_PORT = 8002
# The providers' published test credentials.
ESEWA_TEST_SECRET = ESEWA_TEST_KEY
ESEWA_WALLETS = frozenset(f"980680000{n}" for n in range(1, 6))
ESEWA_PASSWORD, ESEWA_TOKEN = "Nepal@123", "123456"
KHALTI_TEST_SECRET = "test_secret_key_f59e8b7d18b4499ca40f68195a846e9b"  # a sandbox-shaped key (ours, locally)
KHALTI_WALLETS = frozenset(f"980000000{n}" for n in range(6))
KHALTI_MPIN, KHALTI_OTP = "1111", "987654"
ESEWA_REQUIRED = ("amount", "tax_amount", "total_amount", "transaction_uuid", "product_code",
                  "product_service_charge", "product_delivery_charge", "success_url", "failure_url",
                  "signed_field_names", "signature")
KHALTI_REQUIRED = ("return_url", "website_url", "amount", "purchase_order_id", "purchase_order_name")


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>{body}",
                    status=status, content_type="text/html; charset=utf-8")


def _wallet_page(title: str, *, key: tuple[str, str], fields: tuple[tuple[str, str], ...]) -> Response:
    """A provider's sign-in-and-pay page: the payment's key hidden, the wallet's fields, Pay and Cancel."""
    name, value = key
    inputs = "".join(f'<label>{label} <input name="{field}"></label>' for field, label in fields)
    return _page(title, f'<form method="post" action="pay"><input type="hidden" name="{name}" '
                        f'value="{html.escape(value)}">{inputs}<button name="action" value="pay">Pay</button>'
                        f'<button name="action" value="cancel">Cancel</button></form>')


def _redirect(url: str) -> Response:
    return Response("", status=302, headers={"Location": url})


def _code(length: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Providers:
    """Both providers' state (in memory: they are someone else's systems) and their WSGI app."""

    def __init__(self, *, esewa_secret: str = ESEWA_TEST_SECRET, product_code: str = ESEWA_TEST_PRODUCT_CODE,
                 khalti_secret: str = KHALTI_TEST_SECRET):
        self.esewa_secret, self.product_code, self.khalti_secret = esewa_secret, product_code, khalti_secret
        self.esewa: dict[str, dict] = {}  # transaction_uuid -> transaction
        self.khalti: dict[str, dict] = {}  # pidx -> payment
        self.delay_seconds = 0.0
        self.lock = threading.Lock()
        self.url = ""
        self.routes = Map([
            Rule("/esewa/api/epay/main/v2/form", endpoint="esewa_form", methods=["POST"]),
            Rule("/esewa/api/epay/main/v2/pay", endpoint="esewa_pay", methods=["POST"]),
            Rule("/esewa/api/epay/transaction/status/", endpoint="esewa_status", methods=["GET"]),
            Rule("/khalti/api/v2/epayment/initiate/", endpoint="khalti_initiate", methods=["POST"]),
            Rule("/khalti/api/v2/epayment/lookup/", endpoint="khalti_lookup", methods=["POST"]),
            Rule("/khalti/", endpoint="khalti_page", methods=["GET"]),
            Rule("/khalti/pay", endpoint="khalti_pay", methods=["POST"]),
            Rule("/_emulator/transactions/<reference>", endpoint="control_transaction", methods=["POST"]),
            Rule("/_emulator/delay", endpoint="control_delay", methods=["POST"]),
        ])

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = self.routes.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
        except Exception:  # noqa: BLE001 - werkzeug's NotFound/MethodNotAllowed: the providers' own 404
            return _json({"detail": "Not found."}, 404)(environ, start_response)
        if endpoint in ("esewa_status", "khalti_initiate", "khalti_lookup") and self.delay_seconds:
            time.sleep(self.delay_seconds)
        return getattr(self, endpoint)(request, **values)(environ, start_response)

    # eSewa ---------------------------------------------------------------------------------------

    def esewa_form(self, request: Request) -> Response:
        form = request.form
        missing = [name for name in ESEWA_REQUIRED if not form.get(name)]
        if missing:
            return _page("Invalid payload", f"<p>missing {html.escape(', '.join(missing))}</p>", 400)
        names = form["signed_field_names"].split(",")
        if form["product_code"] != self.product_code or any(n not in form for n in names) or not (
                set(esewa.REQUEST_SIGNED_FIELDS) <= set(names)) or form["signature"] != esewa.signature(
                form, names, self.esewa_secret):
            return _page("Invalid payload signature", "<p>The merchant's signature does not match.</p>", 400)
        try:
            parts = [Decimal(form[n]) for n in ("amount", "tax_amount", "product_service_charge",
                                                 "product_delivery_charge")]
            total = Decimal(form["total_amount"])
        except InvalidOperation:
            return _page("Invalid payload", "<p>amounts must be numbers</p>", 400)
        if sum(parts) != total:
            return _page("Invalid payload", "<p>total_amount is not the sum of its parts</p>", 400)
        uuid = form["transaction_uuid"]
        with self.lock:
            known = self.esewa.get(uuid)
            if known and known["status"] != "PENDING":
                return _page("Duplicate transaction", "<p>transaction_uuid was used already.</p>", 400)
            self.esewa[uuid] = {"product_code": form["product_code"], "total_amount": total, "status": "PENDING",
                                "ref_id": None, "success_url": form["success_url"],
                                "failure_url": form["failure_url"]}
        return _wallet_page(f"Pay Rs {total} to {form['product_code']}", key=("transaction_uuid", uuid),
                            fields=(("esewa_id", "eSewa ID"), ("password", "Password"), ("token", "Token")))

    def esewa_pay(self, request: Request) -> Response:
        form = request.form
        transaction = self.esewa.get(form.get("transaction_uuid", ""))
        if transaction is None or transaction["status"] != "PENDING":
            return _page("Session expired", "<p>Start the payment again from the merchant.</p>", 400)
        if form.get("action") == "cancel":
            transaction["status"] = "CANCELED"
            return _redirect(transaction["failure_url"])
        if (form.get("esewa_id") not in ESEWA_WALLETS or form.get("password") != ESEWA_PASSWORD
                or form.get("token") != ESEWA_TOKEN):
            return _page("Invalid credentials", "<p>eSewa ID, password or token is wrong.</p>", 401)
        transaction.update(status="COMPLETE", ref_id=_code(7), transaction_code=_code(7))
        return _redirect(self._esewa_success_url(form["transaction_uuid"], transaction))

    def _esewa_success_url(self, uuid: str, transaction: dict) -> str:
        answer = {"transaction_code": transaction["transaction_code"], "status": transaction["status"],
                  "total_amount": f"{transaction['total_amount']:.1f}", "transaction_uuid": uuid,
                  "product_code": transaction["product_code"],
                  "signed_field_names": "transaction_code,status,total_amount,transaction_uuid,product_code,"
                                        "signed_field_names"}
        answer["signature"] = esewa.signature(answer, answer["signed_field_names"].split(","), self.esewa_secret)
        data = base64.b64encode(json.dumps(answer).encode()).decode()
        return f"{transaction['success_url']}{'&' if '?' in transaction['success_url'] else '?'}{urlencode({'data': data})}"

    def esewa_status(self, request: Request) -> Response:
        args = request.args
        uuid = args.get("transaction_uuid", "")
        transaction = self.esewa.get(uuid)
        try:
            total = Decimal(args.get("total_amount", ""))
        except InvalidOperation:
            total = None
        answer = {"product_code": args.get("product_code"), "transaction_uuid": uuid,
                  "total_amount": float(total) if total is not None else None, "status": "NOT_FOUND", "ref_id": None}
        if (transaction and transaction["product_code"] == args.get("product_code")
                and transaction["total_amount"] == total):
            answer.update(status=transaction["status"], ref_id=transaction["ref_id"])
        return _json(answer)

    # Khalti --------------------------------------------------------------------------------------

    def _khalti_refused(self, request: Request) -> Response | None:
        if request.headers.get("Authorization") != f"Key {self.khalti_secret}":
            return _json({"detail": "Invalid token.", "status_code": 401}, 401)
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return _json({"detail": "JSON body expected.", "error_key": "validation_error"}, 400)
        return None

    def khalti_initiate(self, request: Request) -> Response:
        refused = self._khalti_refused(request)
        if refused:
            return refused
        body = request.get_json()
        errors = {name: ["This field is required."] for name in KHALTI_REQUIRED if not body.get(name)}
        amount = body.get("amount")
        if not errors and (not isinstance(amount, int) or amount < 1000):
            errors["amount"] = ["Amount should be greater than Rs. 10, that is 1000 paisa."]
        if errors:
            return _json({**errors, "error_key": "validation_error"}, 400)
        pidx = _code(22, string.ascii_letters + string.digits)
        expires = datetime.now(UTC) + timedelta(minutes=30)
        with self.lock:
            self.khalti[pidx] = {"total_amount": amount, "status": "Initiated", "transaction_id": None,
                                 "return_url": body["return_url"], "purchase_order_id": body["purchase_order_id"],
                                 "purchase_order_name": body["purchase_order_name"], "refunded": False}
        return _json({"pidx": pidx, "payment_url": f"{self.url}/khalti/?{urlencode({'pidx': pidx})}",
                      "expires_at": expires.isoformat(), "expires_in": 1800})

    def khalti_lookup(self, request: Request) -> Response:
        refused = self._khalti_refused(request)
        if refused:
            return refused
        payment = self.khalti.get(str(request.get_json().get("pidx")))
        if payment is None:
            return _json({"detail": "Not found.", "error_key": "validation_error"}, 404)
        return _json({"pidx": request.get_json()["pidx"], "total_amount": payment["total_amount"],
                      "status": payment["status"], "transaction_id": payment["transaction_id"], "fee": 0,
                      "refunded": payment["refunded"]})

    def khalti_page(self, request: Request) -> Response:
        pidx = request.args.get("pidx", "")
        payment = self.khalti.get(pidx)
        if payment is None:
            return _page("Payment not found", "", 404)
        return _wallet_page(f"Pay Rs {payment['total_amount'] / 100:.2f}", key=("pidx", pidx),
                            fields=(("khalti_id", "Khalti ID"), ("mpin", "MPIN"), ("otp", "OTP")))

    def khalti_pay(self, request: Request) -> Response:
        form = request.form
        pidx = form.get("pidx", "")
        payment = self.khalti.get(pidx)
        if payment is None or payment["status"] not in ("Initiated", "Pending"):
            return _page("Payment not found or already used", "", 400)
        if form.get("action") == "cancel":
            payment["status"] = "User canceled"
            return _redirect(self._khalti_return(pidx, payment, mobile=""))
        if (form.get("khalti_id") not in KHALTI_WALLETS or form.get("mpin") != KHALTI_MPIN
                or form.get("otp") != KHALTI_OTP):
            return _page("Invalid credentials", "<p>Khalti ID, MPIN or OTP is wrong.</p>", 401)
        payment.update(status="Completed", transaction_id=_code(22, string.ascii_letters + string.digits))
        return _redirect(self._khalti_return(pidx, payment, mobile=form["khalti_id"]))

    @staticmethod
    def _khalti_return(pidx: str, payment: dict, *, mobile: str) -> str:
        query = {"pidx": pidx, "transaction_id": payment["transaction_id"] or "", "tidx": payment["transaction_id"] or "",
                 "txnId": payment["transaction_id"] or "", "amount": payment["total_amount"],
                 "total_amount": payment["total_amount"], "mobile": mobile[:2] + "XXXXX" + mobile[-3:] if mobile else "",
                 "status": payment["status"], "purchase_order_id": payment["purchase_order_id"],
                 "purchase_order_name": payment["purchase_order_name"]}
        separator = "&" if "?" in payment["return_url"] else "?"
        return f"{payment['return_url']}{separator}{urlencode(query)}"

    # Control (tests and demos) -------------------------------------------------------------------

    def control_transaction(self, request: Request, reference: str) -> Response:
        """Set what a provider says about one transaction: ``{"status": ..., "total_amount": ...}``."""
        change = request.get_json(silent=True) or {}
        with self.lock:
            if reference in self.esewa:
                transaction = self.esewa[reference]
                if "total_amount" in change:
                    transaction["total_amount"] = Decimal(str(change["total_amount"]))
                if change.get("status") == "COMPLETE" and not transaction.get("ref_id"):
                    transaction.update(ref_id=_code(7), transaction_code=_code(7))
            elif reference in self.khalti:
                transaction = self.khalti[reference]
                if change.get("status") == "Completed" and not transaction.get("transaction_id"):
                    transaction["transaction_id"] = _code(22, string.ascii_letters + string.digits)
                if "total_amount" in change:
                    transaction["total_amount"] = int(change["total_amount"])
            else:
                return _json({"detail": "Not found."}, 404)
            if "status" in change:
                transaction["status"] = change["status"]
        return _json({"reference": reference, "status": transaction["status"]})

    def esewa_success_url(self, uuid: str) -> str:
        """Where eSewa would send the browser for this transaction now (tests replay it)."""
        return self._esewa_success_url(uuid, self.esewa[uuid])

    def control_delay(self, request: Request) -> Response:
        self.delay_seconds = float((request.get_json(silent=True) or {}).get("seconds", 0))
        return _json({"delay_seconds": self.delay_seconds})


class PaymentProviders:
    """Both emulators in a background thread (tests, ``make run``)."""

    def __init__(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1"):
        self.app = Providers()
        self._server = make_server(host, port, self.app, threaded=True)
        self.url = self.app.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="payment-providers", daemon=True)

    def start(self) -> PaymentProviders:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        self.app.esewa.clear()
        self.app.khalti.clear()
        self.app.delay_seconds = 0.0

    def environment(self) -> dict[str, str]:
        """Where the platform finds them (the secrets' names come from ``local.provision.provision_payments``)."""
        from marketplace.deployment import Env

        return {Env.ESEWA_FORM_URL: f"{self.url}/esewa/api/epay/main/v2/form",
                Env.ESEWA_STATUS_URL: f"{self.url}/esewa/api/epay/transaction/status/",
                Env.ESEWA_PRODUCT_CODE: self.app.product_code, Env.KHALTI_URL: f"{self.url}/khalti/api/v2/"}


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Local eSewa and Khalti emulators")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    providers = PaymentProviders(port=args.port)
    print(f"eSewa and Khalti emulators on {providers.url}", flush=True)
    try:
        providers._server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
