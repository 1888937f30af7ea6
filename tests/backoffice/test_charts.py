"""Charts: values in Nepali grouping, axis labels that never overlap nor run off the chart however many bars."""

from __future__ import annotations

import pytest

from backoffice.charts import bar_chart, text_width


@pytest.mark.parametrize("bars", [3, 30, 90, 365])
def test_no_two_axis_labels_overlap(bars):
    chart = bar_chart([(f"{n + 1} Dec", 152960 * n) for n in range(bars)], title="Views per day")

    labelled = [bar for bar in chart.bars if bar.labelled]
    assert labelled[0] is chart.bars[0]
    widths = [max(text_width(bar.short_label), text_width(bar.value_text)) for bar in labelled]
    assert all(right.x - left.x >= width for left, right, width in zip(labelled, labelled[1:], widths))
    assert all(bar.x + width <= chart.width for bar, width in zip(labelled, widths))  # none runs off the edge


def test_values_are_nepali_grouped_and_long_labels_shortened():
    chart = bar_chart([("Budhanilkantha and around", 15296000), ("Sanepa", 0)], title="Views")

    assert [bar.value_text for bar in chart.bars] == ["1,52,96,000", "0"]
    assert [bar.short_label for bar in chart.bars] == ["Budhanilk…", "Sanepa"]
    assert chart.bars[0].label == "Budhanilkantha and around"  # the tooltip keeps it whole
