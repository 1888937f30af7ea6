"""Admins' pages for what buyers are sent: a buyer's saved searches (read, turn one off) and the e-mail
suppression list (find by address, reason and date; lift a suppression with a note). Every change is
audited by the domain."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from backoffice.access import admins_only
from backoffice.forms import SuppressionFilterForm
from backoffice.views.common import FIXABLE, report_error, version_read
from marketplace.alerts import searches
from marketplace.delivery import suppressions
from marketplace.errors import NotFound
from marketplace.selectors import people


@admins_only
def saved_searches(request, user_id: str):
    profile, _ = people.profile_and_subscription(user_id=user_id)
    if profile is None:
        return render(request, "backoffice/error.html", {"status": 404, "message": "No such person."}, status=404)
    if request.method == "POST":
        try:
            searches.saved_search_switch_off(actor=request.actor, user_id=user_id,
                                             search_id=request.POST.get("search_id", ""),
                                             expected_version=version_read(request, noun="saved search"),
                                             note=request.POST.get("note", ""))
            messages.success(request, "Saved search turned off: no more alerts from it.")
        except (*FIXABLE, NotFound) as error:
            report_error(request, error)
        return redirect("person-saved-searches", user_id=user_id)
    rows = [(s, _criteria(s.parameters)) for s in searches.saved_searches_of(user_id=user_id)]
    return render(request, "backoffice/admin/saved_searches.html", {
        "profile": profile, "rows": rows, "limit": searches.MAX_SAVED_SEARCHES, "off": searches.Frequency.OFF})


def _criteria(parameters: str) -> list[tuple[str, object]]:
    """The search's parameters as the admin reads them: name and value, lists joined."""
    return [(name, ", ".join(map(str, value)) if isinstance(value, list) else value)
            for name, value in sorted(json.loads(parameters).items())]


@admins_only
def email_suppressions(request):
    if request.method == "POST":
        address = request.POST.get("address", "")
        try:
            suppressions.suppression_lift(actor=request.actor, address=address, note=request.POST.get("note", ""))
            messages.success(request, f"Suppression of {address} lifted: it is mailed again.")
        except (*FIXABLE, NotFound) as error:
            report_error(request, error)
        return redirect(f"{reverse('email-suppressions')}?{urlencode({'address': address})}")
    form = SuppressionFilterForm(request.GET or None)
    rows, history = [], []
    if form.is_bound and not form.is_valid():
        messages.error(request, "Not searched: correct the filters marked below.")
    else:
        wanted = form.cleaned_data if form.is_bound else {}
        search = suppressions.SuppressionSearch(address=wanted.get("address") or "", reason=wanted.get("reason") or "",
                                                since=wanted.get("since"), until=wanted.get("until"))
        try:
            rows = suppressions.suppressions_find(search=search)
        except FIXABLE as error:
            report_error(request, error)
        if "@" in search.address:
            history = suppressions.suppression_history(address=search.address)
    return render(request, "backoffice/admin/suppressions.html", {
        "form": form, "rows": rows, "history": history, "page_size": suppressions.PAGE,
        "default_days": suppressions.DEFAULT_DAYS})
