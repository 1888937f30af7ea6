"""The one formatting layer: numbers, money, land, dates, statuses and history lines as Kathmandu writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from marketplace import formatting


@pytest.mark.parametrize(("value", "text"), [
    (15296000, "1,52,96,000"), (Decimal("3422.50"), "3,422.5"), (99999, "99,999"), (0, "0"),
    (1234567.891, "12,34,567.89"), (-250000, "-2,50,000"), (None, "—"),
])
def test_numbers_take_nepali_grouping(value, text):
    assert formatting.number(value) == text


def test_money_in_grouping_in_words_and_both():
    assert formatting.money(152960000) == "Rs 15,29,60,000"
    assert formatting.money_short(51300000) == "Rs 5.13 crore"
    assert formatting.money_full(45000000) == "Rs 4,50,00,000 (Rs 4.5 crore)"
    assert (formatting.money(0), formatting.money_full(50000), formatting.money(None)) == ("Rs 0", "Rs 50,000", "—")


def test_land_in_each_system():
    eight_aana = Decimal(2738)
    assert formatting.land(eight_aana) == "0-8-0-0 R-A-P-D"
    assert formatting.land(Decimal(3645), "terai") == "0-1-0 B-K-D"
    assert formatting.land(Decimal(5476 * 30), "sqft") == "1,64,280 ft²"
    assert formatting.land(Decimal(5476 * 300), "sqm") == "1,52,621.11 m²"


def test_an_inclusive_end_stored_at_the_end_of_the_utc_day_shows_that_day():
    stored = formatting.end_of_day(date(2026, 12, 15))

    assert stored == datetime(2026, 12, 15, 23, 59, 59, tzinfo=UTC)
    assert formatting.until(stored) == "15 Dec 2026"  # not 16 Dec: it is 05:44 on the 16th in Kathmandu
    assert formatting.moment(stored) == "16 Dec 2026, 05:44"
    # an end that is a moment (a payment's 30 days) ends on its Kathmandu day
    assert formatting.until(datetime(2026, 12, 15, 20, 0, tzinfo=UTC)) == "16 Dec 2026"


def test_dates_are_kathmandu_dates():
    assert formatting.day(datetime(2026, 12, 31, 18, 30, tzinfo=UTC)) == "1 Jan 2027"
    assert formatting.day(date(2026, 3, 5), year=False) == "5 Mar"


def test_statuses_and_codes_in_words():
    assert [formatting.status(s) for s in ("pending_review", "coming_soon", "active")] == [
        "Waiting for review", "Coming soon", "Active"]
    assert formatting.words("semi_furnished") == "Semi furnished"
    assert formatting.word_list(["admins", "brokers", "sellers"]) == "admins, brokers and sellers"
    assert formatting.place("budhanilkantha") == "Budhanilkantha"
    # other records' states by record, with their badge's tone; an unknown state in words, quiet
    assert formatting.state("completed", "order") == "Paid" and formatting.state_tone("completed", "order") == "ok"
    assert formatting.state("requested", "viewing") == "Waiting for an answer"
    assert formatting.state("requested", "access") == "Asked"
    assert (formatting.state("on_hold", "order"), formatting.state_tone("on_hold", "order")) == ("On hold", "quiet")


@pytest.mark.parametrize(("seconds", "text"), [(600, "10 minutes"), (60, "1 minute"), (3600, "1 hour"),
                                               (7200, "2 hours"), (90, "90 seconds"), (0, "0 seconds")])
def test_a_span_is_said_in_the_largest_whole_unit(seconds, text):
    assert formatting.duration(seconds) == text


@dataclass
class MediaItem:
    media_id: str
    kind: str
    position: int


def test_history_lines_are_words_not_stored_values():
    media = formatting.media_names([MediaItem("m3", "floor_plan", 2), MediaItem("m1", "photo", 0),
                                    MediaItem("m2", "photo", 1)])
    changes = {
        "year_built": {"before": 2017, "after": 2018},
        "price": {"before": 51300000, "after": 45000000},
        "land_area_sqft": {"before": "3422.5", "after": "2738"},
        "built_up_area_sqft": {"before": "152000", "after": "3200"},
        "amenities": {"before": ["garden"], "after": ["garden", "himalaya_view", "solar"]},
        "furnishing": {"before": None, "after": "semi_furnished"},
        "cover": {"before": "m1", "after": "m3"},
        "order": {"before": ["m1", "m2", "m3"], "after": ["m2", "m1", "gone"]},
        "seller_id": {"before": None, "after": "s1"},
        "status": {"before": "draft", "after": "pending_review"},
    }

    lines = formatting.change_lines(changes, media=media, names={"s1": "Himal Developers"})

    assert lines == [
        "Price: Rs 5.13 crore → Rs 4.5 crore",
        "Land area: 0-10-0-0 R-A-P-D → 0-8-0-0 R-A-P-D",
        "Built up area: 1,52,000 ft² → 3,200 ft²",
        "Year built: 2017 → 2018",
        "Furnishing: — → Semi furnished",
        "Amenities: garden → garden, himalaya view and solar",
        "Seller: — → Himal Developers",
        "Cover: Photo 1 → Floor plan 3",
        "Media order: Photo 1, Photo 2 and Floor plan 3 → Photo 2, Photo 1 and a removed item",
        "Status: Draft → Waiting for review",
    ]


@pytest.mark.parametrize(("code", "text"), [("NE", "North-east"), ("SW", "South-west"), ("N", "North")])
def test_a_facing_is_a_compass_point_in_words(code, text):
    assert formatting.field_value("facing", code) == text


def test_dates_in_nepali_are_gregorian_with_devanagari_digits_and_month_names():
    # Given the last day of 2026 and a moment in Kathmandu that afternoon (08:45 UTC)
    last = date(2026, 12, 31)
    afternoon = datetime(2026, 12, 31, 8, 45, tzinfo=UTC)
    # When they are written in each language, then the same day reads the same, in its language's words
    assert formatting.day(last) == "31 Dec 2026" and formatting.day(last, language="ne") == "३१ डिसेम्बर २०२६"
    assert formatting.day(last, year=False, language="ne") == "३१ डिसेम्बर"
    assert formatting.moment(afternoon, language="ne") == "३१ डिसेम्बर २०२६, १४:३०"
    assert formatting.day(date(2027, 1, 5), language="ne") == "५ जनवरी २०२७"
