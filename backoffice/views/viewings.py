"""A broker's viewing requests: confirm one of the buyer's proposed times or decline with a reason;
download the invitation."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.access import brokers_only
from backoffice.views.common import FIXABLE, report_error, version_read
from marketplace.errors import ValidationError
from marketplace.selectors.listings import listing_get
from marketplace.selectors.people import broker_cards
from marketplace.services import viewings
from marketplace.viewings_ics import invitation


@brokers_only
def viewings_page(request):
    return render(request, "backoffice/broker/viewings.html", {
        "viewings": viewings.viewings_for_broker(broker_id=request.actor.user_id)})


@brokers_only
@require_POST
def viewing_confirm(request, listing_id: str, viewing_id: str):
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
    except ValueError:
        report_error(request, ValidationError("choose one of the proposed times", field="start"))
        return redirect("viewings")
    try:
        viewings.viewing_confirm(actor=request.actor, listing_id=listing_id, viewing_id=viewing_id, start=start,
                                 expected_version=version_read(request))
        messages.success(request, "Viewing confirmed: the buyer and you receive the invitation.")
    except FIXABLE as error:
        report_error(request, error)
    return redirect("viewings")


@brokers_only
@require_POST
def viewing_decline(request, listing_id: str, viewing_id: str):
    try:
        viewings.viewing_decline(actor=request.actor, listing_id=listing_id, viewing_id=viewing_id,
                                 reason=request.POST.get("reason", ""), expected_version=version_read(request))
        messages.success(request, "Viewing request declined: the buyer is told your reason.")
    except FIXABLE as error:
        report_error(request, error)
    return redirect("viewings")


@brokers_only
def viewing_invitation(request, listing_id: str, viewing_id: str):
    """The confirmed viewing's .ics (the same invitation the e-mails carry)."""
    viewing = viewings.viewing_get(listing_id=listing_id, viewing_id=viewing_id, actor=request.actor)
    if viewing.confirmed_start is None:
        return HttpResponse("This viewing is not confirmed yet.", status=404, content_type="text/plain")
    broker = broker_cards(broker_ids=[viewing.broker_id])[viewing.broker_id]
    body = invitation(viewing, broker_name=broker.name, broker_email=request.actor.email or "",
                      address=viewings.listing_address(listing_get(listing_id=listing_id)))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8; method=REQUEST")
    response["Content-Disposition"] = f'attachment; filename="viewing-{viewing_id}.ics"'
    return response
