"""Bar charts drawn on the server as SVG: no chart scripts, nothing fetched by the browser."""

from __future__ import annotations

import math
from dataclasses import dataclass

LABEL_WIDTH = 64  # what a 10-character axis label takes at the chart's font size


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    labelled: bool = True  # False when the bar is too narrow for its label: every n-th bar carries one


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    maximum: float
    title: str


def bar_chart(data: list[tuple[str, float]], *, title: str, width: int = 640, height: int = 200) -> BarChart:
    """Geometry for a bar chart the template draws (``backoffice/chart.html``)."""
    maximum = max((v for _, v in data), default=0) or 1
    gap, top, bottom = 4, 16, 36
    slot = (width - gap) / max(len(data), 1)
    every = max(1, math.ceil(LABEL_WIDTH / slot))  # labels never overlap, however many bars
    bars = []
    for n, (label, value) in enumerate(data):
        bar_height = (height - top - bottom) * (value / maximum)
        bars.append(Bar(label=label, value=value, x=round(gap + n * slot, 1), width=round(max(slot - gap, 1), 1),
                        y=round(height - bottom - bar_height, 1), height=round(bar_height, 1),
                        labelled=n % every == 0))
    return BarChart(bars=bars, width=width, height=height, maximum=maximum, title=title)
