"""Trend lines as SVG geometry (the NPS trend, and the feedback report's CSAT and NPS lines),
computed here so the template only draws it (no JS, and no inline style, which the CSP
forbids)."""

from collections.abc import Sequence
from dataclasses import dataclass

from carefront.feedback.selectors import NpsResults

WIDTH = 640
HEIGHT = 200
LEFT = 36
RIGHT = 40  # room for the last date label, centred on its point
TOP = 12
BOTTOM = 28


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    nps: float
    responses: int


def _y(nps: float, low: float = -100, high: float = 100) -> float:
    """`low` at the bottom, `high` at the top."""
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (high - nps) / (high - low), 1)


def line_chart(
    values: Sequence[tuple[str, float | None, int]],
    *,
    low: float,
    high: float,
    grid: Sequence[float],
) -> dict | None:
    """A line through (label, value, count) per period, skipping periods without a value,
    from `low` to `high` with grid lines at `grid`; None with fewer than two values (one point
    is no trend: the table says it)."""
    periods = [(label, value, count) for label, value, count in values if value is not None]
    if len(periods) < 2:
        return None
    span = WIDTH - LEFT - RIGHT
    step = span / (len(periods) - 1)
    points = [
        ChartPoint(
            x=round(LEFT + i * step, 1),
            y=_y(value, low, high),
            label=label,
            nps=value,
            responses=count,
        )
        for i, (label, value, count) in enumerate(periods)
    ]
    every = max(1, len(points) // 8)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "points": points,
        "polyline": " ".join(f"{p.x},{p.y}" for p in points),
        "labels": points[::every],
        "label_y": HEIGHT - 8,
        "grid": [(value, _y(value, low, high)) for value in grid],
    }


def trend_chart(results: NpsResults) -> dict | None:
    """A line of the NPS per period with its axis marks; None with fewer than two periods
    that have answers."""
    date_format = "%Y-%m-%d" if results.period == "week" else "%Y-%m"
    return line_chart(
        [(p.start.strftime(date_format), p.nps, p.responses) for p in results.trend],
        low=-100,
        high=100,
        grid=(100, 50, 0, -50, -100),
    )
