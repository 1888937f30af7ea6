"""Buying premium and investor plans through the local eSewa and Khalti emulators, over HTTP end to end:
the buyer orders through the API, the browser goes to the provider (the documented test wallets), comes
back to the API's return URL, and the API confirms with the provider before the admins' own grant runs.
Tampered, replayed, mismatched, slow and pending payments grant nothing they should not."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local.payment_providers import ESEWA_TEST_SECRET, PaymentProviders
from marketplace import formatting
from marketplace.models import AuditEntry, PaymentOrder, Subscription
from marketplace.payments import esewa
from marketplace.services.payments import payment_refund_record, payments_poll
from tests.marketplace.test_delivery import _notify_all as deliver_notifications
from tests.public_api.conftest import get
from tests.public_api.test_premium_media import media_seen, upload
from tests.shared.listings import make_listing
from tests.shared.mail import mail_to
from tests.shared.people import ADMIN, sign_up


@pytest.fixture
def shopper(payments):
    return sign_up("shopper@test.shikhar.np", ("buyers",), token=True)


def order(api: str, person, plan: str, provider: str) -> dict:
    response = requests.post(f"{api}/v1/me/orders", json={"plan": plan, "provider": provider},
                             headers=person.headers, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def esewa_pays(checkout: dict, *, wallet: str = "9806800001") -> str:
    """The browser posts the signed form to eSewa, signs in with the test wallet and pays; the URL eSewa
    sends it back to."""
    redirect = checkout["redirect"]
    assert redirect["method"] == "POST"
    page = requests.post(redirect["url"], data=redirect["fields"], timeout=30)
    assert page.status_code == 200, page.text
    paid = requests.post(redirect["url"].replace("/form", "/pay"), allow_redirects=False, timeout=30, data={
        "transaction_uuid": redirect["fields"]["transaction_uuid"], "esewa_id": wallet, "password": "Nepal@123",
        "token": "123456", "action": "pay"})
    assert paid.status_code == 302, paid.text
    return paid.headers["Location"]


def khalti_pays(checkout: dict, *, action: str = "pay") -> str:
    redirect = checkout["redirect"]
    assert redirect["method"] == "GET"
    page = requests.get(redirect["url"], timeout=30)
    assert page.status_code == 200, page.text
    pidx = parse_qs(urlsplit(redirect["url"]).query)["pidx"][0]
    paid = requests.post(redirect["url"].split("?")[0] + "pay", allow_redirects=False, timeout=30, data={
        "pidx": pidx, "khalti_id": "9800000001", "mpin": "1111", "otp": "987654", "action": action})
    assert paid.status_code == 302, paid.text
    return paid.headers["Location"]


def follow(url: str) -> requests.Response:
    """The browser arrives back at the API."""
    return requests.get(url, timeout=30)


def entitlements(api: str, person) -> dict:
    return get(api, "/v1/me", person).json()["entitlements"]


def control(payments: PaymentProviders, reference: str, **change) -> None:
    response = requests.post(f"{payments.url}/_emulator/transactions/{reference}", json=change, timeout=10)
    assert response.status_code == 200, response.text


def test_the_esewa_form_is_signed_as_esewas_documentation_signs_its_example():
    # developer.esewa.com.np, ePay v2: the example form and the example success answer, with the UAT key
    form = {"total_amount": "110", "transaction_uuid": "241028", "product_code": "EPAYTEST"}
    assert esewa.signature(form, esewa.REQUEST_SIGNED_FIELDS, ESEWA_TEST_SECRET) == \
        "i94zsd3oXF6ZsSr/kGqT4sSzYQzjj1W/waxjWyRwaME="
    answer = {"transaction_code": "000AWEO", "status": "COMPLETE", "total_amount": "1000.0",
              "transaction_uuid": "250610-162413", "product_code": "EPAYTEST",
              "signed_field_names": "transaction_code,status,total_amount,transaction_uuid,product_code,signed_field_names",
              "signature": "62GcfZTmVkzhtUeh+QJ1AqiJrjoWWGof3U+eTPTZ7fA="}
    read = esewa.read_callback(base64.b64encode(json.dumps(answer).encode()).decode(), secret=ESEWA_TEST_SECRET)
    assert (read.status, read.total_amount, read.transaction_uuid) == ("COMPLETE", 1000, "250610-162413")


def test_an_esewa_purchase_unlocks_premium_media_for_that_buyer(api, payments, shopper, lister):
    listing = make_listing(lister, status="active", title="Premium villa", premium=True)
    drone = upload(listing, lister, kind="drone")
    assert media_seen(api, listing.listing_id, drone.media_id, shopper)["locked"] is True

    checkout = order(api, shopper, "premium-month", "esewa")
    assert checkout["order"]["state"] == "pending" and checkout["order"]["amount"] == 2500
    back = follow(esewa_pays(checkout))

    assert back.status_code == 200, back.text
    assert back.json()["state"] == "completed"
    assert entitlements(api, shopper)["premium_media"] is True
    seen = media_seen(api, listing.listing_id, drone.media_id, shopper)
    assert seen["locked"] is False and "Signature=" in seen["variants"][0]["url"]
    assert requests.get(seen["variants"][0]["url"], timeout=10).status_code == 200
    # granted by the admins' service: its audit entry names the order
    grants = [e for e in AuditEntry.history("subscription", shopper.user_id) if e.action == "grant"]
    assert len(grants) == 1 and checkout["order"]["order_id"] in grants[0].reason
    assert get(api, f"/v1/me/orders/{checkout['order']['order_id']}", shopper).json()["state"] == "completed"


def test_a_khalti_purchase_of_the_investor_plan_opens_exclusive_listings(api, payments, shopper, market):
    exclusive = market["exclusive"].listing_id
    assert get(api, f"/v1/listings/{exclusive}", shopper).status_code == 404

    checkout = order(api, shopper, "investor-month", "khalti")
    assert checkout["order"]["state"] == "pending"
    back = follow(khalti_pays(checkout))

    assert back.status_code == 200, back.text
    assert back.json()["state"] == "completed"
    assert entitlements(api, shopper)["exclusive_access"] is True
    assert get(api, f"/v1/listings/{exclusive}", shopper).status_code == 200


def test_a_replayed_callback_grants_the_term_once(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "esewa")
    url = esewa_pays(checkout)
    follow(url)
    expires = Subscription.get_or_none(shopper.user_id, consistent=True).expires_at

    again = follow(url)

    assert again.status_code == 200 and again.json()["state"] == "completed"
    assert Subscription.get_or_none(shopper.user_id, consistent=True).expires_at == expires
    grants = [e for e in AuditEntry.history("subscription", shopper.user_id) if e.action == "grant"]
    assert len(grants) == 1


def tampered(url: str, **changes) -> str:
    data = parse_qs(urlsplit(url).query)["data"][0]
    answer = {**json.loads(base64.b64decode(data)), **changes}
    forged = base64.b64encode(json.dumps(answer).encode()).decode()
    return url.split("?")[0] + "?" + requests.models.RequestEncodingMixin._encode_params({"data": forged})


@pytest.mark.parametrize("changes", [
    {"total_amount": "1.0"},  # a cheaper price, the signature left as it was
    {"signature": base64.b64encode(b"x" * 32).decode()},
    {"signed_field_names": "status"},  # signs next to nothing
])
def test_a_tampered_esewa_callback_grants_nothing(api, payments, shopper, changes):
    checkout = order(api, shopper, "premium-month", "esewa")
    url = esewa_pays(checkout)

    refused = follow(tampered(url, **changes))

    assert refused.status_code == 400 and refused.json()["field"] == "data"
    assert entitlements(api, shopper)["premium_media"] is False


def test_an_esewa_answer_signed_for_another_amount_is_refused(api, payments, shopper):
    """eSewa signed a payment of Rs 1 for this order (the form was altered and eSewa took it): the amount
    does not match the order, nothing is granted."""
    checkout = order(api, shopper, "premium-month", "esewa")
    uuid = checkout["redirect"]["fields"]["transaction_uuid"]
    esewa_pays(checkout)
    control(payments, uuid, total_amount="1")

    refused = follow(payments.app.esewa_success_url(uuid))

    assert refused.status_code == 400 and "amount" in refused.json()["message"]
    assert entitlements(api, shopper)["premium_media"] is False


def test_a_khalti_lookup_reporting_another_amount_fails_the_order(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "khalti")
    url = khalti_pays(checkout)
    control(payments, parse_qs(urlsplit(url).query)["pidx"][0], total_amount=100)

    back = follow(url)

    assert back.status_code == 200 and back.json()["state"] == "failed"
    assert entitlements(api, shopper)["premium_media"] is False


def test_a_khalti_return_naming_another_orders_pidx_grants_nothing(api, payments, shopper):
    paid = khalti_pays(order(api, shopper, "premium-month", "khalti"))
    other = order(api, shopper, "investor-month", "khalti")["order"]["order_id"]
    pidx = parse_qs(urlsplit(paid).query)["pidx"][0]

    refused = get(api, f"/v1/payments/khalti/return?pidx={pidx}&purchase_order_id={other}")

    assert refused.status_code == 400 and refused.json()["field"] == "pidx"
    assert PaymentOrder.get_or_none(other, consistent=True).state == "pending"


def test_a_khalti_payment_the_buyer_cancels_fails_and_grants_nothing(api, payments, shopper):
    back = follow(khalti_pays(order(api, shopper, "premium-month", "khalti"), action="cancel"))

    assert back.json()["state"] == "failed"
    assert entitlements(api, shopper)["premium_media"] is False


def test_a_provider_that_does_not_answer_leaves_the_order_pending_and_the_poller_completes_it(
        api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "esewa")
    url = esewa_pays(checkout)
    requests.post(f"{payments.url}/_emulator/delay", json={"seconds": 3}, timeout=10)

    slow = follow(url)

    assert slow.status_code == 503 and slow.headers["Retry-After"]
    order_id = checkout["order"]["order_id"]
    assert PaymentOrder.get_or_none(order_id, consistent=True).state == "pending"
    assert entitlements(api, shopper)["premium_media"] is False
    requests.post(f"{payments.url}/_emulator/delay", json={"seconds": 0}, timeout=10)
    payments_poll(now=PaymentOrder.get_or_none(order_id).created_at + payments_poll_delay())
    assert entitlements(api, shopper)["premium_media"] is True


def payments_poll_delay():
    from marketplace.services.payments import POLL_AFTER

    return POLL_AFTER * 2


def test_a_pending_khalti_payment_is_completed_by_the_poller(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "khalti")
    pidx = parse_qs(urlsplit(checkout["redirect"]["url"]).query)["pidx"][0]
    control(payments, pidx, status="Pending")
    order_id = checkout["order"]["order_id"]
    created = PaymentOrder.get_or_none(order_id).created_at

    assert payments_poll(now=created + payments_poll_delay())["pending"] == 1
    assert entitlements(api, shopper)["premium_media"] is False

    control(payments, pidx, status="Completed")
    assert payments_poll(now=created + payments_poll_delay())["completed"] == 1
    assert entitlements(api, shopper)["premium_media"] is True
    assert get(api, f"/v1/me/orders/{order_id}", shopper).json()["state"] == "completed"


def test_an_order_nobody_paid_is_closed_after_a_day(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "esewa")  # the buyer never went to eSewa
    created = PaymentOrder.get_or_none(checkout["order"]["order_id"]).created_at
    from datetime import timedelta

    counts = payments_poll(now=created + timedelta(days=2))

    assert counts["failed"] == 1
    assert PaymentOrder.get_or_none(checkout["order"]["order_id"], consistent=True).failure in ("not_found", "abandoned")


def test_a_second_purchase_extends_the_term(api, payments, shopper):
    follow(esewa_pays(order(api, shopper, "premium-month", "esewa")))
    first = Subscription.get_or_none(shopper.user_id, consistent=True).expires_at

    follow(khalti_pays(order(api, shopper, "premium-month", "khalti")))

    assert (Subscription.get_or_none(shopper.user_id, consistent=True).expires_at - first).days == 30


def test_orders_are_the_buyers_own(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "esewa")
    other = sign_up("other@test.shikhar.np", ("buyers",), token=True)

    assert get(api, f"/v1/me/orders/{checkout['order']['order_id']}", other).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"plan": "gold", "provider": "esewa"}, "plan"),
    ({"plan": "premium-month", "provider": "paypal"}, "provider"),
])
def test_an_order_of_an_unknown_plan_or_provider_is_refused_naming_the_field(api, payments, shopper, body, field):
    response = requests.post(f"{api}/v1/me/orders", json=body, headers=shopper.headers, timeout=30)

    assert response.status_code == 422 and response.json()["field"] == field


def test_a_refund_is_recorded_and_a_full_one_may_end_access(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "esewa")
    follow(esewa_pays(checkout))
    order_id = checkout["order"]["order_id"]

    payment_refund_record(actor=ADMIN, order_id=order_id, amount=2500, reason="bought twice", end_access=True)

    assert PaymentOrder.get_or_none(order_id, consistent=True).state == "refunded"
    assert entitlements(api, shopper)["premium_media"] is False
    assert [e.action for e in AuditEntry.history("payment", order_id)] == ["refund"]


def test_a_buyer_lists_their_own_orders_newest_first(api, payments, shopper):
    first = order(api, shopper, "premium-month", "esewa")["order"]["order_id"]
    second = order(api, shopper, "investor-month", "khalti")["order"]["order_id"]
    order(api, sign_up("other@test.shikhar.np", ("buyers",), token=True), "premium-month", "esewa")

    listed = get(api, "/v1/me/orders", shopper).json()["items"]

    assert [o["order_id"] for o in listed] == [second, first]


def test_the_buyer_is_emailed_a_receipt_once(api, payments, shopper):
    checkout = order(api, shopper, "premium-month", "khalti")
    url = khalti_pays(checkout)
    follow(url)
    follow(url)  # a replayed return sends no second receipt

    deliver_notifications()

    receipts = [m for m in mail_to(shopper.email) if m.subject.startswith("Receipt")]
    assert len(receipts) == 1
    assert "Rs 2,500" in receipts[0].text and "Khalti" in receipts[0].text
    assert checkout["order"]["order_id"] in receipts[0].text
    # and the plan's last day in words, as the back office shows it (the stored end read as people mean it)
    ends = Subscription.get_or_none(shopper.user_id, consistent=True).expires_at
    assert f"active until {formatting.until(ends)}." in receipts[0].text
