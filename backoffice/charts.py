"""Bar charts drawn on the server as SVG: no chart scripts, nothing fetched by the browser.

Numbers are written by ``marketplace.formatting`` (Nepali grouping). The chart is drawn in a viewBox
``WIDTH`` units wide with text ``FONT_SIZE`` units high (never narrower than 420 px: text 12 px or more);
axis labels are shortened to ``LABEL_CHARS`` (or given short by the caller), set on two alternating rows
when that labels every bar, else only every n-th bar carries one, n chosen from the widest label so that
no two ever overlap.

A chart of a few categories every one of which must be named (the dashboard's statuses) also comes laid
on its side for a phone (``row_chart``): one row per bar, its label whole before it and its value after,
``ROW_WIDTH`` units wide, so that it fits a 390 px screen with its text still 14 px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from marketplace.formatting import number

WIDTH = 480
HEIGHT = 220
FONT_SIZE = 14
CHAR_WIDTH = 0.62 * FONT_SIZE  # a character's advance at that size (digits and lower case, generous)
LABEL_CHARS = 10  # longer axis labels are cut with "…" (the bar's tooltip has the whole one)
LABEL_GAP = 6  # units between two neighbouring labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    labelled: bool = True  # False when the bar is too narrow for its label: every n-th bar carries one
    value_text: str = ""  # the value as people write it (1,52,960)
    short_label: str = ""  # the label as the axis shows it (at most LABEL_CHARS characters)
    label_x: float = 0  # where the axis label starts: its bar's left edge, or left of it at the chart's edge
    label_y: float = 0  # the axis label's baseline: labels too wide for one bar alternate on two rows


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    maximum: float
    title: str
    font_size: int = FONT_SIZE


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _label_rows(labels: list[str], values: list[str], slot: float) -> tuple[int, int]:
    """(rows, every): labels on one row, or alternating on two when that labels every bar; otherwise every
    n-th bar carries one. The values above the bars stay on one row, so they set a floor on n."""
    widest_label = max((text_width(t) for t in labels), default=0) + LABEL_GAP
    value_every = max(1, math.ceil((max((text_width(t) for t in values), default=0) + LABEL_GAP) / slot))
    if widest_label <= slot:
        return 1, value_every
    if widest_label <= 2 * slot and value_every == 1:
        return 2, 1
    return 1, max(value_every, math.ceil(widest_label / slot))


def bar_chart(data: list[tuple[str, float]], *, title: str, width: int = WIDTH, height: int = HEIGHT,
              short_labels: list[str] | None = None) -> BarChart:
    """Geometry for a bar chart the template draws (``backoffice/chart.html``). ``short_labels``: what the
    axis writes for each bar, from a mapping of the caller's (the tooltip keeps the whole label); else
    each label cut to ``LABEL_CHARS``."""
    maximum = max((v for _, v in data), default=0) or 1
    slot = (width - 4) / max(len(data), 1)
    labels = [short(str(label)) for label in (short_labels or [label for label, _ in data])]
    values = [number(value, 0) for _, value in data]
    rows, every = _label_rows(labels, values, slot)  # labels (and the values above bars) never overlap
    gap, top, bottom = 4, FONT_SIZE + 6, (rows + 1) * FONT_SIZE + 6
    bars, row_ends = [], [0.0] * rows
    for n, (label, value) in enumerate(data):
        bar_height = (height - top - bottom) * (value / maximum)
        x = gap + n * slot
        # a label is written from its bar's left edge, or moved left to end at the chart's edge; one that would
        # then reach the label before it on its row is left out, as is a value running past the edge
        label_x = min(x, width - text_width(labels[n]))
        fits = x + text_width(values[n]) <= width and label_x >= row_ends[n % rows]
        labelled = n % every == 0 and fits
        if labelled:
            row_ends[n % rows] = label_x + text_width(labels[n]) + LABEL_GAP
        bars.append(Bar(label=str(label), value=value, x=round(x, 1), width=round(max(slot - gap, 1), 1),
                        y=round(height - bottom - bar_height, 1), height=round(bar_height, 1),
                        labelled=labelled, value_text=values[n], short_label=labels[n],
                        label_x=round(label_x, 1), label_y=height - FONT_SIZE - (rows - 1 - n % rows) * FONT_SIZE))
    return BarChart(bars=bars, width=width, height=height, maximum=maximum, title=title)


ROW_WIDTH = 340  # a 390 px phone gives a chart about 350 px: text 14 units is then 14 px
ROW_HEIGHT = 28
ROW_BAR = 16  # a bar's thickness within its row


@dataclass(frozen=True)
class Row:
    label: str  # the whole label (the row's tooltip)
    short_label: str  # the label as the chart writes it
    value_text: str
    y: float  # the bar's top
    width: float  # the bar's length
    text_y: float  # the baseline of the row's label and value
    value_x: float  # where the value starts: just after its bar
    height: float = ROW_BAR


@dataclass(frozen=True)
class RowChart:
    rows: list[Row]
    width: int
    height: int
    label_width: float  # where the bars start: after the widest label
    title: str
    font_size: int = FONT_SIZE


def row_chart(data: list[tuple[str, float]], *, title: str, width: int = ROW_WIDTH,
              short_labels: list[str] | None = None) -> RowChart:
    """``bar_chart``'s data laid on its side, one row per bar (``backoffice/chart.html`` draws it on a
    phone): every label whole (cut to ``LABEL_CHARS`` only past it), however narrow the screen."""
    labels = [short(str(label)) for label in (short_labels or [label for label, _ in data])]
    values = [number(value, 0) for _, value in data]
    label_width = max((text_width(t) for t in labels), default=0) + LABEL_GAP
    span = width - label_width - max((text_width(t) for t in values), default=0) - LABEL_GAP
    maximum = max((v for _, v in data), default=0) or 1
    rows = []
    for n, (label, value) in enumerate(data):
        top, length = n * ROW_HEIGHT, span * (value / maximum)
        rows.append(Row(label=str(label), short_label=labels[n], value_text=values[n],
                        y=round(top + (ROW_HEIGHT - ROW_BAR) / 2, 1), width=round(length, 1),
                        text_y=round(top + ROW_HEIGHT / 2 + FONT_SIZE * 0.35, 1),
                        value_x=round(label_width + length + LABEL_GAP / 2, 1)))
    return RowChart(rows=rows, width=width, height=max(len(data), 1) * ROW_HEIGHT,
                    label_width=round(label_width, 1), title=title)
