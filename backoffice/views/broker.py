"""Brokers: inventory, the property form, lifecycle actions, media, leads and analytics.
Every listing is fetched through ``listing_for_actor``: another broker's listing is a 404."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import brokers_only
from backoffice.changelist import Changelist, Sort, offset_page, sorted_by, with_order
from backoffice.charts import bar_chart
from backoffice.forms import InventoryFilterForm, LeadFilterForm, ListingForm
from backoffice.previews import media_preview
from backoffice.views.common import (
    FIXABLE,
    action_buttons,
    int_or_none,
    listing_form,
    read_only,
    report_error,
    save_listing_form,
    version_read,
    warn_of_own_duplicates,
)
from marketplace import formatting
from marketplace.errors import DomainError, NotFound, ValidationError
from marketplace.leads import LABELS as LEAD_LABELS
from marketplace.leads import (
    LeadState,
    call_link,
    duration_words,
    median_response,
    next_states,
    response_time,
    whatsapp_link,
)
from marketplace.lifecycle import Role, Status, Surface, actions_on
from marketplace.media_kinds import KINDS
from marketplace.models import ViewsOwner
from marketplace.search_keys import search_key
from marketplace.selectors import leads, reports
from marketplace.selectors.freshness import listings_to_confirm
from marketplace.selectors.history import broker_price_moves
from marketplace.selectors.history import listing_history as market_history
from marketplace.selectors.listings import (
    broker_inventory,
    listing_covers,
    listing_for_actor,
)
from marketplace.selectors.media import media_for_listing
from marketplace.services import leads as lead_services
from marketplace.services import listings as listing_services
from marketplace.services import media as media_services
from marketplace.services.freshness import expires_on, freshness_of
from marketplace.services.viewings import viewings_for_broker

# What a broker's own buttons may do from the listing page (edits go through the form).
BROKER_ACTIONS = frozenset(t.action for t in actions_on(Surface.BUTTONS, role=Role.OWNER))


INVENTORY_PAGE = 50
_STATUS_ORDER = {status.value: n for n, status in enumerate(Status)}
# The inventory's sortable columns: read whole, so any of them sorts (updated, newest first, by default).
INVENTORY_SORTS = (Sort("Title", ascending="title", descending="-title"),
                   Sort("Price", ascending="price", descending="-price"),
                   Sort("Status", ascending="status", descending="-status"),
                   Sort("Updated", ascending="updated", descending="", first=""))
INVENTORY_KEYS = {"title": lambda l: l.title_key or search_key(l.title),
                  "price": lambda l: (l.price is None or l.price_on_request, l.price or 0),
                  "status": lambda l: _STATUS_ORDER.get(l.status, 0),
                  "updated": lambda l: l.updated_at}


def _inventory_rows(listings, *, status: str, text: str, order: str) -> list:
    """The inventory as asked: one status or any, titles containing ``text`` (any case and accents), sorted."""
    key = search_key(text)
    rows = [l for l in listings if (not status or l.status == status) and key in (l.title_key or search_key(l.title))]
    return sorted_by(rows, order, INVENTORY_KEYS, default="-updated")


@brokers_only
def inventory(request):
    form = with_order(InventoryFilterForm(request.GET), *INVENTORY_SORTS)
    form.is_valid()
    status, text = (form.cleaned_data.get(name, "").strip() for name in ("status", "q"))
    changelist = Changelist.of(request, per_page=INVENTORY_PAGE)
    listings = broker_inventory(broker_id=request.actor.user_id)
    rows = _inventory_rows(listings, status=status, text=text, order=changelist.order)
    shown, next_cursor = offset_page(rows, changelist)
    counts = {s.value: 0 for s in Status}
    for listing in listings:
        counts[listing.status] += 1
    return render(request, "backoffice/broker/inventory.html", {
        "form": form, "page": shown, "status": status, "q": text, "order": changelist.order,
        "counts": counts, "any_link": changelist.link(status=""),
        "status_links": [(s, n, changelist.link(status=s)) for s, n in counts.items()],
        "sorts": [changelist.heading(sort) for sort in INVENTORY_SORTS],
        "pager": changelist.pager(shown=len(shown), next_cursor=next_cursor, total=len(rows)),
        "to_confirm": [(listing, expires_on(listing)) for listing in
                       listings_to_confirm(broker_id=request.actor.user_id)]})


@brokers_only
def listing_new(request):
    """The new listing's form; its media section is on this first screen too: the first upload saves the
    draft from what is typed (``_draft_for_upload``), then the files go to it."""
    form = ListingForm(request.POST or None, initial={"purpose": "sale", "land_unit": "hill"})
    wants_json = request.headers.get("Accept") == "application/json"
    if request.method == "POST" and form.is_valid():
        try:
            listing = listing_services.listing_create(actor=request.actor, fields=form.domain_fields())
            messages.success(request, f"Draft saved: {listing.title}. Add photos, then submit it for review.")
            warn_of_own_duplicates(request, listing)
            return _draft_for_upload(listing) if wants_json else redirect("broker-listing", listing_id=listing.listing_id)
        except ValidationError as error:
            if wants_json:
                return _json_error(error)
            report_error(request, error, form=form)
    if request.method == "POST" and wants_json:
        return _json_error(ValidationError("check the form's fields", field=next(iter(form.errors), None),
                                           errors={k: " ".join(v) for k, v in form.errors.items()}))
    return render(request, "backoffice/broker/listing_form.html", {"form": form, "listing": None, "kinds": KINDS.values()},
                  status=400 if request.method == "POST" else 200)


def _draft_for_upload(listing) -> JsonResponse:
    """Where the first screen's uploads go once their draft exists, and where the broker continues."""
    return JsonResponse({"listing_id": listing.listing_id,
                         "edit_url": reverse("broker-listing", args=[listing.listing_id]),
                         "slot_url": reverse("media-slot", args=[listing.listing_id]),
                         "state_url": reverse("media-states", args=[listing.listing_id])}, status=201)


@brokers_only
def listing_edit(request, listing_id: str):
    listing = listing_for_actor(listing_id=listing_id, actor=request.actor)
    if listing.broker_id != request.actor.user_id:
        raise NotFound("no such listing", field="listing_id")  # admins use their own pages
    form = listing_form(request, listing)
    status = 200
    if request.method == "POST":
        if form.is_valid() and save_listing_form(request, listing, form):
            return redirect("broker-listing", listing_id=listing_id)
        status = 400
    actions = action_buttons(listing, request.actor, role=Role.OWNER)
    media = media_for_listing(listing_id=listing_id)
    return render(request, "backoffice/broker/listing_form.html", {
        "form": form, "listing": listing, "actions": actions, "media": media, "shown_order": shown_order(media),
        "kinds": KINDS.values(), "read_only": read_only(listing),
        "price_history": market_history(listing_id=listing_id),
        "freshness": freshness_of(listing)}, status=status)


@brokers_only
@require_POST
def listing_action(request, listing_id: str):
    listing = listing_for_actor(listing_id=listing_id, actor=request.actor)
    action = request.POST.get("action", "")
    if action not in {a.value for a in BROKER_ACTIONS}:
        messages.error(request, "That action is not available here.")
        return _back(request, listing_id)
    try:
        listing_services.listing_transition(actor=request.actor, listing_id=listing.listing_id, action=action,
                                            expected_version=version_read(request))
        messages.success(request, formatting.done(action, listing.title))
    except FIXABLE as error:
        report_error(request, error)
    return _back(request, listing_id)


def _back(request, listing_id: str):
    """To the inventory when the action came from its confirmation list, else to the listing."""
    if request.POST.get("next") == "inventory":
        return redirect("inventory")
    return redirect("broker-listing", listing_id=listing_id)


def _media_json(media, *, listing, actor) -> dict:
    # The broker sees the newest processed version: one waiting for review before the reviewed one.
    preview = media_preview(media, listing=listing, actor=actor, proposed=media.proposed is not None) \
        if media.ready else None
    return {"media_id": media.media_id, "kind": media.kind, "state": media.state,
            "state_label": formatting.state(media.state, "media"), "position": media.position,
            "version": media.version, "in_review": media.in_review,
            "filename": media.filename, "failure_reason": media.failure_reason, "premium": bool(media.premium),
            "preview": {"url": preview.url, "width": preview.width, "height": preview.height}
            if preview and preview.url else None}


def _json_error(error: DomainError, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error.as_dict()}, status=status)


@brokers_only
@require_POST
def media_slot(request, listing_id: str):
    """A presigned POST for one file: the browser uploads straight to the raw-uploads bucket. With a
    ``media_id``, the file replaces that media item's (a better file, or one that is stuck or failed)."""
    listing = listing_for_actor(listing_id=listing_id, actor=request.actor)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise TypeError("not an object")
        file = {"actor": request.actor, "content_type": str(body.get("content_type", "")), "size": body.get("size"),
                "filename": str(body.get("filename", ""))}
        if body.get("media_id"):  # at the item's version the page showed
            slot = media_services.media_replace_upload(listing_id=listing.listing_id,
                                                       media_id=str(body["media_id"]),
                                                       expected_version=body.get("expected_version"), **file)
        else:
            slot = media_services.media_request_upload(listing_id=listing.listing_id,
                                                       kind=str(body.get("kind", "")),
                                                       premium=body.get("premium") is True, **file)
    except (ValueError, TypeError):
        return JsonResponse({"error": {"code": "validation_error", "field": "body",
                                       "message": "send a JSON object: kind, content_type, size, filename"}},
                            status=400)
    except FIXABLE as error:
        return _json_error(error, 409 if not isinstance(error, ValidationError) else 400)
    return JsonResponse({"media": _media_json(slot.media, listing=listing, actor=request.actor), "url": slot.url, "fields": slot.fields,
                         "max_bytes": slot.max_bytes})


@brokers_only
@require_GET
def media_states(request, listing_id: str):
    listing = listing_for_actor(listing_id=listing_id, actor=request.actor)
    return JsonResponse({"media": [_media_json(m, listing=listing, actor=request.actor)
                                   for m in media_for_listing(listing_id=listing.listing_id, consistent=True)]})


def shown_order(media) -> str:
    """The media order a page shows, each item at its version (``id:version,...``): what its up and down
    buttons post, so a move applies to the order the broker saw, or to nothing."""
    return ",".join(f"{m.media_id}:{m.version}" for m in media)


def _order_read(request) -> tuple[list[str], dict[str, int]]:
    """The order the page showed (``shown_order``) and each item's version in it."""
    pairs = [part.partition(":") for part in request.POST.get("shown", "").split(",") if part]
    versions = {media_id: int_or_none(version) for media_id, _, version in pairs}
    if not pairs or len(versions) != len(pairs) or None in versions.values():
        raise ValidationError("the page is out of date: reload the listing and try again", field="expected_versions")
    return [media_id for media_id, _, _ in pairs], versions


def _move(request, listing_id: str, media_id: str, step: int) -> None:
    order, versions = _order_read(request)
    if media_id not in order:
        raise NotFound("no such media", field="media_id")
    at = order.index(media_id)
    if 0 <= at + step < len(order):
        order[at], order[at + step] = order[at + step], order[at]
        media_services.media_reorder(listing_id=listing_id, actor=request.actor, media_ids=order,
                                     expected_versions=versions)


def _reorder(request, listing_id: str) -> None:
    """The whole order as the broker dragged it (``media_ids``), each item at the version the page showed."""
    _, versions = _order_read(request)
    wanted = [part.strip() for part in request.POST.get("media_ids", "").split(",") if part.strip()]
    media_services.media_reorder(listing_id=listing_id, actor=request.actor, media_ids=wanted,
                                 expected_versions=versions)
    messages.success(request, "Order saved: buyers see the media in this order.")


# What a media item's buttons do: the cover is the listing's (at the listing's version the page showed);
# delete and retry act on the item at its own version (``media_version``); moves on the order shown.
MEDIA_OPERATIONS = {
    "cover": lambda request, listing_id, media_id: media_services.media_set_cover(
        listing_id=listing_id, media_id=media_id, actor=request.actor, expected_version=version_read(request)),
    "delete": lambda request, listing_id, media_id: media_services.media_delete(
        listing_id=listing_id, media_id=media_id, actor=request.actor,
        expected_version=version_read(request, "media_version", noun="media")),
    "retry": lambda request, listing_id, media_id: media_services.media_retry(
        listing_id=listing_id, media_id=media_id, actor=request.actor,
        expected_version=version_read(request, "media_version", noun="media")),
    "up": lambda request, listing_id, media_id: _move(request, listing_id, media_id, -1),
    "down": lambda request, listing_id, media_id: _move(request, listing_id, media_id, 1),
    "reorder": lambda request, listing_id, media_id: _reorder(request, listing_id),
}


@brokers_only
@require_POST
def media_change(request, listing_id: str, media_id: str):
    listing = listing_for_actor(listing_id=listing_id, actor=request.actor)
    operation = MEDIA_OPERATIONS.get(request.POST.get("operation", ""))
    if operation is None:
        messages.error(request, "Choose what to do with the media item: move, make cover, retry or delete.")
        return redirect("broker-listing", listing_id=listing_id)
    try:
        operation(request, listing.listing_id, media_id)
    except FIXABLE as error:
        report_error(request, error)
    return redirect("broker-listing", listing_id=listing_id)


LEADS_PAGE = 50
RECEIVED = Sort("When", ascending="oldest", descending="")


@brokers_only
def leads_page(request):
    form = with_order(LeadFilterForm(request.GET), RECEIVED)
    changelist = Changelist.of(request, per_page=LEADS_PAGE)
    broker_id = request.actor.user_id
    page = leads.inquiries_for_broker(broker_id=broker_id, limit=LEADS_PAGE, cursor=changelist.cursor,
                                      state=form.chosen, oldest_first=changelist.order == RECEIVED.ascending)
    viewings = {}  # (listing, buyer) -> their latest viewing request: shown on the lead
    for viewing in reversed(viewings_for_broker(broker_id=broker_id)):
        viewings[(viewing.listing_id, viewing.buyer_id)] = viewing
    rows = [{"lead": i, "call": call_link(i.phone), "whatsapp": whatsapp_link(i.phone),
             "next": [(s.value, LEAD_LABELS[s]) for s in next_states(i.status)],
             "state": LEAD_LABELS[LeadState.of(i.status)],
             "response": duration_words(response_time(created_at=i.created_at, first_response_at=i.first_response_at
                                                      or i.handled_at)),
             "viewing": viewings.get((i.listing_id, i.buyer_id))} for i in page.items]
    return render(request, "backoffice/broker/leads.html", {
        "form": form, "page": page, "rows": rows, "sort": changelist.heading(RECEIVED),
        "pager": changelist.pager(shown=len(page.items), next_cursor=page.cursor,
                                  total=leads.inquiries_count(broker_id=broker_id, state=form.chosen)),
        "here": request.get_full_path(),
        "covers": listing_covers(listing_ids=(i.listing_id for i in page.items))})


@brokers_only
@require_POST
def lead_move(request, listing_id: str, inquiry_id: str):
    try:
        lead_services.lead_move(actor=request.actor, listing_id=listing_id, inquiry_id=inquiry_id,
                                to=request.POST.get("state", ""), expected_version=_lead_version(request))
        messages.success(request, f"Lead moved to {request.POST.get('state', '')}.")
    except FIXABLE as error:
        report_error(request, error)
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/broker/leads/") else "leads")


def _lead_version(request) -> int | None:
    """A lead stored before leads had versions shows none; any other must post the version it showed."""
    given = request.POST.get("expected_version", "")
    return None if given in ("", "None") else version_read(request)


@brokers_only
def analytics(request):
    today = datetime.now(UTC).date()
    broker_id = request.actor.user_id
    seen = reports.owner_views(owner=ViewsOwner.BROKER, owner_id=broker_id, since=today - timedelta(days=29),
                               until=today)
    shown = reports.most_viewed_of_broker(broker_id=broker_id, views=seen)
    stats = reports.stats_for(listing_ids=[i.listing_id for i in shown])
    moves = broker_price_moves(broker_id=broker_id)
    rows = [{"listing": i, "views": seen.per_listing[i.listing_id], "favorites": int(stats[i.listing_id].favorites),
             "inquiries": int(stats[i.listing_id].inquiries), "price_move": moves.get(i.listing_id)} for i in shown]
    answered = [response_time(created_at=i.created_at, first_response_at=i.first_response_at or i.handled_at)
                for i in leads.inquiries_for_broker(broker_id=request.actor.user_id, limit=500).items]
    first_answer = {"median": duration_words(median_response([t for t in answered if t is not None])),
                    "answered": sum(1 for t in answered if t is not None),
                    "waiting": sum(1 for t in answered if t is None)}
    return render(request, "backoffice/broker/analytics.html", {
        "first_answer": first_answer, "rows": rows, "top": reports.TOP_LISTINGS,
        "views": {"total": seen.total, "listings": len(seen.per_listing)},
        "chart": bar_chart([(formatting.day(date.fromisoformat(d), year=False), v) for d, v in seen.per_day.items()],
                           title="Views per day, last 30 days")})
