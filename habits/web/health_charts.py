"""The health dashboard's charts as plain geometry for templates/organizer/_chart.svg.html: SVG
drawn on the server, no script and no CDN, readable at 360 px (one column, a 320 x 180 view box
that scales to the screen's width).

A chart holds its series (polylines or bars, in view-box coordinates), its reference lines or
bands (the source articles' figures, each with its label), its axis labels, and the rows of the
table shown beside it for who cannot see the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 24
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Series:
    label: str
    #: a CSS class of static/css/health.css (its colour and dash)
    css: str
    points: str = ""
    bars: list[tuple[float, float, float, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    label: str
    css: str
    y: float
    #: a band's lower edge (None: a line)
    y_to: float | None = None
    label_y: float = 0.0


@dataclass(frozen=True)
class Tick:
    label: str
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    series: list[Series]
    references: list[Reference]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    #: the data table: its header and its rows of text
    header: list[str]
    rows: list[list[str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def x_at(index: int, count: int) -> float:
    return LEFT + (PLOT_W * index / (count - 1) if count > 1 else PLOT_W / 2)


def y_at(value: float, top: float) -> float:
    return TOP + PLOT_H * (1 - (value / top if top else 0))


def polyline(values: list[float | None], top: float) -> str:
    """Points of the values that exist (a gap where a value is None is bridged)."""
    count = len(values)
    return " ".join(f"{x_at(i, count):.1f},{y_at(v, top):.1f}" for i, v in enumerate(values) if v is not None)


def bars(values: list[float | None], top: float) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) of one bar per value (none where a value is None)."""
    count = max(len(values), 1)
    slot = PLOT_W / count
    width = max(slot * 0.7, 1.0)
    out = []
    for i, value in enumerate(values):
        if value is None:
            continue
        y = y_at(value, top)
        out.append((LEFT + slot * i + (slot - width) / 2, y, width, TOP + PLOT_H - y))
    return out


def percent_ticks(top: float = 1.0) -> list[Tick]:
    steps = [0, 0.25, 0.5, 0.75, 1.0] if top >= 1 else [0, top / 2, top]
    return [Tick(f"{round(step * 100)}%", y=y_at(step, top)) for step in steps]


def count_ticks(top: int) -> list[Tick]:
    top = max(top, 1)
    return [Tick(str(value), y=y_at(value, top)) for value in sorted({0, top // 2, top})]


def edge_ticks(labels: list[str]) -> list[Tick]:
    """The first and the last label under the plot (the table has them all)."""
    if not labels:
        return []
    if len(labels) == 1:
        return [Tick(labels[0], x=x_at(0, 1))]
    return [Tick(labels[0], x=LEFT), Tick(labels[-1], x=WIDTH - RIGHT)]


def reference(
    label: str, css: str, value: float, value_to: float | None = None, top: float = 1.0
) -> Reference:
    y = y_at(value, top)
    y_to = y_at(value_to, top) if value_to is not None else None
    return Reference(label, css, y, y_to, label_y=(min(y, y_to) if y_to is not None else y) - 3)
