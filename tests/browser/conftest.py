"""Browser fixtures: a real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Never `playwright install`: the browser is /usr/bin/chromium from Debian's package.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from toolkit import create_app
from toolkit.db import init_db

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
    database = str(tmp_path / "live.sqlite")
    init_db(database)
    app = create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "test", **config})
    return LiveServer(app).start()


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
