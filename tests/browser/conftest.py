"""Browser fixtures and helpers: a real server on 127.0.0.1, Debian's Chromium driven by Playwright,
and the steps several test modules (and the benches) share, so no test module imports another.

Never `playwright install`: the browser is /usr/bin/chromium from Debian's package.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.helpers import new_app
from toolkit.build.offline_pack import write_precache
from toolkit.db import connect
from toolkit.enrolment import create_facilitator, issue_code

CHROMIUM = "/usr/bin/chromium"
# Chromium's background services try to reach Google; this machine has no such network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    """The toolkit served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_server(tmp_path, **config) -> LiveServer:
    return LiveServer(new_app(tmp_path, **config)).start()


# --- the offline app: a service worker with its precache manifest ----------------------------------

OFFLINE_TIMEOUT = 60_000  # installing a language fetches ~40 files; CI machines are slow and shared
READY = "[data-offline][data-state=ready]"
# (wait_for_function evaluates strings, which the pages' CSP forbids; evaluate awaits a promise.)
CONTROLLED = """navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
  || new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve)))
  .then(() => true)"""


class LoggedServer(LiveServer):
    """The toolkit on 127.0.0.1 (on a chosen port, so a restart keeps the origin and its worker),
    recording the path of every request it receives."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.requests: list[str] = []
        inner = app.wsgi_app

        def logged(environ, start_response):
            self.requests.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            return inner(environ, start_response)

        app.wsgi_app = logged
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


def precached_app(folder: Path, content_dir: Path, build_dir: Path, **config):
    """An app on `content_dir`, with the precache manifest built into `build_dir` (as build.py does).

    Made again on the same `folder`, it keeps the database (a restart after a content release)."""
    app = new_app(folder, CONTENT_DIR=str(content_dir), BUILD_DIR=str(build_dir), **config)
    write_precache(app)
    return app


def translated(app, lang: str, message: str) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return gettext(message)


# --- the phone's logbook ------------------------------------------------------------------------


def rows(server, sql="SELECT * FROM session_logs", params=()):
    """What the server stored, read from its SQLite file."""
    conn = sqlite3.connect(server.app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def new_code(server, name="Asha Facilitator", country="NP") -> str:
    """A facilitator and a one-time code, as a coordinator would make them."""
    db = connect(server.app.config["DATABASE"])
    try:
        facilitator = create_facilitator(db, name, country)
        code, _expires = issue_code(db, facilitator["id"])
    finally:
        db.conn.close()
    return code


def enrol(page: Page, server, lang="en", name="Asha Facilitator", country="NP") -> None:
    """Enrol the phone through the enrol page, the code prefilled from #code= (the QR code's link)."""
    code = new_code(server, name, country)
    page.goto(f"{server.url}/{lang}/enrol#code={code}")
    expect(page.locator("#enrol-code")).to_have_value(code)
    page.locator("[data-enrol-form] button[type=submit]").click()
    expect(page.locator("[data-enrol]")).to_have_attribute("data-enrolled", "true")
    expect(page.locator("[data-enrol-message]")).to_contain_text(name)


def open_logbook(page: Page, server, lang="en", query="") -> None:
    page.goto(f"{server.url}/{lang}/log{query}")
    expect(page.locator("[data-logbook]")).to_have_attribute("data-ready", "true")


def fill_log(page: Page, participants="12", notes="", guide="ng-agent", district=None) -> None:
    page.select_option("#f-guide", guide)
    page.fill("#f-minutes", "75")
    if district:
        page.select_option("#f-district", district)
    else:
        page.select_option("#f-district", index=1)
    page.select_option("#f-venue_type", "community-hall")
    page.fill("#f-participants", participants)
    page.locator("input[name=steps_done][value=welcome]").check()
    page.locator("input[name=themes][value=wages]").check()
    page.fill("#f-notes", notes)


def save(page: Page) -> None:
    before = page.locator("[data-log-list] [data-log-id]").count()
    page.locator("[data-save]").click()
    expect(page.locator("[data-log-list] [data-log-id]")).to_have_count(before + 1)


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh profile (context) per test, sized like a cheap Android phone."""
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def errors(page: Page):
    """Uncaught script errors on the page: every test that asks for it ends with none."""
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(str(error)))
    yield found
    assert found == []
