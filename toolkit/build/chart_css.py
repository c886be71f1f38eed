"""The chart width classes of static/css/charts.css, one per `charts.STEPS` (a build.py step).

The pages' CSP allows no inline style, so each bar width is a class written here from the same
steps `charts.width_step` rounds to.
"""

from __future__ import annotations

from pathlib import Path

from ..charts import STEPS

CSS_FILE = Path(__file__).resolve().parents[2] / "static" / "css" / "charts.css"
GENERATED_MARK = "/* Widths below are written by build.py from toolkit/charts.py: do not edit. */"


def width_css() -> str:
    """One class per width step; physical `width` works for RTL too, since bars are blocks."""
    return "\n".join(f".bar-w-{step} {{ width: {step}%; }}" for step in STEPS) + "\n"


def write_css(path: Path = CSS_FILE) -> Path:
    """Rewrite the generated part of charts.css (everything after GENERATED_MARK)."""
    text = path.read_text(encoding="utf-8")
    head = text.split(GENERATED_MARK)[0].rstrip("\n")
    path.write_text(f"{head}\n\n{GENERATED_MARK}\n{width_css()}", encoding="utf-8")
    return path
