"""Geometry of a server-rendered SVG bar chart (no JavaScript, no inline styles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = ["Bar", "BarChart", "bar_chart"]

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 12, 24  # room for the axis labels


@dataclass(frozen=True)
class Bar:
    """One day's bar: its box in SVG units and what a tooltip says."""

    x: float
    y: float
    width: float
    height: float
    day: date
    value: Decimal


@dataclass(frozen=True)
class BarChart:
    """A whole chart: the viewBox size, the bars, the baseline and the largest value."""

    width: int
    height: int
    bars: list[Bar]
    baseline: float
    peak: Decimal

    @property
    def first(self) -> date | None:
        return self.bars[0].day if self.bars else None

    @property
    def last(self) -> date | None:
        return self.bars[-1].day if self.bars else None


def bar_chart(points: Sequence[tuple[date, Decimal]]) -> BarChart:
    """Bars of one value per day, scaled so the largest fills the plot's height."""
    peak = max((value for _, value in points), default=Decimal(0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(1, len(points))
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, (day, value) in enumerate(points):
        height = float(value / peak) * plot_height if peak else 0.0
        if value and height < 1:
            height = 1.0  # a tiny but real amount stays visible
        y = TOP + plot_height - height
        bars.append(
            Bar(
                round(LEFT + i * slot + gap / 2, 2),
                round(y, 2),
                round(slot - gap, 2),
                round(height, 2),
                day,
                value,
            )
        )
    return BarChart(WIDTH, HEIGHT, bars, TOP + plot_height, peak)
