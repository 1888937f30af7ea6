"""Small pieces the role views share."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse

from backoffice.forms import ListingForm, changed_fields, listing_initial
from marketplace import formatting
from marketplace.errors import Conflict, IllegalTransition, ValidationError
from marketplace.formatting import change_lines, media_names
from marketplace.lifecycle import (
    NOT_EDITABLE,
    Role,
    Surface,
    Transition,
    allowed_actions,
    changeable_fields,
    editable,
    leads_to_review,
    transition,
)
from marketplace.listing_fields import FIELD, describe, label_of
from marketplace.selectors.listings import listing_history
from marketplace.services import duplicates
from marketplace.services import listings as listing_services

# Errors a person can fix: shown as a message on the page they came from.
FIXABLE = (ValidationError, IllegalTransition, Conflict)


def report_error(request, error, *, form=None) -> None:
    """Each problem once, in plain words: next to its input when ``form`` has one (with one line at the top
    saying so), else as a message led by the field's label ("Public date: ...", never "public_at: ...");
    a refused action's or a conflict's message is a sentence of its own."""
    problems = dict(getattr(error, "errors", None) or {error.field or "__all__": error.message})
    left = form.place_errors(problems) if form is not None else problems
    if len(left) < len(problems):
        placed = formatting.count_of(len(problems) - len(left), "field")
        messages.error(request, f"Not done: {placed} to correct, marked below.")
    for name, message in left.items():
        messages.error(request, describe(name if isinstance(error, ValidationError) else None, message))


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        # Cells starting with = + - @ would run as formulas in a spreadsheet: prefix them.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row])
    return response


def int_or_none(value) -> int | None:
    text = str(value or "").replace(",", "").strip()
    if not text or len(text) > 20:  # 20 digits: beyond any count, price or version (and DynamoDB's 38)
        return None
    try:
        return int(text)
    except ValueError:
        return None


def version_read(request, name: str = "expected_version", *, noun: str = "listing") -> int:
    """The version of what the page showed (by default the listing's) as the page posts it in ``name``:
    every edit and action posts one (optimistic locking)."""
    version = int_or_none(request.POST.get(name))
    if version is None:
        raise ValidationError(f"the page is out of date: reload the {noun} and try again", field="expected_version")
    return version


def action_buttons(listing, actor, *, on: Surface = Surface.BUTTONS, role: Role | None = None) -> list[Transition]:
    """The lifecycle's transitions this actor may take on this listing from one page (label, reason rule)."""
    return [transition(a) for a in allowed_actions(status=listing.status, actor=actor, owner_id=listing.broker_id,
                                                   on=on, role=role)]


def listing_form(request, listing) -> ListingForm:
    """The listing's form for this person: only what they may change open, and the "to submit" marks only
    while the listing still goes to review by its broker."""
    return ListingForm(request.POST or None, initial=listing_initial(listing),
                       changeable=changeable_fields(listing.status, admin=request.actor.is_admin),
                       to_submit=not request.actor.is_admin and leads_to_review(listing.status))


def read_only(listing) -> str | None:
    """Why the listing's page shows its form, price and media read-only (None while it can be edited): the
    lifecycle's own sentence, the one its services refuse an edit with."""
    return None if editable(listing.status) else NOT_EDITABLE


def save_listing_form(request, listing, form) -> bool:
    """Save a valid listing form's changes through the domain (with the version the page was opened at).
    True when the change is committed or there was nothing to change; False with the errors put on the
    form's fields and in the page's messages."""
    try:
        fields = changed_fields(listing, form.domain_fields())
        if not fields:
            messages.info(request, "Nothing changed.")
            return True
        saved = listing_services.listing_update(actor=request.actor, listing_id=listing.listing_id, fields=fields,
                                                expected_version=version_read(request))
        changed = formatting.word_list(label_of(name).lower() for name in FIELD if name in fields)
        messages.success(request, f"Saved {listing.title}: {changed}.")
        warn_of_own_duplicates(request, saved)
        return True
    except FIXABLE as error:
        report_error(request, error, form=form)
        return False


def warn_of_own_duplicates(request, listing) -> None:
    """After a save: the broker's own listings that look like this one (similar title, same land and
    location). A warning only: the listing is saved either way."""
    for other in duplicates.similar_own_listings(
            broker_id=listing.broker_id, title=listing.title, land_area_sqft=listing.land_area_sqft,
            latitude=listing.latitude, longitude=listing.longitude, exclude=listing.listing_id)[:3]:
        messages.warning(request, f"This looks like the listing \u201c{other.title}\u201d "
                                  f"({formatting.status(other.status).lower()}): a similar title, the same land "
                                  "and the same location. If it is the same property, keep one of them.")


def history_rows(listing, media, form) -> list[dict]:
    """The listing's audit trail in words: each entry with its changes as lines ("Price: Rs 5.13 crore →
    Rs 4.5 crore"), media named by kind and position, the seller by the name the form's picker shows."""
    names = {value: label for value, label in form.fields["seller_id"].choices if value}
    media_by_id = media_names(media)
    return [{"entry": entry, "lines": change_lines(entry.changes.as_dict(), media=media_by_id, names=names)}
            for entry in listing_history(listing_id=listing.listing_id)]
