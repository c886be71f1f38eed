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
    assert page.locator("figure.chart svg").count() >= 3
    assert page.locator("table.data").count() >= 9
    headline = page.locator(".headline strong").first.inner_text()
    assert headline and headline != "0"
    page.screenshot(path=str(tmp_path / f"dashboard-{lang}.png"), full_page=True)
    assert errors == []
