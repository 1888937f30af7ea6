"""Admins record a refund made in a provider's merchant portal (``marketplace.services.payments``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from backoffice.access import admins_only
from backoffice.views.common import FIXABLE, int_or_none, report_error
from marketplace.errors import NotFound
from marketplace.models import PaymentOrder
from marketplace.services.payments import payment_refund_record


@admins_only
@require_POST
def refund(request, order_id: str):
    order = PaymentOrder.get_or_none(order_id, consistent=True)
    if order is None:
        raise NotFound("no such order", field="order_id")
    try:
        payment_refund_record(actor=request.actor, order_id=order_id, amount=int_or_none(request.POST.get("amount")),
                              reason=request.POST.get("reason", ""), end_access=request.POST.get("end_access") == "1")
        messages.success(request, "Refund recorded.")
    except FIXABLE as error:
        report_error(request, error)
    return redirect("person", user_id=order.user_id)
