"""Geometry for the server-rendered SVG charts (no JavaScript, no chart library)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from ringtonic.services.reporting.dashboard import DayCount

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 26
LABEL_EVERY_DAYS = 7
MAX_DAY_LABELS = 5


@dataclass(frozen=True)
class Bar:
    """One day's bar: its box in chart units and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    day: date
    count: int

    @property
    def label(self) -> str:
        noun = "call" if self.count == 1 else "calls"
        return f"{short_day(self.day)}: {self.count} {noun}"


@dataclass(frozen=True)
class BarChart:
    """A bar chart of counts per day, ready for the template to draw."""

    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    day_labels: list[tuple[float, str]]
    description: str
    left: int = LEFT
    right: int = WIDTH - RIGHT


def short_day(day: date) -> str:
    """Return "Mar 9" (no zero padding, on every platform)."""
    return f"{day:%b} {day.day}"


def axis_top(largest: int) -> int:
    """Return a round number at or above `largest` for the top of the value axis."""
    if largest <= 5:
        return max(largest, 1)
    magnitude = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= largest and top == int(top):
            return int(top)
    return 10 * magnitude


def _description(days: list[DayCount]) -> str:
    total = sum(day.count for day in days)
    busiest = max(days, key=lambda day: day.count)
    text = f"{total} calls from {short_day(days[0].day)} to {short_day(days[-1].day)}"
    if busiest.count:
        text += f"; busiest day {short_day(busiest.day)} with {busiest.count}"
    return text + "."


def daily_bar_chart(days: list[DayCount]) -> BarChart:
    """Lay out one bar per day, scaled to a round axis maximum."""
    top = axis_top(max(day.count for day in days))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    band = plot_width / len(days)
    bars = []
    for index, day in enumerate(days):
        height = plot_height * day.count / top
        bars.append(
            Bar(
                x=round(LEFT + index * band + band * 0.15, 2),
                y=round(baseline - height, 2),
                width=round(band * 0.7, 2),
                height=round(height, 2),
                day=day.day,
                count=day.count,
            )
        )
    tick_values = sorted({0, top // 2, top}) if top % 2 == 0 else [0, top]
    ticks = [(round(baseline - plot_height * value / top, 2), value) for value in tick_values]
    # About five labels whatever the span: a year of days would otherwise overprint them.
    every = max(LABEL_EVERY_DAYS, math.ceil(len(days) / MAX_DAY_LABELS))
    labelled = range(len(days) - 1, -1, -every)
    day_labels = [
        (round(LEFT + index * band + band / 2, 2), short_day(days[index].day))
        for index in sorted(labelled)
    ]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        day_labels=day_labels,
        description=_description(days),
    )
