"""Admins: dashboard, moderation, listings, people and entitlements, brokers, reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from backoffice.access import admins_only
from backoffice.changelist import Changelist, Sort, offset_page, sorted_by, with_order
from backoffice.charts import bar_chart, row_chart
from backoffice.forms import (
    BrokerFilterForm,
    FilterForm,
    GroupsForm,
    ModerationForm,
    PeopleFilterForm,
    SubscriptionForm,
    VerifyBrokerForm,
)
from backoffice.views.common import (
    FIXABLE,
    action_buttons,
    csv_response,
    history_rows,
    int_or_none,
    listing_form,
    read_only,
    report_error,
    save_listing_form,
    version_read,
)
from marketplace import formatting
from marketplace.errors import ValidationError
from marketplace.ids import is_id
from marketplace.lifecycle import RESO_STANDARD_STATUS, Status, Surface, actions_on
from marketplace.listing_fields import FIELD
from marketplace.models import Listing
from marketplace.search_keys import search_key
from marketplace.selectors import leads, moderation, people, reports
from marketplace.selectors import media as media_selectors
from marketplace.selectors.agencies import agencies_search
from marketplace.selectors.buyers import orders_of_buyer
from marketplace.selectors.history import listing_history as market_history
from marketplace.selectors.listings import listing_get, listing_with_media, listings_batch
from marketplace.services import duplicates
from marketplace.services import listings as listing_services
from marketplace.services import media as media_services
from marketplace.services import people as people_services
from marketplace.services.freshness import freshness_of
from marketplace.services.sessions import user_sessions_revoke

EXPORT_LIMIT = 5000


@admins_only
def dashboard(request):
    now = datetime.now(UTC)
    pending, oldest = moderation.pending_summary()
    counts = moderation.status_counts()
    failures = media_selectors.media_failures(limit=20)
    expiring = people.subscriptions_expiring(within=timedelta(days=14))
    by_status = [(formatting.status(s), n) for s, n in counts.items()]
    short_labels = [formatting.status_short(s) for s in counts]
    context = {
        "pending": pending,
        "oldest": oldest,
        "oldest_age": (now - oldest.status_changed_at) if oldest else None,
        "counts": counts,
        "new_inquiries": leads.inquiries_since(since=now - timedelta(days=7)),
        "media_failures": failures,
        "expiring": expiring,
        # titles and names, never ids: one BatchGetItem each
        "titles": {i.listing_id: i.title for i in listings_batch(keys=[Listing.key(m.listing_id) for m in failures])},
        "names": people.people_names(user_ids=[s.user_id for s in expiring]),
        "chart": bar_chart(by_status, title="Listings by status", short_labels=short_labels),
        "phone_chart": row_chart(by_status, title="Listings by status", short_labels=short_labels),  # on a phone
    }
    return render(request, "backoffice/admin/dashboard.html", context)


def _bulk(request) -> None:
    """A bulk decision on the selected rows, each at the version its row showed."""
    ids = request.POST.getlist("listing_ids")
    action = request.POST.get("action")
    if action not in {t.action.value for t in actions_on(Surface.BULK)} or not ids:
        messages.error(request, "Choose listings and approve or reject them.")
        return
    versions = {i: int_or_none(request.POST.get(f"version-{i}")) for i in dict.fromkeys(ids)}
    try:
        results = listing_services.listings_bulk_transition(
            actor=request.actor, versions=versions, action=action, reason=request.POST.get("reason") or None)
    except FIXABLE as error:
        report_error(request, error)
        return
    done = sum(1 for r in results.values() if r == "ok")
    messages.success(request, formatting.done(action, f"{done} of {formatting.count_of(len(results), 'listing')}"))
    refused = {listing_id: result for listing_id, result in results.items() if result != "ok"}
    titles = {item.listing_id: item.title for item in listings_batch(keys=[Listing.key(i) for i in refused])} if refused else {}
    for listing_id, result in refused.items():
        messages.error(request, f"{titles.get(listing_id, 'A listing no longer there')}: {result}")


@admins_only
def moderation_queue(request):
    if request.method == "POST":
        _bulk(request)
        return redirect("moderation-queue")
    page = moderation.moderation_queue(limit=200, cursor=request.GET.get("cursor"))
    return render(request, "backoffice/admin/moderation_queue.html", {
        "page": page, "now": datetime.now(UTC), "bulk_actions": actions_on(Surface.BULK),
        "media_queue": media_selectors.media_awaiting_review(limit=100),
        "brokers": people.broker_cards(broker_ids=(entry.listing.broker_id for entry in page.items))})


@admins_only
@require_POST
def media_review(request, listing_id: str, media_id: str):
    """Approve the version of a published listing's media waiting for review (buyers then see it), or
    reject it (a replacement's reviewed version stays; a new item is deleted)."""
    decision = request.POST.get("decision")
    try:  # at the item's version the queue showed: a newer upload may have replaced what the admin saw
        if decision == "approve":
            media_services.media_approve(listing_id=listing_id, media_id=media_id, actor=request.actor,
                                         expected_version=version_read(request, noun="media"))
        elif decision == "reject":
            media_services.media_reject(listing_id=listing_id, media_id=media_id, actor=request.actor,
                                        expected_version=version_read(request, noun="media"))
        else:
            raise ValidationError("choose approve or reject", field="decision")
        messages.success(request, f"Media {decision}d.")
    except FIXABLE as error:
        report_error(request, error)
    return redirect("moderation-queue")


def _next_in_queue(request, *, decided_id: str):
    """After a decision, the next listing waiting for review (oldest first); the queue once none is left."""
    following = moderation.next_pending(decided_id=decided_id)
    if following is None:
        messages.info(request, "Nothing else waits for review.")
        return redirect("moderation-queue")
    messages.info(request, f"Next in the queue: {following.title}.")
    return redirect("moderation-review", listing_id=following.listing_id)


@admins_only
def moderation_review(request, listing_id: str):
    listing, media = listing_with_media(listing_id=listing_id)
    form = ModerationForm(request.POST or None, initial={"expected_version": listing.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:  # the premium mark is read by approving only (marketplace.lifecycle.EFFECTS)
            listing_services.listing_transition(
                actor=request.actor, listing_id=listing_id, action=data["action"],
                expected_version=data["expected_version"], reason=data["reason"] or None,
                public_at=data["public_at"], premium=data["premium"])
            messages.success(request, formatting.done(data["action"], listing.title))
            return _next_in_queue(request, decided_id=listing_id)
        except FIXABLE as error:
            report_error(request, error, form=form)
    checks = moderation.moderation_checks(listing, media=media, market=moderation.market_medians())
    alike = duplicates.side_by_side(listing=listing, media=media)
    # With their agencies' licences: a listing above the licensed-deal threshold needs its agency's valid.
    brokers = people.broker_cards(broker_ids=[listing.broker_id, *(other.broker_id for _, other in alike)],
                                  with_agencies=True)
    return render(request, "backoffice/admin/moderation_review.html", {
        "listing": listing, "media": media, "checks": checks, "form": form,
        "broker": brokers[listing.broker_id],
        "duplicates": [{"match": match, "other": other, "broker": brokers[other.broker_id]} for match, other in alike],
        "decisions": action_buttons(listing, request.actor, on=Surface.REVIEW)})


def _filters(form: FilterForm) -> moderation.ListingFilters:
    form.is_valid()  # the valid fields filter; a bad one is shown next to its input, not ignored silently
    data = getattr(form, "cleaned_data", {})
    premium = {"yes": True, "no": False}.get(data.get("premium") or "")
    return moderation.ListingFilters(
        status=data.get("status") or Status.ACTIVE.value, neighborhood=data.get("neighborhood") or "",
        broker_id=(data.get("broker_id") or "").strip(), premium=premium,
        price_min=data.get("price_min"), price_max=data.get("price_max"), oldest_first=data.get("order") == "oldest",
        text=(data.get("q") or "").strip())


def _field_column(name: str):
    """A listing field as an export column, named by the field specification (its RESO name, else its label)."""
    spec = FIELD[name]
    return spec.reso or spec.label, lambda item, brokers: "" if getattr(item, name) is None else getattr(item, name)


EXPORT_COLUMNS = (
    ("ListingKey", lambda item, brokers: item.listing_id),
    ("StandardStatus", lambda item, brokers: RESO_STANDARD_STATUS[Status(item.status)]),
    ("Status", lambda item, brokers: item.status),
    *map(_field_column, ("property_type", "price", "neighborhood", "bedrooms", "bathrooms", "built_up_area_sqft",
                         "land_area_sqft", "latitude", "longitude", "facing")),
    ("Premium", lambda item, brokers: "yes" if item.premium else "no"),
    # The listing's broker and agency in RESO Member/Office names (the agency's licence: local extensions).
    ("ListAgentKey", lambda item, brokers: item.broker_id),
    ("ListAgentFullName", lambda item, brokers: brokers[item.broker_id].name),
    ("ListAgentStateLicense", lambda item, brokers: brokers[item.broker_id].licence_number),
    ("ListOfficeKey", lambda item, brokers: brokers[item.broker_id].agency.agency_id or ""),
    ("ListOfficeName", lambda item, brokers: brokers[item.broker_id].agency.agency_name),
    ("X_ListOfficeLicense", lambda item, brokers: brokers[item.broker_id].agency.licence_number),
    ("X_ListOfficeLicenseStatus", lambda item, brokers: brokers[item.broker_id].agency.status.value),
    _field_column("title"),
    ("ModificationTimestamp", lambda item, brokers: item.updated_at.isoformat()),
    ("OnMarketDate", lambda item, brokers: item.published_at.isoformat() if item.published_at else ""),
)
EXPORT_HEADER = [header for header, _ in EXPORT_COLUMNS]


def _export_row(item, brokers):
    return [value(item, brokers) for _, value in EXPORT_COLUMNS]


LISTINGS_PAGE = 50
# The status-change column: newest first by default ("" in the URL), or oldest first.
STATUS_CHANGED = Sort("Status changed", ascending="oldest", descending="")


@admins_only
def listings(request):
    form = FilterForm(request.GET or None, brokers=people.brokers_list(limit=500).items)
    filters = _filters(form)
    if request.GET.get("format") == "csv":
        rows, cursor = [], None
        while len(rows) < EXPORT_LIMIT:
            page = moderation.listings_search(filters=filters, limit=200, cursor=cursor)
            rows.extend(page.items)
            cursor = page.cursor
            if not cursor:
                break
        brokers = people.broker_cards(broker_ids=(i.broker_id for i in rows), with_agencies=True)
        return csv_response(f"listings-{filters.status}.csv", EXPORT_HEADER, (_export_row(i, brokers) for i in rows))
    if is_id(filters.text.lower()):
        return redirect("admin-listing", listing_id=filters.text.lower())  # an exact id
    changelist = Changelist.of(request, per_page=LISTINGS_PAGE)
    page = moderation.listings_search(filters=filters, limit=LISTINGS_PAGE, cursor=changelist.cursor)
    return render(request, "backoffice/admin/listings.html", {
        "form": form, "page": page, "filters": filters, "sort": changelist.heading(STATUS_CHANGED),
        "pager": changelist.pager(shown=len(page.items), next_cursor=page.cursor,
                                  total=moderation.listings_total(page, filters=filters)),
        "brokers": people.broker_cards(broker_ids=(i.broker_id for i in page.items)),
        "csv_url": f"{reverse('admin-listings')}?{urlencode({**changelist.query.dict(), 'format': 'csv'})}"})


@admins_only
def listing_detail(request, listing_id: str):
    listing, media = listing_with_media(listing_id=listing_id)
    form = listing_form(request, listing)
    if request.method == "POST" and form.is_valid() and save_listing_form(request, listing, form):
        return redirect("admin-listing", listing_id=listing_id)
    return render(request, "backoffice/admin/listing_detail.html", {
        "listing": listing, "media": media, "form": form, "history": history_rows(listing, media, form),
        "price_history": market_history(listing_id=listing_id),
        "broker": people.broker_cards(broker_ids=[listing.broker_id])[listing.broker_id],
        "freshness": freshness_of(listing), "read_only": read_only(listing),
        "actions": action_buttons(listing, request.actor)})


@admins_only
@require_POST
def listing_action(request, listing_id: str):
    listing = listing_get(listing_id=listing_id)
    try:
        listing_services.listing_transition(
            actor=request.actor, listing_id=listing_id, action=request.POST.get("action", ""),
            expected_version=version_read(request), reason=request.POST.get("reason") or None)
        messages.success(request, formatting.done(request.POST.get("action", ""), listing.title))
    except FIXABLE as error:
        report_error(request, error)
    return redirect("admin-listing", listing_id=listing_id)


PEOPLE_PAGE = 50
# Name A to Z by default (gsi3), or email either way (gsi5); a search lists in its own key's order.
NAME = Sort("Name", ascending="", descending="-name")
EMAIL = Sort("Email", ascending="email", descending="-email")


def _people_order(order: str, text: str) -> str:
    """The order the people list is in: a search's own key's (the email's with an "@", else the name's),
    either way; without one, the order asked for (name A to Z unless another)."""
    if text:
        sort = EMAIL if "@" in text else NAME
        return sort.descending if order.startswith("-") else sort.ascending
    return order if order in {EMAIL.ascending, EMAIL.descending, NAME.descending} else NAME.ascending


@admins_only
def people_list(request):
    form = with_order(PeopleFilterForm(request.GET), NAME, EMAIL)
    form.is_valid()
    text, group = (form.cleaned_data.get(name, "").strip() for name in ("q", "group"))
    asked = Changelist.of(request, per_page=PEOPLE_PAGE)
    changelist = asked.ordered(_people_order(asked.order, text))
    order = changelist.order
    page = people.users_search(text=text, group=group, by="email" if "email" in order else "name",
                               descending=order.startswith("-"), limit=PEOPLE_PAGE, cursor=changelist.cursor)
    return render(request, "backoffice/admin/people.html", {
        "form": form, "page": page, "sorts": changelist.headings(NAME, EMAIL),
        "pager": changelist.pager(shown=len(page.items), next_cursor=page.cursor,
                                  total=people.users_count(text=text, group=group))})


def _groups_post(request, profile, user_id: str):
    """Save the person's groups: (the bound form, a redirect when saved)."""
    form = GroupsForm(request.POST, prefix="groups")
    if not form.is_valid():
        return form, None
    wanted, current = set(form.cleaned_data["groups"]), set(form.cleaned_data["shown"])
    try:
        people_services.user_groups_change(actor=request.actor, user_id=user_id, add=sorted(wanted - current),
                                           remove=sorted(current - wanted), reason=form.cleaned_data["reason"],
                                           expected_groups=sorted(current))
        if current - wanted:  # a lost role ends every session they hold
            user_sessions_revoke(actor=request.actor, user_id=user_id, reason="role removed")
    except FIXABLE as error:
        report_error(request, error)
        return form, None
    messages.success(request, "Groups saved.")
    return form, redirect("person", user_id=user_id)


def _subscription_change(request, user_id: str, form: SubscriptionForm) -> None:
    data, expiry = form.cleaned_data, form.expiry()
    shown = data["expected_version"]
    if data["operation"] == "revoke":
        people_services.subscription_revoke(actor=request.actor, user_id=user_id, reason=data["reason"],
                                            expected_version=shown)
        return
    if not expiry:
        raise ValidationError("choose the expiry date" if data["operation"] == "grant"
                              else "choose the new expiry date", field="expires_at")
    if data["operation"] == "grant":
        people_services.subscription_grant(actor=request.actor, user_id=user_id, tier=data["tier"],
                                           expires_at=expiry, reason=data["reason"], expected_version=shown)
    else:
        people_services.subscription_extend(actor=request.actor, user_id=user_id, expires_at=expiry,
                                            reason=data["reason"], expected_version=shown)


def _subscription_post(request, user_id: str):
    """Grant, extend or revoke the subscription: (the bound form, a redirect when done)."""
    form = SubscriptionForm(request.POST, prefix="sub")
    if not form.is_valid():
        return form, None
    try:
        _subscription_change(request, user_id, form)
    except FIXABLE as error:
        report_error(request, error)
        return form, None
    operation = form.cleaned_data["operation"]
    expiry = form.expiry()
    messages.success(request, "Subscription revoked." if operation == "revoke" else
                     f"Subscription {'granted' if operation == 'grant' else 'extended'}: until {formatting.until(expiry)}.")
    return form, redirect("person", user_id=user_id)


def _sessions_post(request, user_id: str):
    ended = user_sessions_revoke(actor=request.actor, user_id=user_id,
                                 reason=request.POST.get("reason", "") or "ended by an admin")
    messages.success(request, f"Ended {formatting.count_of(ended, 'session')}.")
    return redirect("person", user_id=user_id)


@admins_only
def person(request, user_id: str):
    profile, subscription = people.profile_and_subscription(user_id=user_id)
    if profile is None:
        return render(request, "backoffice/error.html", {"status": 404, "message": "No such person."}, status=404)
    groups_form = GroupsForm(initial={"groups": list(profile.groups), "shown": list(profile.groups)}, prefix="groups")
    subscription_form = SubscriptionForm(prefix="sub", initial={"expected_version": getattr(subscription, "version", None)})
    done = None
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted == "groups":
        groups_form, done = _groups_post(request, profile, user_id)
    elif posted == "subscription":
        subscription_form, done = _subscription_post(request, user_id)
    elif posted == "sessions":
        done = _sessions_post(request, user_id)
    if done is not None:
        return done
    return render(request, "backoffice/admin/person.html", {
        "profile": profile, "subscription": subscription, "entitlements": people.entitlements_for(user_id=user_id),
        "groups_form": groups_form, "subscription_form": subscription_form,
        "orders": orders_of_buyer(user_id=user_id)})


def _broker_rename(request) -> None:
    """A broker's name corrected (as the page showed the profile): their listings are found by the new one."""
    try:
        renamed = people_services.broker_rename(actor=request.actor, broker_id=request.POST.get("broker_id", ""),
                                                name=request.POST.get("name", ""),
                                                expected_version=version_read(request, noun="broker"))
        messages.success(request, f"Renamed: {renamed.name}.")
    except FIXABLE as error:
        report_error(request, error)


BROKERS_PAGE = 50
# The brokers list's sortable columns (read whole, so any of them sorts): name A to Z by default.
BROKER_SORTS = (Sort("Name", ascending="", descending="-name"),
                Sort("Agency", ascending="agency", descending="-agency"),
                Sort("Rating", ascending="rating", descending="-rating", first="-rating"),
                Sort("Verified", ascending="verified", descending="-verified", first="-verified"),
                Sort("Joined", ascending="joined", descending="-joined", first="-joined"))


def _broker_keys(agency_names: dict[str, str]) -> dict:
    return {"name": lambda b: b.name_key or search_key(b.name),
            "agency": lambda b: (b.agency_id is None, search_key(agency_names.get(b.agency_id, ""))),
            "rating": lambda b: (b.rating is not None, b.rating or 0),
            "verified": lambda b: bool(b.verified),
            "joined": lambda b: b.created_at}


def _broker_post(request):
    """Verify (or withdraw), or rename: then back to the list as it was (its filters, sort and page)."""
    if request.POST.get("form") == "rename":
        _broker_rename(request)
        return redirect(request.get_full_path())
    form = VerifyBrokerForm(request.POST)
    if form.is_valid():
        try:
            people_services.broker_verify(actor=request.actor, broker_id=request.POST.get("broker_id", ""),
                                          verified=form.cleaned_data["verified"], reason=form.cleaned_data["reason"],
                                          expected_version=version_read(request, noun="broker"))
            messages.success(request, "Licence verified." if form.cleaned_data["verified"]
                             else "Verification withdrawn.")
        except FIXABLE as error:
            report_error(request, error)
    return redirect(request.get_full_path())


@admins_only
def brokers(request):
    """Every broker, as a changelist: searched by name or licence (any case and accents), filtered by
    verification and agency, sorted by any column. Two Queries (the directory, the agencies) whatever is
    asked and whichever page."""
    if request.method == "POST":
        return _broker_post(request)
    agencies = agencies_search()
    form = with_order(BrokerFilterForm(request.GET, agencies=agencies), *BROKER_SORTS)
    form.is_valid()
    data = form.cleaned_data
    changelist = Changelist.of(request, per_page=BROKERS_PAGE)
    found = people.brokers_search(text=data.get("q", ""), verified=form.verified_choice,
                                  agency_id=data.get("agency", ""))
    agency_names = {a.agency_id: a.name for a in agencies}
    rows = sorted_by(found, changelist.order, _broker_keys(agency_names), default="name")
    shown, next_cursor = offset_page(rows, changelist)
    return render(request, "backoffice/admin/brokers.html", {
        "form": form, "page": shown, "agency_names": agency_names,
        "sorts": [changelist.heading(sort) for sort in BROKER_SORTS],
        "pager": changelist.pager(shown=len(shown), next_cursor=next_cursor, total=len(rows))})


REPORT_DAYS = 30


def _report_days(request) -> tuple[int, str | None]:
    """The window's length asked for, or the default with the reason when it cannot be had."""
    asked = request.GET.get("days")
    if asked in (None, ""):
        return REPORT_DAYS, None
    days = int_or_none(asked)
    if days is None or not 1 <= days <= reports.MAX_DAYS:
        return REPORT_DAYS, f"days: choose a whole number from 1 to {reports.MAX_DAYS}."
    return days, None


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else value


def _chart_label(value) -> str:
    return formatting.day(value, year=False) if isinstance(value, date) else str(value)


def _report_csv(report: reports.Report, window: reports.Window):
    return csv_response(f"{report.slug}-{window.since}-{window.until}.csv", [c.name for c in report.columns],
                        ([_csv_value(v) for v in row] for row in report.rows(window, None)))


def _report_section(report: reports.Report, window: reports.Window) -> dict:
    """One report as the page shows it: its chart over every row, its table over the first ``shown``."""
    rows = report.rows(window, None if report.chart else report.shown)
    chart = None
    if report.chart:
        spec = report.chart
        chart = bar_chart([(_chart_label(row[spec.label]), row[spec.value] or 0) for row in rows], title=spec.title)
    shown = rows if report.shown is None else rows[:report.shown]
    return {"report": report, "chart": chart, "rows": [list(zip(row, report.columns, strict=True)) for row in shown]}


@admins_only
def reports_page(request):
    days, problem = _report_days(request)
    window = reports.Window.last(days, today=datetime.now(UTC).date())
    if request.GET.get("format") == "csv":
        report = reports.REPORTS.get(request.GET.get("report", ""))
        if report is None:
            return render(request, "backoffice/error.html", {"status": 404, "message": "No such report."}, status=404)
        return _report_csv(report, window)
    if problem:
        messages.error(request, problem)
    return render(request, "backoffice/admin/reports.html", {
        "days": days, "max_days": reports.MAX_DAYS, "since": window.since, "until": window.until,
        "sections": [_report_section(r, window) for r in reports.REPORTS.values()],
        "median_turnaround": reports.median_turnaround_hours(window)})
