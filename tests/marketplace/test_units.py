from decimal import Decimal

import pytest

from marketplace.errors import ValidationError
from marketplace.units import Area, format_area, parse_area


@pytest.mark.parametrize(("text", "sqft"), [
    ("1-0-0-0", Decimal(5476)),
    ("0-1-0-0", Decimal("342.25")),
    ("0-0-1-0", Decimal("85.5625")),
    ("0-0-0-1", Decimal("21.390625")),
    ("1-4-0-0", Decimal(6845)),
    ("8 aana", Decimal(2738)),
    ("1 ropani 4 aana", Decimal(6845)),
    ("2 ropani, 3 aana 2 paisa 1 daam", Decimal("12171.265625")),
    ("1 bigha", Decimal(72900)),
    ("1 kattha", Decimal(3645)),
    ("1 dhur", Decimal("182.25")),
    ("1 bigha 5 kattha 3 dhur", Decimal("91671.75")),
    ("5000 sqft", Decimal(5000)),
    ("5,000 sq ft".replace(",", ""), Decimal(5000)),
    ("1200.5 ft²", Decimal("1200.5")),
    ("1,52,000 sqft", Decimal(152000)), ("152,000 sqft", Decimal(152000)), ("०-८-०-०", Decimal(2738)),
])
def test_parse_gives_exact_square_feet(text, sqft):
    # Given a land area as Kathmandu listings write it / When parsed / Then it is exact in ft²
    assert parse_area(text).sqft == sqft


def test_square_metres_derive_from_the_foot():
    # Given 1 ft = 0.3048 m exactly, a ropani of 74 ft x 74 ft
    ropani = Area.from_rapd(1)
    # Then its area in m² is 5476 x 0.09290304, not a rounded published constant
    assert ropani.sqm == Decimal("508.73704704")
    assert parse_area("500 m2").sqm.quantize(Decimal("0.000001")) == Decimal("500.000000")


def test_one_bigha_is_about_thirteen_ropani():
    assert Area.from_bkd(1).ropani.quantize(Decimal("0.0001")) == Decimal("13.3126")


@pytest.mark.parametrize("text", ["0-8-0-0", "1-4-2-3", "12-15-3-3", "0-0-0-0"])
def test_rapd_round_trips(text):
    assert format_area(parse_area(text), "hill") == text


def test_formats_for_people():
    area = parse_area("1-4-2-0")
    assert format_area(area, "hill_words") == "1 ropani 4 aana 2 paisa"
    assert format_area(parse_area("1 bigha 5 kattha"), "terai") == "1-5-0"
    assert format_area(parse_area("5476 sqft"), "sqft") == "5,476 ft²"
    assert format_area(parse_area("1-0-0-0"), "sqm") == "508.74 m²"
    assert format_area(parse_area("30 ropani"), "sqft") == "1,64,280 ft²"  # Nepali grouping


def test_fractional_daam_survive_a_metric_entry():
    # 100 m² is not a whole number of daam: the remainder is shown, not lost
    r, a, p, d = parse_area("100 m2").rapd()
    assert (r, a, p) == (0, 3, 0)
    assert d.quantize(Decimal("0.01")) == Decimal("2.32")


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "required"),
    ("lots", "cannot read 'lots'"),
    ("1-16-0-0", "out of range"),
    ("1-4-0", "four numbers"),
    ("5000", "cannot read '5000'"),
    ("8 aana and a garden", "cannot read"),
    ("-2 ropani", "cannot read"),
])
def test_bad_areas_raise_naming_the_input(text, fragment):
    with pytest.raises(ValidationError) as caught:
        parse_area(text, field="min_land")
    assert fragment in caught.value.message
    assert caught.value.field == "min_land"
