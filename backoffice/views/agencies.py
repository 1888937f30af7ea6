"""Licensed agencies: the admins' list (by licence expiry), one agency (verify against the published list,
renew, its brokers, its licence evidence files) and a broker's own agency (its principal broker uploads the
licence evidence there)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import admins_only, brokers_only, signed_in
from backoffice.changelist import Changelist, Sort, offset_page, sorted_by, with_order
from backoffice.forms import AgencyFilterForm, AgencyForm, AgencyMemberForm, AgencyRenewForm, AgencyVerifyForm
from backoffice.views.common import FIXABLE, report_error, version_read
from marketplace import formatting
from marketplace.actors import Group
from marketplace.errors import NotFound
from marketplace.licensing import EXPIRY_WARNING, LicenceStatus
from marketplace.models import AuditEntry, BrokerProfile
from marketplace.search_keys import search_key
from marketplace.selectors import people
from marketplace.selectors.agencies import agencies_search, agency_with_brokers, licence_of, licence_of_broker
from marketplace.services import agencies as agency_services
from marketplace.services import documents


def _show_errors(request, form, error) -> None:
    for field, message in (getattr(error, "errors", None) or {}).items():
        if field in form.fields:
            form.add_error(field, message)
    report_error(request, error)


AGENCIES_PAGE = 50
# The agencies list's sortable columns (read whole, so any of them sorts): the licence ending soonest first.
_LICENCE_ORDER = {status: n for n, status in enumerate(LicenceStatus)}
AGENCY_SORTS = (Sort("Agency", ascending="name", descending="-name"),
                Sort("Valid until", ascending="", descending="-expiry"),
                Sort("Status", ascending="status", descending="-status"))
AGENCY_KEYS = {"name": lambda row: row[0].name_key or search_key(row[0].name),
               "expiry": lambda row: row[0].licence_expires_on,
               "status": lambda row: _LICENCE_ORDER[row[1].status]}


@admins_only
def agencies(request):
    """Every agency, as a changelist: searched by name or licence number (any case and accents), filtered
    by licence status, sorted by any column; one Query whatever is asked and whichever page."""
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_services.agency_create(actor=request.actor, **form.cleaned_data)
            messages.success(request, f"{agency.name} recorded: verify it against the published list.")
            return redirect("agency", agency_id=agency.agency_id)
        except FIXABLE as error:
            _show_errors(request, form, error)
    filters = with_order(AgencyFilterForm(request.GET), *AGENCY_SORTS)
    filters.is_valid()
    changelist = Changelist.of(request, per_page=AGENCIES_PAGE)
    now = datetime.now(UTC)
    status = filters.cleaned_data.get("licence", "")
    rows = [(agency, licence_of(agency, at=now)) for agency in agencies_search(text=filters.cleaned_data.get("q", ""))]
    rows = sorted_by([row for row in rows if not status or row[1].status == status], changelist.order, AGENCY_KEYS,
                     default="expiry")
    shown, next_cursor = offset_page(rows, changelist)
    return render(request, "backoffice/admin/agencies.html", {
        "rows": shown, "filters": filters, "form": form, "warning_days": EXPIRY_WARNING.days,
        "sorts": [changelist.heading(sort) for sort in AGENCY_SORTS],
        "pager": changelist.pager(shown=len(shown), next_cursor=next_cursor, total=len(rows))},
        status=400 if request.method == "POST" else 200)


def _agency_post(request, agency, directory) -> bool:
    """Verify, renew or add a broker (picked from ``directory``): True when done (the page reloads), False
    with the form's errors shown."""
    posted = request.POST.get("form")
    forms = {"verify": AgencyVerifyForm, "renew": AgencyRenewForm,
             "member": lambda data: AgencyMemberForm(data, brokers=directory)}
    if posted not in forms:
        messages.error(request, "Unknown form.")
        return False
    form = forms[posted](request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():  # by the field's label, never its name
            label = (form.fields[field].label or formatting.words(field)) if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return False
    data = form.cleaned_data
    try:
        if posted == "verify":
            agency_services.agency_verify(actor=request.actor, agency_id=agency.agency_id, **data)
        elif posted == "renew":
            agency_services.agency_renew(actor=request.actor, agency_id=agency.agency_id,
                                         licence_number=data["licence_number"] or None,
                                         licence_expires_on=data["licence_expires_on"], evidence=data["evidence"],
                                         expected_version=data["expected_version"])
        else:
            agency_services.broker_agency_set(actor=request.actor, broker_id=data["broker_id"],
                                              agency_id=agency.agency_id, principal=data["principal"])
    except (*FIXABLE, NotFound) as error:
        report_error(request, error)
        return False
    messages.success(request, {"verify": "Verification recorded.", "renew": "Renewal recorded: verify it now.",
                               "member": "Broker placed in the agency."}[posted])
    return True


@admins_only
def agency(request, agency_id: str):
    current, brokers = agency_with_brokers(agency_id=agency_id)
    directory = people.brokers_list(limit=500).items  # the broker picker's choices, by name
    if request.method == "POST" and _agency_post(request, current, directory):
        return redirect("agency", agency_id=agency_id)
    names = {b.broker_id: b.name for b in (*directory, *brokers) if b.name}
    history = AuditEntry.history("agency", agency_id, scan_index_forward=False, limit=50)
    return render(request, "backoffice/admin/agency.html", {
        "agency": current, "licence": licence_of(current), "brokers": brokers,
        "history": [(entry, formatting.history_line(entry, "agency", names=names)) for entry in history],
        **_evidence_of(request, current),
        "verify_form": AgencyVerifyForm(initial={"expected_version": current.version}),
        "renew_form": AgencyRenewForm(initial={"expected_version": current.version}),
        "member_form": AgencyMemberForm(brokers=directory)})


@brokers_only
def my_agency(request):
    licence = licence_of_broker(broker_id=request.actor.user_id)
    profile = BrokerProfile.get_or_none(request.actor.user_id)
    agency = brokers = None
    if licence.agency_id:
        agency, brokers = agency_with_brokers(agency_id=licence.agency_id)
    principal = agency is not None and agency.principal_broker_id == request.actor.user_id
    return render(request, "backoffice/broker/agency.html", {
        "licence": licence, "agency": agency, "brokers": brokers or [], "profile": profile,
        "warning_days": EXPIRY_WARNING.days, "principal": principal,
        **(_evidence_of(request, agency) if principal else {"evidence": []})})


def _evidence_of(request, agency) -> dict:
    """The agency's evidence files for the page, and which of them no admin has decided on yet (those may be
    replaced or deleted; the others are kept as the record of the decision)."""
    files = agency_services.agency_evidence_files(actor=request.actor, agency_id=agency.agency_id)
    return {"evidence": files, "content_types": list(documents.SIGNATURES),
            "pending": {f.file_id for f in files if agency_services.evidence_pending(agency, f)}}


# Licence evidence: admins on the agency's page, its principal broker on their agency page (the domain checks).
evidence_staff = signed_in(Group.ADMINS, Group.BROKERS)


def _evidence_back(request, agency_id: str):
    return redirect("agency", agency_id=agency_id) if request.actor.is_admin else redirect("my-agency")


@evidence_staff
@require_POST
def evidence_slot(request, agency_id: str):
    """Step one of an upload: the file's type chosen, the form that posts it straight to the private bucket."""
    content_type = request.POST.get("content_type", "")
    replaces = request.POST.get("replaces") or None  # a file no admin has decided on, at the version shown
    try:
        slot = agency_services.agency_evidence_request_upload(
            actor=request.actor, agency_id=agency_id, content_type=content_type, size=documents.MAX_BYTES,
            filename=f"licence.{content_type.split('/')[-1]}",
            redirect_to=request.build_absolute_uri(reverse("agency-evidence-uploaded", args=[agency_id])),
            replaces=replaces, replaces_version=version_read(request, "file_version", noun="agency") if replaces else None)
    except FIXABLE as error:
        report_error(request, error)
        return _evidence_back(request, agency_id)
    return render(request, "backoffice/document_upload.html", {
        "slot": slot, "heading": "Upload the licence evidence", "content_type": slot.evidence.content_type,
        "back_url": _evidence_back(request, agency_id).url, "max_mb": documents.MAX_BYTES // (1024 * 1024)})


@evidence_staff
@require_GET
def evidence_uploaded(request, agency_id: str):
    """Where S3 sends the browser back (``key`` names the file): its bytes are checked now."""
    file_id = request.GET.get("key", "").rsplit("/", 1)[-1]
    return _evidence_change(request, agency_id, "Licence evidence uploaded.",  # or in the place of the one it replaces
                            lambda: agency_services.agency_evidence_confirm(actor=request.actor, agency_id=agency_id,
                                                                            file_id=file_id))


def _evidence_change(request, agency_id: str, done: str, change):
    """One change of the agency's evidence files: said in a message (or why not), back to the page it came from."""
    try:
        change()
        messages.success(request, done)
    except FIXABLE as error:
        report_error(request, error)
    return _evidence_back(request, agency_id)


@evidence_staff
@require_POST
def evidence_delete(request, agency_id: str, file_id: str):
    """Delete a file no admin has decided on yet, at the version the page showed."""
    return _evidence_change(request, agency_id, "Licence evidence file deleted.", lambda: (
        agency_services.agency_evidence_delete(actor=request.actor, agency_id=agency_id, file_id=file_id,
                                               expected_version=version_read(request, "file_version", noun="agency"))))


@evidence_staff
@require_GET
def evidence_open(request, agency_id: str, file_id: str):
    return redirect(agency_services.agency_evidence_link(actor=request.actor, agency_id=agency_id,
                                                         file_id=file_id).url)
