"""A listing's documents in the back office, one page for everyone who may see them (ownership is the
domain's: ``listing_for_actor``): its broker and seller upload (a plain form posted straight to the
private bucket, S3 sending the browser back to be checked), open documents (signed, logged), see the
access log; the broker grants or refuses buyers' requests; an admin reviews the documents beside the
listing and marks them verified. A broker also sees every buyer's request across their listings on one
page, those waiting first, and decides them there."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import brokers_only, signed_in
from backoffice.views.common import FIXABLE, int_or_none, report_error, version_read
from marketplace.selectors.listings import listing_covers, listing_for_actor
from marketplace.services import documents


def _page(listing_id: str):
    return redirect("listing-documents", listing_id=listing_id)


@signed_in()
@require_GET
def page(request, listing_id: str):
    listing = listing_for_actor(listing_id=listing_id, actor=request.actor)
    actor = request.actor
    may_decide = actor.is_admin or listing.broker_id == actor.user_id
    return render(request, "backoffice/documents.html", {
        "listing": listing, "documents": documents.documents_of_listing(listing_id=listing_id),
        "labels": {k.value: v for k, v in documents.LABELS.items()}, "kinds": list(documents.DocumentKind),
        "content_types": list(documents.SIGNATURES), "review": documents.documents_review_of(listing_id=listing_id),
        "requests": documents.access_requests_for_listing(actor=actor, listing_id=listing_id) if may_decide else [],
        "log": documents.access_log(actor=actor, listing_id=listing_id), "may_decide": may_decide})


@signed_in()
@require_POST
def upload_slot(request, listing_id: str):
    """Step one of an upload: the kind and type chosen, the form that posts the file to the bucket."""
    try:
        slot = documents.document_request_upload(
            actor=request.actor, listing_id=listing_id, kind=request.POST.get("kind", ""),
            content_type=request.POST.get("content_type", ""), size=documents.MAX_BYTES,
            filename=f"{request.POST.get('kind', 'document')}.{request.POST.get('content_type', '/pdf').split('/')[-1]}",
            redirect_to=request.build_absolute_uri(reverse("listing-documents", args=[listing_id]) + "uploaded/"))
    except FIXABLE as error:
        report_error(request, error)
        return _page(listing_id)
    return render(request, "backoffice/document_upload.html", {
        "slot": slot, "heading": f"Upload the {documents.LABELS[documents.DocumentKind(slot.document.kind)].lower()}",
        "content_type": slot.document.content_type, "back_url": reverse("listing-documents", args=[listing_id]),
        "max_mb": documents.MAX_BYTES // (1024 * 1024)})


@signed_in()
@require_GET
def uploaded(request, listing_id: str):
    """Where S3 sends the browser back (``key`` names the document): its bytes are checked now."""
    document_id = request.GET.get("key", "").rsplit("/", 1)[-1]
    try:
        document = documents.document_confirm_upload(actor=request.actor, listing_id=listing_id, document_id=document_id)
        messages.success(request, f"{documents.LABELS[documents.DocumentKind(document.kind)]} uploaded.")
    except FIXABLE as error:
        report_error(request, error)
    return _page(listing_id)


@signed_in()
@require_GET
def open_document(request, listing_id: str, document_id: str):
    link = documents.document_link_for_staff(actor=request.actor, listing_id=listing_id, document_id=document_id)
    return redirect(link.url)


@brokers_only
@require_GET
def requests_page(request):
    """Buyers' requests for documents across the broker's listings: waiting ones first, the longest waiting
    on top, then the latest decided; each granted or refused here, at the version shown."""
    shown = documents.access_requests_for_broker(actor=request.actor)
    titles = listing_covers(listing_ids=[a.listing_id for a in shown])
    return render(request, "backoffice/broker/document_requests.html", {
        "waiting": [(a, titles.get(a.listing_id)) for a in shown if a.state == documents.AccessState.REQUESTED],
        "decided": [(a, titles.get(a.listing_id)) for a in shown if a.state != documents.AccessState.REQUESTED]})


@signed_in()
@require_POST
def decide(request, listing_id: str):
    grant = request.POST.get("decision") == "grant"
    try:
        access = documents.document_access_decide(actor=request.actor, listing_id=listing_id,
                                                  buyer_id=request.POST.get("buyer_id", ""), grant=grant,
                                                  expected_version=version_read(request, noun="access request"))
        messages.success(request, f"{'Granted' if grant else 'Refused'}: {access.buyer_email or access.buyer_id} "
                                  "is told by e-mail.")
    except FIXABLE as error:
        report_error(request, error)
    if request.POST.get("back") == "requests":  # decided from the broker's list of every request
        return redirect("document-requests")
    return _page(listing_id)


@signed_in()
@require_POST
def verify(request, listing_id: str):
    try:
        documents.documents_verify(actor=request.actor, listing_id=listing_id,
                                   plot_number=request.POST.get("plot_number", ""),
                                   owner_name=request.POST.get("owner_name", ""),
                                   restrictions=request.POST.get("restrictions", ""),
                                   expected_version=int_or_none(request.POST.get("version_read")))
        messages.success(request, "Documents verified.")
    except FIXABLE as error:
        report_error(request, error)
    return _page(listing_id)
