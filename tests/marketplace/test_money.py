import pytest

from marketplace.errors import ValidationError
from marketplace.money import format_npr, group_npr, npr_words, parse_npr


@pytest.mark.parametrize(("amount", "grouped"), [
    (0, "0"), (999, "999"), (1000, "1,000"), (100000, "1,00,000"), (1234567, "12,34,567"),
    (35000000, "3,50,00,000"), (1000000000, "1,00,00,00,000"), (-250000, "-2,50,000"),
])
def test_groups_three_then_two(amount, grouped):
    assert group_npr(amount) == grouped


def test_format_npr():
    assert format_npr(35000000) == "Rs 3,50,00,000"


@pytest.mark.parametrize(("amount", "words"), [
    (35000000, "Rs 3.5 crore"), (10000000, "Rs 1 crore"), (125000000, "Rs 12.5 crore"),
    (7500000, "Rs 75 lakh"), (1000000, "Rs 10 lakh"), (50000, "Rs 50,000"), (123456789, "Rs 12.35 crore"),
])
def test_lakh_and_crore_words(amount, words):
    # 10 lakh is "10 lakh", never "1 crore" (the ne-NP compact-format mistake)
    assert npr_words(amount) == words


@pytest.mark.parametrize(("text", "amount"), [
    ("3.5 crore", 35000000), ("Rs 3,50,00,000", 35000000), ("75 lakh", 7500000), ("NPR 1,00,000", 100000),
    ("35000000", 35000000), ("2.25 cr", 22500000), (42, 42),
    ("5 crore", 50000000), ("4 crore 50 lakh", 45000000), ("4 crore and 50 lakh", 45000000),
    ("4.5 करोड", 45000000), ("४.५ करोड", 45000000), ("रु ४ करोड ५० लाख", 45000000),
    ("४,५०,००,०००", 45000000), ("45,000,000", 45000000), ("1 crore 25 lakh 50 thousand", 12550000),
])
def test_parse(text, amount):
    assert parse_npr(text) == amount


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "required"), ("about 3 crore", "cannot read"), ("3.5 million", "unknown amount word"),
    ("12.345", "whole number"), (-5, "negative"),
    ("5 lakh 4 crore", "crore, then lakh"), ("2 crore 3 crore", "each once"), ("3,5,0", "cannot read"),
    ("4,50,000,00", "cannot read"), ("Rs", "amount after the currency"),
])
def test_bad_amounts_name_the_input(text, fragment):
    with pytest.raises(ValidationError) as caught:
        parse_npr(text, field="min_price")
    assert fragment in caught.value.message and caught.value.field == "min_price"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        npr_words(3.5)
