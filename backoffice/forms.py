"""The back office's forms. They only collect input: the domain validates it
(``marketplace.listing_fields.clean_listing_fields``) and its errors are shown on the fields they name."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from django import forms

from marketplace import formatting
from marketplace.actors import Group
from marketplace.delivery.suppressions import REASONS
from marketplace.entitlements import PAID_TIERS, TIER_NAMES
from marketplace.errors import ValidationError
from marketplace.leads import LABELS as LEAD_LABELS
from marketplace.leads import LeadState
from marketplace.licensing import LABELS as LICENCE_LABELS
from marketplace.licensing import LICENCE_CLASS_NAMES, LicenceStatus, Verification
from marketplace.lifecycle import Status, Surface, actions_on
from marketplace.listing_fields import FIELD, Field, Kind, Need, clean_listing_fields
from marketplace.money import group_npr, parse_npr, plain_number
from marketplace.payments import PROVIDER_NAMES, OrderState
from marketplace.selectors.moderation import ANY_STATUS
from marketplace.selectors.people import NO_AGENCY, sellers_list
from marketplace.units import Area, format_area

LAND_UNITS = [("hill", "ropani-aana-paisa-daam (e.g. 0-8-0-0)"), ("terai", "bigha-kattha-dhur (e.g. 1-5-3)"),
              ("sqm", "m²"), ("sqft", "ft²")]
FLOOR_UNITS = [("sqft", "ft²"), ("sqm", "m²")]
# An area is typed in a unit the broker picks beside it: domain field -> (input, its unit's input, units).
AREA_INPUTS = {"land_area_sqft": ("land_area", "land_unit", LAND_UNITS),
               "built_up_area_sqft": ("built_up_area", "built_up_unit", FLOOR_UNITS)}
# Form field -> domain field, where they differ.
TO_DOMAIN = {area_input: name for name, (area_input, _, _) in AREA_INPUTS.items()}
FROM_DOMAIN = {v: k for k, v in TO_DOMAIN.items()}
# The unit picked beside an area belongs to that area (it is changeable when the area is).
UNIT_OF = {unit_input: name for name, (_, unit_input, _) in AREA_INPUTS.items()}
NEIGHBOURHOOD_CHOICES = [("", "any"), *FIELD["neighborhood"].choices]
_PLAIN_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
SHORT = 40  # the longest number, area or price anyone types; the field shows it as its maxlength
LONG_TEXT = 1000  # texts longer than this get a text area


def area_text(value: str, unit: str) -> str:
    """What the broker typed, in the unit they chose, as ``marketplace.units.parse_area`` reads it."""
    value = plain_number((value or "").strip())
    if not value:
        return ""
    if unit == "terai" and re.fullmatch(r"\d+(\.\d+)?(\s*-\s*\d+(\.\d+)?){0,2}", value):
        names = ("bigha", "kattha", "dhur")
        return " ".join(f"{n} {u}" for n, u in zip(re.split(r"\s*-\s*", value), names))
    if unit in ("sqm", "sqft") and _PLAIN_NUMBER.match(value):
        return f"{value} {'m2' if unit == 'sqm' else 'sqft'}"
    return value


def _text_field(spec: Field) -> forms.Field:
    if spec.max_length > LONG_TEXT:
        return forms.CharField(required=False, label=spec.label, max_length=spec.max_length,
                               widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=spec.help or f"At most {spec.max_length:,} characters")
    return forms.CharField(required=False, label=spec.label, max_length=spec.max_length, help_text=spec.help)


def _number_field(spec: Field) -> forms.Field:
    """Typed as text (the domain reads "4.5 crore" and "1,20,000"), the bounds shown beside it."""
    hint = "; ".join(part for part in (spec.help, spec.bounds if spec.kind != Kind.PRICE else "") if part)
    return forms.CharField(required=False, label=spec.label, max_length=SHORT, help_text=hint)


def _choice_field(spec: Field) -> forms.Field:
    blank = [] if spec.default else [("", "—")]
    return forms.ChoiceField(required=False, label=spec.label, choices=[*blank, *spec.choices],
                             initial=spec.default, help_text=spec.help)


FORM_FIELDS = {
    Kind.TEXT: _text_field,
    Kind.CHOICE: _choice_field,
    Kind.MANY: lambda spec: forms.MultipleChoiceField(required=False, label=spec.label, choices=spec.choices,
                                                      widget=forms.CheckboxSelectMultiple),
    Kind.INTEGER: _number_field, Kind.DECIMAL: _number_field, Kind.PRICE: _number_field,
    Kind.FLAG: lambda spec: forms.BooleanField(required=False, label=spec.label),
    # The choices (the sellers' directory) are read when the form is made.
    Kind.REFERENCE: lambda spec: forms.ChoiceField(required=False, label=spec.label, choices=[("", "—")],
                                                   help_text=spec.help),
}


def listing_form_fields() -> dict[str, forms.Field]:
    """The form's fields, in the specification's order, each from its ``Field``."""
    fields: dict[str, forms.Field] = {}
    for spec in FIELD.values():
        if spec.kind == Kind.AREA:
            area_input, unit_input, units = AREA_INPUTS[spec.name]
            fields[area_input] = forms.CharField(required=False, label=spec.label, max_length=SHORT)
            fields[unit_input] = forms.ChoiceField(choices=units, initial=units[0][0], label="Unit")
            fields[area_input].need = spec.need
        else:
            fields[spec.name] = FORM_FIELDS[spec.kind](spec)
            fields[spec.name].need = spec.need
        if spec.need == Need.TO_CREATE:
            fields[AREA_INPUTS[spec.name][0] if spec.kind == Kind.AREA else spec.name].widget.attrs["aria-required"] = "true"
    return fields


# The form's sections, in the order a broker fills them; a tuple of two is a pair shown side by side. A
# field the specification gains later and no section names lands in "More" (``ListingForm.sections``).
SECTIONS: tuple[tuple[str, tuple], ...] = (
    ("The property", ("title", "property_type", "purpose", "description")),
    ("Price", ("price", "price_on_request", "exclusive")),
    ("Location", ("neighborhood", "address", ("latitude", "longitude"))),
    ("Land and building", (("land_area", "land_unit"), ("built_up_area", "built_up_unit"), "bedrooms", "bathrooms",
                           "storeys", "parking", "year_built", "furnishing")),
    ("Road and facing", ("road_width_ft", "road_surface", "facing")),
    ("Features and papers", ("amenities", "documents")),
    ("Seller", ("seller_id",)),
)


# A form class whose declared fields are the specification's (Django's metaclass orders and copies them).
_SpecifiedListingForm = type(forms.Form)("_SpecifiedListingForm", (forms.Form,),
                                         {"__module__": __name__, **listing_form_fields()})


class ListingForm(_SpecifiedListingForm):
    """Every field shows its limit (``maxlength``), so the whole form stays far below the request size the
    back office accepts: a long description is stopped while typing, not lost on saving. The fields are
    made from ``marketplace.listing_fields.FIELDS``."""

    def __init__(self, *args, changeable: Collection[str] | None = None, to_submit: bool = True, **kwargs):
        """``changeable``: the listing fields this person may change here (None: every one), the others shown
        disabled (their posted values ignored) and unmarked; ``to_submit``: whether the listing still goes to
        review, so that the fields a submission needs are marked "to submit" (``lifecycle.changeable_fields``
        and ``lifecycle.leads_to_review`` say both)."""
        super().__init__(*args, **kwargs)
        self.fields["seller_id"].choices = [("", "—"), *((s.seller_id, f"{s.name} ({s.kind})")
                                                          for s in sellers_list(limit=500))]
        for name, field in self.fields.items():
            domain = UNIT_OF.get(name) or TO_DOMAIN.get(name, name)
            if changeable is not None and domain not in changeable:
                field.disabled, field.need = True, None
            elif not to_submit and getattr(field, "need", None) != Need.TO_CREATE:
                field.need = None  # marks only where the person can act on them

    @property
    def marks(self) -> set[str]:
        """The marks the form's fields carry ("to_create", "to_submit"): its legend explains only these."""
        needs = {getattr(field, "need", None) for field in self.fields.values()} - {None, Need.OPTIONAL}
        return {"to_create" if need == Need.TO_CREATE else "to_submit" for need in needs}

    def sections(self) -> list[tuple[str, list[list]]]:
        """(title, rows) with each row one bound field or a pair; every field exactly once."""
        placed = {name for _, rows in SECTIONS for row in rows for name in ((row,) if isinstance(row, str) else row)}
        rest = [name for name in self.fields if name not in placed]
        layout = [*SECTIONS, *([("More", tuple(rest))] if rest else [])]
        return [(title, [[self[name] for name in ((row,) if isinstance(row, str) else row) if name in self.fields]
                         for row in rows]) for title, rows in layout]

    def domain_fields(self) -> dict:
        """The domain's input (valid only after ``is_valid()``)."""
        data = dict(self.cleaned_data)
        for area_input, unit_input, units in AREA_INPUTS.values():
            data[area_input] = area_text(data.get(area_input, ""), data.pop(unit_input, units[0][0]))
        return {TO_DOMAIN.get(k, k): v for k, v in data.items()}

    def place_errors(self, problems: dict[str, str]) -> dict[str, str]:
        return place_errors(self, problems, renamed=FROM_DOMAIN)


def place_errors(form: forms.Form, problems: dict[str, str], *, renamed: dict[str, str] | None = None
                 ) -> dict[str, str]:
    """Put each problem next to the form's input it names (``renamed``: domain field -> input); return the
    ones no visible input of this form shows (a stale ``expected_version`` is a message)."""
    left = {}
    for name, message in problems.items():
        target = (renamed or {}).get(name, name)
        if target in form.fields and not form.fields[target].widget.is_hidden:
            form.add_error(target, message)  # shown under the input's own label
        else:
            left[name] = message
    return left


def _decimal_text(value) -> str:
    return "" if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)


def _area_initial(value, unit: str) -> str:
    if not value:
        return ""
    return format_area(Area(value), unit) if unit == "hill" else format(Decimal(value).normalize(), "f")


INITIAL = {
    Kind.TEXT: lambda value: value or "", Kind.CHOICE: lambda value: value or "",
    Kind.MANY: lambda value: list(value or []), Kind.FLAG: bool,
    Kind.INTEGER: _decimal_text, Kind.DECIMAL: _decimal_text, Kind.REFERENCE: lambda value: value or "",
    Kind.PRICE: lambda value: group_npr(int(value)) if value is not None else "",
}


def listing_initial(listing) -> dict:
    """The form's initial values from a stored listing; areas in each input's first unit."""
    initial = {}
    for spec in FIELD.values():
        value = getattr(listing, spec.name)
        if spec.kind == Kind.AREA:
            area_input, unit_input, units = AREA_INPUTS[spec.name]
            initial[area_input], initial[unit_input] = _area_initial(value, units[0][0]), units[0][0]
        else:
            initial[spec.name] = INITIAL[spec.kind](value)
    return initial


def _same(before, after) -> bool:
    if isinstance(before, bool) or isinstance(after, bool):
        return bool(before) == bool(after)
    if isinstance(before, (int, float, Decimal)) and isinstance(after, (int, float, Decimal)):
        return Decimal(str(before)) == Decimal(str(after))
    if isinstance(before, list) or isinstance(after, list):
        return sorted(before or []) == sorted(after or [])
    return (before or None) == (after or None)


def changed_fields(listing, fields: dict) -> dict:
    """Only what differs from the stored listing (normalised by the domain), so an edit of a listed
    listing's price does not trip over the fields that may not change while listed."""
    cleaned = clean_listing_fields(fields, partial=True)
    return {k: v for k, v in cleaned.items() if not _same(getattr(listing, k), v)}


class ModerationForm(forms.Form):
    place_errors = place_errors

    action = forms.ChoiceField(choices=[(t.action.value, t.label) for t in actions_on(Surface.REVIEW)])
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    premium = forms.BooleanField(required=False)
    public_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PriceField(forms.CharField):
    """A price as people type it ("5 crore", "4 crore 50 lakh", "४.५ करोड", "4,50,00,000"), read by the
    domain's one parser (``marketplace.money.parse_npr``); anything else is refused next to the field."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=SHORT, **kwargs)

    def clean(self, value) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_npr(text, field="price")
        except ValidationError as error:
            raise forms.ValidationError(error.message) from error


def broker_choices(brokers, *, blank: str) -> list[tuple[str, str]]:
    """The broker directory as a picker's choices, by name (a broker without a name shows their id)."""
    return [("", blank), *((b.broker_id, b.name or b.broker_id) for b in brokers)]


class FilterForm(forms.Form):
    # Active unless another is chosen, and shown chosen: a bound form without a status shows Active too.
    status = forms.ChoiceField(required=False, initial=Status.ACTIVE.value,
                               choices=[(ANY_STATUS, "Any status"), *((s.value, formatting.status(s)) for s in Status)])
    neighborhood = forms.ChoiceField(required=False, choices=NEIGHBOURHOOD_CHOICES, label="Neighbourhood")
    broker_id = forms.ChoiceField(required=False, label="Broker", choices=[("", "any")])
    premium = forms.ChoiceField(required=False, choices=[("", "any"), ("yes", "premium"), ("no", "not premium")])
    price_min = PriceField(label="Price from", help_text="e.g. 4 crore 50 lakh")
    price_max = PriceField(label="Price up to", help_text="e.g. 8 crore")
    q = forms.CharField(required=False, max_length=100, label="Title, broker or id")
    order = forms.ChoiceField(required=False, label="Order", choices=[("", "newest status change first"),
                                                                      ("oldest", "oldest status change first")])

    def __init__(self, *args, brokers=(), **kwargs):
        """``brokers``: the directory's profiles, picked by name (never a typed id)."""
        if args and args[0] is not None and not args[0].get("status"):
            args = (args[0].copy(), *args[1:])
            args[0]["status"] = Status.ACTIVE.value
        super().__init__(*args, **kwargs)
        self.fields["broker_id"].choices = broker_choices(brokers, blank="any")


class OrderFilterForm(forms.Form):
    """The admins' list of orders: its filters, kept in the URL."""

    provider = forms.ChoiceField(required=False, choices=[("", "any"), *((p.value, n) for p, n in PROVIDER_NAMES.items())])
    state = forms.ChoiceField(required=False, choices=[("", "any"), *((s.value, formatting.state(s, "order")) for s in OrderState)])
    buyer = forms.CharField(required=False, max_length=100, label="Buyer's e-mail", help_text="or its start")
    placed_from = forms.DateField(required=False, label="Placed from", widget=forms.DateInput(attrs={"type": "date"}))
    placed_to = forms.DateField(required=False, label="Placed up to", widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(required=False, label="Order", choices=[("", "newest first"), ("oldest", "oldest first")])

    def clean(self):
        data = super().clean()
        if data.get("placed_from") and data.get("placed_to") and data["placed_from"] > data["placed_to"]:
            self.add_error("placed_to", "must be on or after the first day")
        return data


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name or email",
                        help_text="Any word of the name, or an email with its @")
    group = forms.ChoiceField(required=False, label="Group",
                              choices=[("", "any group"), *((g.value, g.label) for g in Group)])


class InventoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Title")
    status = forms.ChoiceField(required=False, label="Status",
                               choices=[("", "Any status"), *((s.value, formatting.status(s)) for s in Status)])


class LeadFilterForm(forms.Form):
    """New leads unless another state is chosen, and shown chosen (as the listings' status filter)."""

    state = forms.ChoiceField(required=False, label="Stage", initial=LeadState.NEW.value,
                              choices=[(ANY_STATUS, "any stage"), *((s.value, LEAD_LABELS[s]) for s in LeadState)])

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("state"):
            data = data.copy()
            data["state"] = LeadState.NEW.value
        super().__init__(data, **kwargs)

    @property
    def chosen(self) -> str | None:
        """The stage chosen (None: any)."""
        self.is_valid()
        chosen = getattr(self, "cleaned_data", {}).get("state") or LeadState.NEW.value
        return None if chosen == ANY_STATUS else chosen


class SubscriptionForm(forms.Form):
    operation = forms.ChoiceField(choices=[("grant", "Grant"), ("extend", "Extend"), ("revoke", "Revoke")])
    tier = forms.ChoiceField(required=False, choices=[(t.value, TIER_NAMES[t]) for t in PAID_TIERS])
    expires_at = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=500)
    # The subscription's version the page showed (empty: the person had none): a term changed meanwhile
    # by another admin or a payment is not overwritten.
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0,
                                          max_value=10**12)

    def expiry(self) -> datetime | None:
        day = self.cleaned_data.get("expires_at")
        return formatting.end_of_day(day) if day else None


class GroupsForm(forms.Form):
    groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[(g.value, g.label) for g in Group])
    reason = forms.CharField(max_length=500)
    # The groups the page showed: the change is made against them, never over another admin's.
    shown = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput,
                                      choices=[(g.value, g.value) for g in Group])


class BrokerFilterForm(forms.Form):
    """The admins' brokers list: its filters, kept in the URL."""

    q = forms.CharField(required=False, max_length=100, label="Name or licence")
    verified = forms.ChoiceField(required=False, label="Verified",
                                 choices=[("", "any"), ("yes", "verified"), ("no", "not verified")])
    agency = forms.ChoiceField(required=False, label="Agency", choices=[("", "any")])

    def __init__(self, *args, agencies=(), **kwargs):
        """``agencies``: the agencies, picked by name (never a typed id)."""
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "any"), (NO_AGENCY, "no agency"),
                                         *((a.agency_id, a.name) for a in sorted(agencies, key=lambda a: a.name_key or ""))]

    @property
    def verified_choice(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("verified") or "")


class AgencyFilterForm(forms.Form):
    """The admins' agencies list: its filters, kept in the URL."""

    q = forms.CharField(required=False, max_length=100, label="Name or licence")
    licence = forms.ChoiceField(required=False, label="Licence", choices=[
        ("", "any"), *((s.value, LICENCE_LABELS[s]) for s in LicenceStatus if s != LicenceStatus.NONE)])


class VerifyBrokerForm(forms.Form):
    verified = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=500)


# ---- licensed agencies ------------------------------------------------------------------------------


class AgencyForm(forms.Form):
    """Record an agency from its licence (an admin); the domain checks the values and names the field."""

    name = forms.CharField(max_length=200)
    licence_number = forms.CharField(max_length=32)
    licence_class = forms.ChoiceField(choices=list(LICENCE_CLASS_NAMES.items()))
    licence_expires_on = forms.DateField(label="Licence valid until", widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text="What shows the licence: certificate number, the DLM list's edition and entry")
    email = forms.EmailField(required=False)
    phone = forms.CharField(required=False, max_length=40)
    address = forms.CharField(required=False, max_length=300)


class AgencyVerifyForm(forms.Form):
    decision = forms.ChoiceField(choices=[(Verification.VERIFIED.value, "On the published list: verified"),
                                          (Verification.REVOKED.value, "Not on the list, struck off or suspended")])
    note = forms.CharField(max_length=500, label="What you checked",
                           help_text="The Department of Land Management list's edition and entry")
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class AgencyRenewForm(forms.Form):
    licence_expires_on = forms.DateField(label="New expiry", widget=forms.DateInput(attrs={"type": "date"}))
    licence_number = forms.CharField(required=False, max_length=32, help_text="Only if the number changed")
    evidence = forms.CharField(max_length=500, help_text="The renewed certificate's number and date")
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class AgencyMemberForm(forms.Form):
    """A broker placed in an agency, picked by name from the directory; a value not in it is refused here."""

    broker_id = forms.ChoiceField(label="Broker", choices=[("", "—")],
                                  error_messages={"required": "pick a broker from the list",
                                                  "invalid_choice": "is not a broker in the directory: pick one from the list"})
    principal = forms.BooleanField(required=False, label="Principal broker (hears of the licence's expiry)")

    def __init__(self, *args, brokers=(), **kwargs):
        """``brokers``: the directory's profiles (the picker's choices and what is accepted)."""
        super().__init__(*args, **kwargs)
        self.fields["broker_id"].choices = broker_choices(brokers, blank="—")


# ---- e-mail suppressions (admins) ----
class SuppressionFilterForm(forms.Form):
    address = forms.CharField(required=False, max_length=254, label="Address contains")
    reason = forms.ChoiceField(required=False, choices=[("", "any"), *REASONS.items()])
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Up to", widget=forms.DateInput(attrs={"type": "date"}))
