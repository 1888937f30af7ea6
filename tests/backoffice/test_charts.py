"""Charts: values in Nepali grouping, axis labels that never overlap nor run off the chart however many bars."""

from __future__ import annotations

import html
from itertools import pairwise

import pytest

from backoffice.charts import bar_chart, row_chart, text_width
from marketplace import formatting
from marketplace.lifecycle import Status


@pytest.mark.parametrize("bars", [3, 30, 90, 365])
def test_no_two_axis_labels_overlap(bars):
    chart = bar_chart([(f"{n + 1} Dec", 152960 * n) for n in range(bars)], title="Views per day")

    labelled = [bar for bar in chart.bars if bar.labelled]
    assert labelled[0] is chart.bars[0]
    for row in {bar.label_y for bar in labelled}:  # labels on one row, or alternating on two
        on_row = [bar for bar in labelled if bar.label_y == row]
        assert all(right.label_x - left.label_x >= text_width(left.short_label) for left, right in pairwise(on_row))
    values = [text_width(bar.value_text) for bar in labelled]
    assert all(right.x - left.x >= width for left, right, width in zip(labelled, labelled[1:], values))
    # none runs off the edge
    assert all(bar.label_x + text_width(bar.short_label) <= chart.width for bar in labelled)
    assert all(bar.x + width <= chart.width for bar, width in zip(labelled, values))


def test_values_are_nepali_grouped_and_long_labels_shortened():
    chart = bar_chart([("Budhanilkantha and around", 15296000), ("Sanepa", 0)], title="Views")

    assert [bar.value_text for bar in chart.bars] == ["1,52,96,000", "0"]
    assert [bar.short_label for bar in chart.bars] == ["Budhanilk…", "Sanepa"]
    assert chart.bars[0].label == "Budhanilkantha and around"  # the tooltip keeps it whole


def test_the_dashboards_status_labels_all_fit_whole_words_in_their_tooltips(signed_in, listing_factory):
    # Given listings in the statuses whose words are longest
    for status in ("under_contract", "pending_review", "active"):
        listing_factory(status=status)

    # When an admin opens the dashboard
    page = signed_in("admin").get("/admin/")

    # Then every status's bar carries its axis label, none is cut, and the tooltip has the whole word
    chart = page.context["chart"]
    assert all(bar.labelled and not bar.short_label.endswith("…") for bar in chart.bars)
    assert [bar.short_label for bar in chart.bars] == [formatting.status_short(s) for s in Status]
    text = html.unescape(page.content.decode())
    assert "Under con…" not in text and ">Contracted</text>" in text and "<title>Under contract: " in text
    # and neighbours on the same row of labels never overlap
    for row in (chart.bars[0::2], chart.bars[1::2]):
        assert all(right.label_x - left.label_x >= text_width(left.short_label) for left, right in pairwise(row))
    assert all(bar.label_x + text_width(bar.short_label) <= chart.width for bar in chart.bars)
    assert {bar.label_y for bar in chart.bars[0::2]}.isdisjoint({bar.label_y for bar in chart.bars[1::2]})


def test_a_chart_on_its_side_names_every_bar_whole_and_stays_within_its_width():
    # Given the dashboard's statuses with counts from none to a lakh and more
    data = [(formatting.status(s), 152960 * n) for n, s in enumerate(Status)]
    # When drawn on its side for a phone
    chart = row_chart(data, title="Listings by status", short_labels=[formatting.status_short(s) for s in Status])
    # Then each status has its row with its whole short name, and its bar and value end within the chart
    assert [row.short_label for row in chart.rows] == [formatting.status_short(s) for s in Status]
    assert all(row.value_x + text_width(row.value_text) <= chart.width for row in chart.rows)
    assert chart.label_width >= max(text_width(row.short_label) for row in chart.rows)
    assert [row.value_text for row in chart.rows][-1] == "12,23,680"
    # and rows never overlap
    assert all(below.y >= above.y + above.height for above, below in pairwise(chart.rows))
