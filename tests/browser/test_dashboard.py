"""The coordinator dashboard in a real browser: charts, tables, language, no script errors."""

from __future__ import annotations

import pytest

from toolkit.coordinator import create_coordinator
from toolkit.db import connect

PASSWORD = "a long demo password"


@pytest.fixture
def demo_server(tmp_path):
    from tests.browser.conftest import start_server

    server = start_server(tmp_path)
    runner = server.app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    db = connect(server.app.config["DATABASE"])
    create_coordinator(db, "asha", PASSWORD, role="admin", lang="en")
    db.conn.close()
    yield server
    server.stop()


def sign_in(page, server):
    page.goto(f"{server.url}/coordinator/login")
    page.fill("#username", "asha")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.parametrize("lang", ["en", "ne"])
def test_dashboard_shows_charts_and_tables_in_the_coordinators_language(
    demo_server, page, lang, tmp_path
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1024, "height": 900})
    sign_in(page, demo_server)
    if lang != "en":
        page.select_option("#coord-lang", lang)
        page.click("text=Change language")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("figure.chart .bars").count() >= 3
    assert page.locator("table.data").count() >= 9
    headline = page.locator(".headline strong").first.inner_text()
    assert headline and headline != "0"
    page.screenshot(path=str(tmp_path / f"dashboard-{lang}.png"), full_page=True)
    assert errors == []


def overlaps(a: dict, b: dict) -> bool:
    """Whether two boxes (x, y, width, height) share any area."""
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


BOXES = """() => [...document.querySelectorAll('.bars li')].map((li) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  return {label: box(li.querySelector('.bar-label')), bar: box(li.querySelector('.bar-line')),
          value: box(li.querySelector('.bar-value')), row: box(li)};
})"""


@pytest.mark.parametrize("lang", ["ur", "ne"])
@pytest.mark.parametrize("width, height", [(360, 780), (1366, 768)])
def test_chart_labels_never_overlap_bars_and_the_page_never_scrolls_sideways(
    demo_server, page, lang, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_server)
    page.select_option("#coord-lang", lang)
    page.click("#coord-lang ~ button")
    page.wait_for_selector(f'html[lang="{lang}"]')
    page.evaluate("document.fonts.ready")
    scroll = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll[0] <= scroll[1], f"the page scrolls sideways at {width} px: {scroll}"
    rows = page.evaluate(BOXES)
    assert len(rows) >= 10
    for row in rows:
        assert not overlaps(row["label"], row["bar"]), row
        assert row["label"]["width"] > 0 and row["value"]["width"] > 0
    # Wide tables scroll inside their own box instead.
    assert page.locator(".table-scroll").count() >= 9
    if lang == "ur":  # bars grow from the right: the value is on their left
        assert all(row["value"]["x"] < row["bar"]["x"] + row["bar"]["width"] for row in rows)
