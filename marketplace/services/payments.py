"""Buying a paid plan: orders stored before the buyer is sent to the provider, callbacks verified with
the provider, entitlements granted by the admins' own service, pending payments polled, refunds recorded.

An order leaves its open states once: completing it is one transaction (the order, conditioned on being
open and on the version read; a guard on the provider's transaction id; the subscription, its audit
entry and SubscriptionChanged; PaymentCompleted for the receipt), so a replayed callback, a callback
racing the poller, or one provider transaction shown for two orders grants nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marketplace import db
from marketplace.actors import PAYMENTS, Actor
from marketplace.audit import audit_entry
from marketplace.entitlements import Tier, entitlements_of
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.events import DomainEvent, EventType, to_outbox
from marketplace.formatting import word_list
from marketplace.ids import new_id
from marketplace.models import Guard, PaymentOrder, Subscription
from marketplace.money import format_npr
from marketplace.observability import logger
from marketplace.payments import OPEN_STATES, PLANS, PROVIDER_NAMES, OrderState, Plan, Provider, esewa, khalti
from marketplace.payments.providers import (
    Outcome,
    ProviderUnavailable,
    payment_settings,
    refuse_placeholders_at_init,
    secret,
)
from marketplace.services import people

# Open orders older than this are closed by the poller as failed once their provider no longer knows
# them as paid (Khalti's links live 30 minutes, eSewa's sessions less).
ABANDONED_AFTER = timedelta(days=1)
# The poller leaves fresh orders to their callbacks for a minute.
POLL_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Checkout:
    order: PaymentOrder
    method: str  # how the buyer's browser goes to the provider: POST the fields (eSewa) or GET the URL (Khalti)
    url: str
    fields: dict[str, str]


def _plan(code: str) -> Plan:
    plan = PLANS.get(code or "")
    if plan is None:
        raise ValidationError(f"must be one of the plans on sale: {'; '.join(p.title for p in PLANS.values())}",
                              field="plan")
    return plan


def _provider(name: str) -> Provider:
    try:
        return Provider(name)
    except ValueError:
        raise ValidationError(f"must be {word_list(PROVIDER_NAMES.values(), last='or')}", field="provider") from None


def _check_not_downgrade(*, user_id: str, plan: Plan) -> None:
    current = entitlements_of(Subscription.get_or_none(user_id, consistent=True))
    if current.active and current.tier == Tier.INVESTOR and plan.tier == Tier.PREMIUM:
        raise ValidationError("you hold the investor plan, which includes premium: buy an investor plan to extend it",
                              field="plan")


def return_urls(order_id: str) -> dict[str, str]:
    base = payment_settings().return_url
    return {"esewa_success": f"{base}/v1/payments/esewa/return",
            "esewa_failure": f"{base}/v1/payments/esewa/failure?order_id={order_id}",
            "khalti": f"{base}/v1/payments/khalti/return", "website": base}


def payment_checkout(*, actor: Actor, plan: str, provider: str) -> Checkout:
    """A signed-in buyer orders ``plan`` through ``provider``: the order is stored first, then the provider
    reached (Khalti) or the signed form built (eSewa)."""
    chosen, via = _plan(plan), _provider(provider)
    _check_not_downgrade(user_id=actor.user_id, plan=chosen)
    cfg = payment_settings()
    order = PaymentOrder(order_id=new_id(), user_id=actor.user_id, email=actor.email, plan=chosen.code,
                         tier=chosen.tier.value, days=chosen.days, amount=chosen.price, provider=via.value,
                         state=(OrderState.PENDING if via is Provider.ESEWA else OrderState.CREATED).value)
    db.save(order, condition=PaymentOrder.pk.does_not_exist())
    urls = return_urls(order.order_id)
    if via is Provider.ESEWA:
        fields = esewa.payment_form(order_id=order.order_id, amount=chosen.price, product_code=cfg.esewa_product_code,
                                    secret=secret(cfg.esewa_secret_id), success_url=urls["esewa_success"],
                                    failure_url=urls["esewa_failure"])
        return Checkout(order=order, method="POST", url=cfg.esewa_form_url, fields=fields)
    try:
        started = khalti.initiate(base_url=cfg.khalti_url, secret=secret(cfg.khalti_secret_id), order_id=order.order_id,
                                  amount=chosen.price, name=chosen.title, return_url=urls["khalti"],
                                  website_url=urls["website"], customer={"name": actor.name or actor.email,
                                                                         "email": actor.email})
    except ProviderUnavailable:
        _close(order, OrderState.FAILED, failure="the provider could not be reached", provider_status=None)
        raise
    order.provider_ref, order.state, order.updated_at = started.pidx, OrderState.PENDING.value, datetime.now(UTC)
    db.save(order)
    return Checkout(order=order, method="GET", url=started.payment_url, fields={})


def _close(order: PaymentOrder, state: OrderState, *, failure: str | None, provider_status: str | None) -> PaymentOrder:
    """An open order that did not pay ends (conditioned on its version: a racing completion wins)."""
    order.state, order.failure, order.provider_status = state.value, failure, provider_status
    order.updated_at = order.checked_at = datetime.now(UTC)
    try:
        db.save(order)
    except Conflict:
        return PaymentOrder.get_or_not_found(order.order_id, consistent=True)
    return order


def _term(order: PaymentOrder, moment: datetime) -> tuple[datetime, datetime, int | None]:
    """Where the bought days go: after the current term of the same tier, else from now."""
    current = Subscription.get_or_none(order.user_id, consistent=True)
    entitled = entitlements_of(current, at=moment)
    days = timedelta(days=int(order.days))
    if entitled.active and current.tier == order.tier:
        return current.starts_at or moment, current.expires_at + days, current.version
    return moment, moment + days, current.version if current else None


def _complete(order: PaymentOrder, *, transaction: str, provider_status: str) -> PaymentOrder:
    moment = datetime.now(UTC)
    starts, expires, version = _term(order, moment)
    order.state, order.provider_txn, order.provider_status = OrderState.COMPLETED.value, transaction, provider_status
    order.completed_at = order.updated_at = order.checked_at = moment
    guard = Guard(*PaymentOrder.transaction_guard(order.provider, transaction), ref=order.order_id)

    def with_order(tx: db.Transaction) -> None:
        tx.save(order, condition=PaymentOrder.state.is_in(*PaymentOrder.OPEN_STATES))
        tx.create(guard)
        # What the receipt says (marketplace.notifications e-mails it to the buyer).
        tx.save(to_outbox(DomainEvent(EventType.PAYMENT_COMPLETED, {
            "order_id": order.order_id, "user_id": order.user_id, "plan": order.plan,
            "plan_title": PLANS[order.plan].title, "tier": order.tier, "amount": int(order.amount),
            "amount_text": format_npr(int(order.amount)), "provider": order.provider,
            "provider_name": PROVIDER_NAMES[Provider(order.provider)], "transaction": transaction,
            "expires_at": expires.isoformat()})))

    try:
        people.subscription_grant(actor=PAYMENTS, user_id=order.user_id, tier=order.tier, starts_at=starts,
                                  expires_at=expires, expected_version=version, also=with_order,
                                  reason=f"{PROVIDER_NAMES.get(order.provider, order.provider)} payment, order {order.order_id}")
    except Conflict:
        # Someone completed it first (a replayed callback, the poller), or the subscription moved: the
        # stored order says which; an order still open is tried again by the next callback or poll.
        stored = PaymentOrder.get_or_not_found(order.order_id, consistent=True)
        if stored.state != OrderState.COMPLETED:
            raise
        return stored
    logger.info("payment completed", extra={"order_id": order.order_id, "provider": order.provider})
    return order


def _apply(order: PaymentOrder, *, outcome: Outcome, status: str, transaction: str | None,
           paid_paisa: int | None) -> PaymentOrder:
    """What the provider's own status means for an open order."""
    if outcome is Outcome.COMPLETED:
        if paid_paisa != int(order.amount) * khalti.PAISA or not transaction:
            logger.error("a provider reports a payment that does not match its order",
                         extra={"order_id": order.order_id, "paid_paisa": paid_paisa, "amount": int(order.amount)})
            return _close(order, OrderState.FAILED, failure="amount_mismatch", provider_status=status)
        return _complete(order, transaction=transaction, provider_status=status)
    if outcome is Outcome.PENDING:
        order.provider_status, order.checked_at = status, datetime.now(UTC)
        try:
            db.save(order)
        except Conflict:
            return PaymentOrder.get_or_not_found(order.order_id, consistent=True)
        return order
    return _close(order, OrderState.FAILED, failure=status.lower(), provider_status=status)


def _paisa(amount) -> int | None:
    return None if amount is None else int(amount * khalti.PAISA)


def payment_reconcile(*, order: PaymentOrder) -> PaymentOrder:
    """Ask the order's provider what happened and apply it (an order no longer open is left as it is)."""
    if order.state not in OPEN_STATES:
        return order
    cfg = payment_settings()
    if order.provider == Provider.ESEWA:
        found = esewa.status_check(url=cfg.esewa_status_url, product_code=cfg.esewa_product_code,
                                   order_id=order.order_id, amount=int(order.amount))
        return _apply(order, outcome=found.outcome, status=found.status, transaction=found.ref_id,
                      paid_paisa=_paisa(found.total_amount))
    if not order.provider_ref:  # Khalti never gave it a pidx: nothing was paid
        return _close(order, OrderState.FAILED, failure="not initiated", provider_status=None)
    found = khalti.lookup(base_url=cfg.khalti_url, secret=secret(cfg.khalti_secret_id), pidx=order.provider_ref)
    return _apply(order, outcome=found.outcome, status=found.status, transaction=found.transaction_id,
                  paid_paisa=found.total_paisa)


def _open_order(order_id: str, *, field: str) -> PaymentOrder:
    order = PaymentOrder.get_or_none(order_id, consistent=True) if order_id else None
    if order is None:
        raise NotFound("no such order", field=field)
    return order


def payment_confirm_esewa(*, data: str) -> PaymentOrder:
    """eSewa sent the buyer back with ``data``: its signature, product, order and amount must match before
    the status check API is asked; only its COMPLETE grants."""
    cfg = payment_settings()
    answer = esewa.read_callback(data, secret=secret(cfg.esewa_secret_id))
    if answer.product_code != cfg.esewa_product_code:
        raise ValidationError("is for another merchant's product", field="data")
    order = _open_order(answer.transaction_uuid, field="data")
    if order.provider != Provider.ESEWA:
        raise ValidationError("is not an eSewa order", field="data")
    if answer.total_amount != int(order.amount):
        raise ValidationError("the amount paid does not match the order", field="data")
    return payment_reconcile(order=order)


def payment_confirm_khalti(*, pidx: str, purchase_order_id: str) -> PaymentOrder:
    """Khalti sent the buyer back: nothing in the query is trusted but the order it names and its pidx;
    the lookup decides."""
    order = _open_order(purchase_order_id, field="purchase_order_id")
    if order.provider != Provider.KHALTI or not pidx or order.provider_ref != pidx:
        raise ValidationError("does not belong to this order", field="pidx")
    return payment_reconcile(order=order)


def payment_check(*, order_id: str) -> PaymentOrder:
    """Ask the provider about one order now (eSewa's failure redirect names the order only)."""
    return payment_reconcile(order=_open_order(order_id, field="order_id"))


def payments_poll(*, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """The schedule: every open order older than a minute is checked with its provider; one abandoned for
    a day that its provider does not know as paid is closed. A provider that does not answer is skipped."""
    moment = now or datetime.now(UTC)
    counts = {state.value: 0 for state in OrderState} | {"unanswered": 0}
    for order in PaymentOrder.open_before(moment - POLL_AFTER, limit=limit):
        try:
            result = payment_reconcile(order=order)
        except ProviderUnavailable:
            counts["unanswered"] += 1
            continue
        if result.state in OPEN_STATES and result.created_at < moment - ABANDONED_AFTER:
            result = _close(result, OrderState.FAILED, failure="abandoned", provider_status=result.provider_status)
        counts[result.state] += 1
    return counts


def poll_handler(event: dict, context=None) -> dict:
    """The payments poller's scheduled entry point (in production it refuses to run on a placeholder key)."""
    refuse_placeholders_at_init()
    return payments_poll()


def payment_order_get(*, actor: Actor, order_id: str) -> PaymentOrder:
    """The buyer's own order (an admin's any)."""
    order = PaymentOrder.get_or_none(order_id, consistent=True)
    if order is None or not (order.user_id == actor.user_id or actor.is_admin):
        raise NotFound("no such order", field="order_id")
    return order


def payment_refund_record(*, actor: Actor, order_id: str, amount: int, reason: str,
                          end_access: bool = False) -> PaymentOrder:
    """An admin records a refund made in the provider's merchant portal; a full refund may also end the
    buyer's access now (through the admins' revoke)."""
    if not actor.is_admin:
        raise PermissionDenied("only admins record refunds")
    order = PaymentOrder.get_or_not_found(order_id, consistent=True)
    # The term as the refund finds it: one changed meanwhile (a renewal just paid) is not ended unseen.
    current = Subscription.get_or_none(order.user_id, consistent=True)
    if order.state not in (OrderState.COMPLETED, OrderState.REFUNDED):
        raise ValidationError("only a completed payment can be refunded", field="order_id")
    left = int(order.amount) - int(order.refunded_amount)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= left:
        raise ValidationError(f"must be a whole number of rupees from 1 to {left}", field="amount")
    if not (reason or "").strip():
        raise ValidationError("a reason is required", field="reason")
    before = {"state": order.state, "refunded_amount": int(order.refunded_amount)}
    order.refunded_amount = int(order.refunded_amount) + amount
    order.state = (OrderState.REFUNDED if order.refunded_amount == int(order.amount) else OrderState.COMPLETED).value
    order.updated_at = datetime.now(UTC)
    with db.transaction(conflict_field="order_id") as tx:
        tx.save(order)
        tx.save(audit_entry(actor=actor, entity_type="payment", entity_id=order_id, action="refund", before=before,
                            after={"state": order.state, "refunded_amount": order.refunded_amount},
                            reason=reason.strip()))
        tx.save(to_outbox(DomainEvent(EventType.PAYMENT_REFUNDED, {
            "order_id": order_id, "user_id": order.user_id, "amount": amount, "provider": order.provider})))
    if end_access and order.state == OrderState.REFUNDED:
        people.subscription_revoke(actor=actor, user_id=order.user_id, reason=f"refunded: {reason.strip()}",
                                   expected_version=current.version if current else None)
    return order
