"""Server-rendered SVG bar charts (pygal) for the coordinator dashboard and report PDF.

pygal loads scripts from a third-party site by default: `js=[]` turns that off, and its inline config
script is removed (pages allow no inline script). Suppressed cells are left out of every chart.
"""

from __future__ import annotations

import re
import sys

import pygal
from markupsafe import Markup
from pygal.style import Style

from .reports import Table

# pygal appends an import hook for its map plugins (unused here) that lacks find_spec(): every later
# import in the process then raises an ImportWarning. Remove it.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"
]

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d1b16",
    foreground_strong="#1d1b16",
    foreground_subtle="#5b564b",
    colors=("#0b5f57",),
    font_family='"Noto Sans", "Noto Sans Devanagari", "Noto Nastaliq Urdu", sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    title_font_size=15,
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def bar_chart(title: str, table: Table, column: str = "", label=str) -> Markup | None:
    """A horizontal bar chart of the table's shown cells; None when nothing may be shown."""
    values = [(row, value) for row, value in table.chart_values(column) if value is not None]
    if not values:
        return None
    chart = pygal.HorizontalBar(
        js=[],
        style=STYLE,
        show_legend=False,
        disable_xml_declaration=True,
        width=640,
        height=max(160, 40 + 34 * len(values)),
        print_values=True,
        show_y_guides=False,
        margin=8,
        truncate_label=30,
    )
    chart.title = str(title)
    chart.x_labels = [label(row) for row, _ in values]
    chart.add(str(title), [value for _, value in values])
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    # The chart is described by the table beside it; screen readers get a short name here.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(title)}" ', 1)
    return Markup(svg)
