"""Bar charts drawn on the server as SVG: no chart scripts, nothing fetched by the browser.

Numbers are written by ``marketplace.formatting`` (Nepali grouping). The chart is drawn in a viewBox
``WIDTH`` units wide with text ``FONT_SIZE`` units high, so on a 390 px phone (about 350 px of chart) its
text is still 10 px; axis labels are shortened to ``LABEL_CHARS`` and only every n-th bar carries one,
n chosen from the widest label so that no two ever overlap.
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


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    maximum: float
    title: str
    font_size: int = FONT_SIZE

    @property
    def axis_y(self) -> float:
        return self.height - FONT_SIZE


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def bar_chart(data: list[tuple[str, float]], *, title: str, width: int = WIDTH, height: int = HEIGHT) -> BarChart:
    """Geometry for a bar chart the template draws (``backoffice/chart.html``)."""
    maximum = max((v for _, v in data), default=0) or 1
    gap, top, bottom = 4, FONT_SIZE + 6, 2 * FONT_SIZE + 6
    slot = (width - gap) / max(len(data), 1)
    labels = [short(str(label)) for label, _ in data]
    values = [number(value, 0) for _, value in data]
    widest = max((text_width(t) for t in (*labels, *values)), default=0) + LABEL_GAP
    every = max(1, math.ceil(widest / slot))  # labels (and the values above bars) never overlap
    bars = []
    for n, (label, value) in enumerate(data):
        bar_height = (height - top - bottom) * (value / maximum)
        x = gap + n * slot
        # a label is written from its bar's left edge: one that would run past the chart's right edge is left out
        fits = x + max(text_width(labels[n]), text_width(values[n])) <= width
        bars.append(Bar(label=str(label), value=value, x=round(x, 1), width=round(max(slot - gap, 1), 1),
                        y=round(height - bottom - bar_height, 1), height=round(bar_height, 1),
                        labelled=n % every == 0 and fits, value_text=values[n], short_label=labels[n]))
    return BarChart(bars=bars, width=width, height=height, maximum=maximum, title=title)
