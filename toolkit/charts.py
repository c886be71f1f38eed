"""Bar charts drawn in HTML and CSS from the same `Table` as the table beside them.

No Flask import. A chart is a list of rows: a label (HTML text, so the browser and WeasyPrint shape
Devanagari and Nastaliq like any other text), the value as the table shows it, and a bar whose width is
one of `STEPS` percentages. Widths are CSS classes (`.bar-w-37`), never inline styles: the pages' CSP
allows no inline style. The classes are written into static/css/charts.css by `build.py` from
`STEPS` (toolkit/build/chart_css.py), so the rule lives in one place. Bars are blocks that start
at the inline start, so they grow from the right in Urdu with no second rule. A suppressed cell is
still a row: "<5", drawn as an outlined bar up to the largest count it could be, never left out
(leaving it out made 3 of 13 guides look like all of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .reports import Table

STEPS = range(0, 101)  # bar widths, in percent of the chart's longest bar


@dataclass(frozen=True)
class Bar:
    """One row of a chart."""

    label: str
    shown: str  # the value as the table beside the chart shows it: "12" or "<5"
    width: int  # one of STEPS
    suppressed: bool

    @property
    def css_class(self) -> str:
        return f"bar-w-{self.width}"


@dataclass(frozen=True)
class BarChart:
    """A titled list of bars; every row of the table is present."""

    title: str
    bars: list[Bar]
    threshold: int

    @property
    def has_suppressed(self) -> bool:
        return any(bar.suppressed for bar in self.bars)


def width_step(value: int, scale: int) -> int:
    """The bar width for `value` when `scale` fills the chart; a non-zero value is never invisible."""
    if scale <= 0 or value <= 0:
        return 0
    return max(1, min(100, round(100 * value / scale)))


def bar_chart(
    title: str, table: Table, column: str = "", label: Callable[[str], str] = str
) -> BarChart | None:
    """A horizontal bar chart of one column of `table`; None when the table has no rows."""
    values = table.chart_values(column)
    if not values:
        return None
    shown = [value for _row, value in values if value is not None]
    # A hidden cell is at most threshold - 1: its outlined bar shows how far it could reach.
    ceiling = max(table.threshold - 1, 1)
    scale = max([*shown, ceiling])
    bars = [
        Bar(
            label=label(row),
            shown=table.shown(row, column),
            width=width_step(ceiling if value is None else value, scale),
            suppressed=value is None,
        )
        for row, value in values
    ]
    return BarChart(title=str(title), bars=bars, threshold=table.threshold)
