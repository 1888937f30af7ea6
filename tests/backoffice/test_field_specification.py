"""Every consumer of a listing field reads it from the one specification (``marketplace.listing_fields.FIELD``):
a bound, a length, a choice, a label or a kind changed there shows in the domain's cleaning, the back office's
form, history and CSV export, and the public API's schema and presenters, with nothing else edited."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from pydantic import create_model

from backoffice.forms import listing_form_fields
from backoffice.templatetags.shikhar import field_label
from backoffice.views.admin import _field_column
from marketplace.errors import ValidationError
from marketplace.listing_fields import FIELD, Kind, clean_listing_fields
from marketplace.models import Listing
from public_api.presenters import _listing_fields
from public_api.schemas.listings import ListingCard, ListingDetail, listing_field


@pytest.fixture
def respecify(monkeypatch):
    """``respecify("bedrooms", high=8)``: the field's specification with those changes, for this test."""

    def change(name: str, **changes):
        monkeypatch.setitem(FIELD, name, dataclasses.replace(FIELD[name], **changes))

    return change


def _schema(name: str, annotation, default=...) -> dict:
    model = create_model("Probe", **{name: (annotation, listing_field(name, default))})
    return model.model_json_schema()["properties"][name]


def test_a_bound_changed_in_the_specification_shows_in_cleaning_form_and_api_schema(respecify):
    # Given the specification allows at most 8 bedrooms
    respecify("bedrooms", high=8)

    # When the domain cleans 9, the form is made and the API declares the field
    with pytest.raises(ValidationError) as refused:
        clean_listing_fields({"bedrooms": 9}, partial=True)
    accepted = clean_listing_fields({"bedrooms": 8}, partial=True)
    form_field = listing_form_fields()["bedrooms"]
    schema = _schema("bedrooms", int | None, None)

    # Then each says 8
    assert refused.value.errors == {"bedrooms": "must be between 0 and 8"}
    assert accepted == {"bedrooms": 8}
    assert form_field.help_text == "0 to 8"
    assert schema["anyOf"][0]["maximum"] == 8


def test_a_length_changed_in_the_specification_shows_in_cleaning_form_and_api_schema(respecify):
    respecify("title", max_length=20)

    with pytest.raises(ValidationError) as refused:
        clean_listing_fields({"title": "A house far too long for twenty"}, partial=True)
    form_field = listing_form_fields()["title"]
    schema = _schema("title", str)

    assert refused.value.errors == {"title": "must be at most 20 characters"}
    assert form_field.max_length == 20
    assert schema["maxLength"] == 20


def test_a_choice_added_to_the_specification_shows_in_cleaning_form_and_api_schema(respecify):
    respecify("property_type", choices=(*FIELD["property_type"].choices, ("farmhouse", "Farmhouse")))

    cleaned = clean_listing_fields({"property_type": "farmhouse"}, partial=True)
    form_field = listing_form_fields()["property_type"]
    schema = _schema("property_type", str)

    assert cleaned == {"property_type": "farmhouse"}
    assert ("farmhouse", "Farmhouse") in form_field.choices
    assert "farmhouse" in schema["enum"]


def test_a_label_and_reso_name_changed_in_the_specification_show_in_form_history_and_export(respecify):
    respecify("bedrooms", label="Sleeping rooms", reso="BedroomsPossible")

    form_field = listing_form_fields()["bedrooms"]
    header, value = _field_column("bedrooms")

    assert form_field.label == "Sleeping rooms"
    assert field_label("bedrooms") == "Sleeping rooms"
    assert header == "BedroomsPossible"
    assert value(Listing(bedrooms=3), {}) == 3


def test_the_api_presents_every_listing_field_its_schemas_declare_by_the_fields_kind(respecify):
    # Given a listing with whole parking spaces and half storeys
    listing = Listing(title="A house", neighborhood="sanepa", property_type="house", purpose="sale",
                      parking=3, storeys=Decimal("2.5"), amenities=["garden"], exclusive=False)

    # When the card and the detail's own fields are presented, then after parking became a decimal
    card = _listing_fields(listing, ListingCard)
    detail = _listing_fields(listing, ListingDetail, besides=ListingCard)
    respecify("parking", kind=Kind.DECIMAL, places=1)
    respecified = _listing_fields(listing, ListingDetail, besides=ListingCard)

    # Then each shows the fields its schema declares (the price is composed apart), typed by their kind
    assert set(card) == (set(ListingCard.model_fields) & set(FIELD)) - {"price"}
    assert set(detail) == (set(ListingDetail.model_fields) - set(ListingCard.model_fields)) & set(FIELD)
    assert (detail["parking"], detail["storeys"], detail["amenities"]) == (3, 2.5, ["garden"])
    assert isinstance(detail["parking"], int) and isinstance(respecified["parking"], float)
