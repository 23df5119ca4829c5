"""The NPS trend as SVG geometry, computed here so the template only draws it (no JS, and no
inline style, which the CSP forbids)."""

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


def _y(nps: float) -> float:
    """-100 at the bottom, +100 at the top."""
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (100 - nps) / 200, 1)


def trend_chart(results: NpsResults) -> dict | None:
    """A line of the NPS per period with its axis marks; None with fewer than two periods
    that have answers (one point is no trend: the table says it)."""
    periods = [p for p in results.trend if p.nps is not None]
    if len(periods) < 2:
        return None
    span = WIDTH - LEFT - RIGHT
    step = span / (len(periods) - 1)
    date_format = "%Y-%m-%d" if results.period == "week" else "%Y-%m"
    points = [
        ChartPoint(
            x=round(LEFT + i * step, 1),
            y=_y(p.nps),
            label=p.start.strftime(date_format),
            nps=p.nps,
            responses=p.responses,
        )
        for i, p in enumerate(periods)
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
        "grid": [(value, _y(value)) for value in (100, 50, 0, -50, -100)],
    }
