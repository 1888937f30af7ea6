"""Payments in the back office: every order (filtered, counted, paged) and the refunds admins record
after making them in a provider's merchant portal (``marketplace.services.payments``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.access import admins_only
from backoffice.changelist import Changelist, Sort
from backoffice.forms import OrderFilterForm
from backoffice.views.admin import LISTINGS_PAGE
from backoffice.views.common import FIXABLE, int_or_none, report_error
from marketplace.errors import NotFound
from marketplace.models import PaymentOrder
from marketplace.payments import OrderState
from marketplace.selectors.payments import OrderFilters, orders_count, orders_search
from marketplace.services.payments import payment_refund_record


def _filters(form: OrderFilterForm) -> OrderFilters:
    form.is_valid()  # the valid fields filter; a bad one is shown next to its input, not ignored silently
    data = getattr(form, "cleaned_data", {})
    return OrderFilters(provider=data.get("provider") or "", state=data.get("state") or "",
                        buyer=(data.get("buyer") or "").strip(), placed_from=data.get("placed_from"),
                        placed_to=data.get("placed_to"), oldest_first=data.get("order") == "oldest")


# The placed column: newest first by default ("" in the URL), or oldest first.
PLACED = Sort("Placed", ascending="oldest", descending="")


@admins_only
def orders(request):
    form = OrderFilterForm(request.GET or None)
    filters = _filters(form)
    changelist = Changelist.of(request, per_page=LISTINGS_PAGE)
    page = orders_search(filters=filters, limit=LISTINGS_PAGE, cursor=changelist.cursor)
    return render(request, "backoffice/admin/orders.html", {
        "form": form, "page": page, "filters": filters, "sort": changelist.heading(PLACED),
        "pager": changelist.pager(shown=len(page.items), next_cursor=page.cursor, total=orders_count(filters=filters)),
        "refundable": {o.order_id for o in page.items
                       if o.state == OrderState.COMPLETED and int(o.refunded_amount) < int(o.amount)}})


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
