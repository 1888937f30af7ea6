"""DynamoDB's documented item-size rules, one calculator for the cost model and the benches."""

from __future__ import annotations

import pytest

from ops.item_size import item_size, value_size


@pytest.mark.parametrize(("value", "size"), [
    ({"S": "Sanepa"}, 6),
    ({"S": "नेपाल"}, 15),  # UTF-8 bytes, not characters
    ({"N": "12345"}, 4),  # 5 significant digits -> 3 bytes, plus 1
    ({"N": "45000000"}, 2),  # trailing zeros trimmed: 45
    ({"N": "0.00250"}, 2),  # leading and trailing zeros trimmed: 25
    ({"N": "-7"}, 2),
    ({"BOOL": True}, 1),
    ({"NULL": True}, 1),
    ({"B": b"\x00\x01\x02"}, 3),
    ({"B": "AAEC"}, 3),  # base64 text from an export: the raw bytes count
    ({"L": [{"S": "ab"}, {"N": "1"}]}, 3 + (1 + 2) + (1 + 2)),
    ({"M": {"k": {"S": "v"}}}, 3 + 1 + 1 + 1),
    ({"M": {}}, 3),
    ({"SS": ["ab", "c"]}, 3),
    ({"NS": ["100", "12345"]}, 2 + 4),  # numbers in a set are sized as numbers, not as text
])
def test_each_type_is_sized_by_dynamodbs_rules(value, size):
    assert value_size(value) == size


def test_an_item_is_its_names_plus_its_values():
    item = {"pk": {"S": "USER#1"}, "price": {"N": "45000000"}, "tags": {"SS": ["garden"]}}

    assert item_size(item) == (2 + 6) + (5 + 2) + (4 + 6)


def test_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="XX"):
        value_size({"XX": "?"})
