"""Charts are HTML and CSS built from the tables beside them: shaped labels, every row, no inline style."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.helpers import add_log, login
from toolkit.build.chart_css import CSS_FILE, GENERATED_MARK, width_css
from toolkit.charts import bar_chart, width_step
from toolkit.db import connect
from toolkit.reports import Table, suppress
from toolkit.security import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parent.parent


def table(counts: dict[str, int]) -> Table:
    rows = list(counts)
    return suppress(Table("t", "Guide", rows, [""], {(r, ""): n for r, n in counts.items()}))


def test_every_row_is_a_bar_and_a_hidden_count_is_a_marked_bar():
    chart = bar_chart("Sessions by guide", table({"a": 12, "b": 3, "c": 6}), label=str.upper)
    assert [bar.label for bar in chart.bars] == ["A", "B", "C"]  # none left out
    assert [(bar.shown, bar.suppressed) for bar in chart.bars] == [
        ("12", False),
        ("<5", True),
        ("<5", True),  # hidden too, or the total would give "b" away
    ]
    assert chart.bars[0].width == 100 and chart.has_suppressed
    # A hidden bar reaches at most as far as threshold - 1 could: never further than a shown 12.
    assert chart.bars[1].width == width_step(4, 12)


def test_a_chart_of_only_hidden_counts_still_shows_every_row():
    chart = bar_chart("t", table({"a": 2, "b": 1}))
    assert [bar.shown for bar in chart.bars] == ["<5", "<5"]
    assert bar_chart("t", table({})) is None


def test_widths_are_never_invisible_and_never_past_the_chart():
    assert width_step(1, 10_000) == 1
    assert width_step(10, 10) == 100
    assert width_step(0, 10) == 0


def test_chart_widths_in_the_stylesheet_are_the_ones_charts_py_uses():
    text = CSS_FILE.read_text(encoding="utf-8")
    assert text.split(GENERATED_MARK)[1].strip() == width_css().strip(), "run python build.py"


def test_pages_allow_no_inline_style_or_script_and_pygal_is_gone():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert not [d for d in project["project"]["dependencies"] if d.lower().startswith("pygal")]


def report_html(app, client, monkeypatch, lang: str) -> str:
    from toolkit import pdf

    db = connect(app.config["DATABASE"])
    db["coordinators"].update(next(db["coordinators"].rows)["id"], {"lang": lang})
    db.conn.close()
    captured = []
    monkeypatch.setattr(pdf, "write_pdf", lambda html, **kw: captured.append(html) or b"%PDF")
    assert client.get("/coordinator/export/report.pdf").status_code == 200
    return captured[0]


def test_report_chart_labels_are_html_text_not_svg_text(app, client, coordinator, monkeypatch):
    for _ in range(6):
        add_log(app.config["DATABASE"], district="Sialkot", guide="ng-agent")
    add_log(app.config["DATABASE"], district="Okara", guide="ko-papers")
    login(client)
    for lang, district in (("ur", "سیالکوٹ"), ("ne", "सियालकोट")):
        html = report_html(app, client, monkeypatch, lang)
        charts = re.findall(r'<figure class="chart">.*?</figure>', html, re.S)
        assert charts, lang
        assert not any("<svg" in chart or "<text" in chart for chart in charts)
        labels = [
            label for chart in charts for label in re.findall(r'class="bar-label">([^<]*)<', chart)
        ]
        assert district in labels, labels
        assert "style=" not in html.split("<body")[1]  # widths are classes, not inline styles
        # The one-session district is in the chart as a marked row, in the language's digits.
        hidden = re.findall(r'<li class="bar-suppressed">.*?bar-value">([^<]*)<', html, re.S)
        assert hidden and set(hidden) == {"&lt;" + ("۵" if lang == "ur" else "५")}
