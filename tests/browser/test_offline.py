"""The offline app in Chromium: a first visit saves a language; offline, everything saved opens with no
request to the server; anything else shows the offline page in its language; updates wait for the
user and never land in facilitator mode.

The server logs every request it receives (WSGI middleware), so "the server saw nothing" is checked
where it happens, not inferred from the browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from .conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CONTROLLED,
    READY,
    LoggedServer,
    precached_app,
    translated,
)
from .conftest import OFFLINE_TIMEOUT as TIMEOUT

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def server(tmp_path):
    live = LoggedServer(precached_app(tmp_path, ROOT / "content", tmp_path / "build")).start()
    yield live
    live.stop()


def pages_of(app, lang: str) -> dict[str, str]:
    """URL → the heading it must show: every guide and runner page of `lang`, the log and enrol pages.

    Found from the content library and the URL map, independently of toolkit.precache."""
    library = app.extensions["toolkit.library"]
    pages = {}
    with app.test_request_context():
        for guide, _fallback in library.for_language(lang):
            pages[url_for("guides.guide", lang=lang, slug=guide.slug)] = guide.title
            if "runner.run" in app.view_functions:
                pages[url_for("runner.run", lang=lang, slug=guide.slug)] = guide.title
        for endpoint in ("logbook.log", "logbook.enrol"):
            if endpoint in app.view_functions:
                pages[url_for(endpoint, lang=lang)] = None
    return pages


def make_ready(page: Page, server, lang: str) -> None:
    """Open `/<lang>/` and wait until the worker controls the page and says the language is saved."""
    page.goto(f"{server.url}/{lang}/")
    page.evaluate(CONTROLLED)
    page.wait_for_selector(READY, timeout=TIMEOUT)


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_every_page_of_a_language_opens_offline_without_the_server(server, page: Page, lang):
    make_ready(page, server, lang)
    pages = pages_of(server.app, lang)
    assert len(pages) > 20
    offline_title = translated(server.app, lang, "You are offline")
    page.context.set_offline(True)
    server.requests.clear()
    for url, title in pages.items():
        page.goto(server.url + url)
        heading = page.locator("h1").first
        if title is None:  # log and enrol: their own page, not the offline page
            expect(heading).not_to_have_text(offline_title)
        else:
            expect(heading).to_have_text(title)
        assert page.evaluate("document.documentElement.lang") in (lang, "en")
    # A log opened by its id is served from the log page's shell.
    if "logbook.log" in server.app.view_functions:
        page.goto(f"{server.url}/{lang}/log/0b6f2a2e-6a3b-4c1e-9d5f-2f1e0c9a7b11")
        expect(page.locator("h1").first).not_to_have_text(offline_title)
    assert server.requests == []


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_an_unsaved_page_offline_shows_the_offline_page_in_its_language(server, page: Page, lang):
    make_ready(page, server, lang)
    page.context.set_offline(True)
    page.goto(f"{server.url}/{lang}/guides/lw-our-work/handout.pdf")
    expect(page.locator("h1")).to_have_text(translated(server.app, lang, "You are offline"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    # A link in the other language, opened offline, says so in that language.
    other = "ur" if lang == "ne" else "ne"
    page.goto(f"{server.url}/{other}/guides/lw-our-work")
    expect(page.locator("h1")).to_have_text(translated(server.app, other, "You are offline"))


def test_offline_the_root_opens_the_last_language_used(server, page: Page):
    make_ready(page, server, "ne")
    make_ready(page, server, "ur")
    context = page.context
    page.goto(server.url + "/")  # online: the server's redirect (by cookie), which is never cached
    assert page.url == f"{server.url}/ur/"
    page.goto(f"{server.url}/ne/")
    context.set_offline(True)
    page.goto(server.url + "/")
    assert page.url == f"{server.url}/ne/"
    expect(page.locator(READY)).to_be_visible()
    context.set_offline(False)
    page.goto(f"{server.url}/ur/guides/ng-agent")
    context.set_offline(True)
    page.goto(server.url + "/")
    assert page.url == f"{server.url}/ur/"


def test_home_page_shows_versions_storage_and_the_persist_answer(server, page: Page):
    make_ready(page, server, "ne")
    status = page.locator("[data-offline]")
    expect(status.locator("[data-offline-state]")).to_have_text(
        translated(
            server.app, "ne", "Ready offline: every guide in this language is saved on this phone."
        )
    )
    expect(status.locator("[data-storage-estimate]")).to_contain_text("MB")
    persist = status.locator("[data-storage-persist]")
    expect(persist).to_have_attribute("data-persisted", "false")  # headless Chromium's answer
    expect(persist).not_to_be_empty()
    library = server.app.extensions["toolkit.library"]
    expect(status.locator(".versions")).to_contain_text(library.version[:8])


def test_keep_other_languages_offline(server, page: Page):
    make_ready(page, server, "ne")
    page.locator("[data-keep-others]").click()
    expect(page.locator("[data-keep-state]")).to_have_text(
        translated(server.app, "ne", "The other languages are saved on this phone too."),
        timeout=TIMEOUT,
    )
    page.context.set_offline(True)
    server.requests.clear()
    title = server.app.extensions["toolkit.library"].get("ur", "ng-agent")[0].title
    page.goto(f"{server.url}/ur/guides/ng-agent/run")
    expect(page.locator("h1").first).to_have_text(title)
    assert server.requests == []


def test_the_worker_never_answers_a_post_from_its_cache(server, page: Page):
    make_ready(page, server, "ne")
    status = page.evaluate(
        "fetch('/ne/guides/lw-our-work', {method: 'POST'}).then((r) => r.status)"
    )
    assert status == 405  # the server's answer, not the saved page
    assert "POST /ne/guides/lw-our-work" in server.requests


def test_installable_in_chromium(server, browser, tmp_path):
    """Chromium's own installability check (a persistent profile: incognito cannot install)."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    try:
        page = context.new_page()
        make_ready(page, server, "ne")
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert [error["errorId"] for error in errors] == []
        manifest = session.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest?lang=ne")
        assert manifest["errors"] == []
    finally:
        context.close()


def edit_summary(path: Path, marker: str) -> None:
    """Append `marker` to a guide's summary (front matter), keeping the file valid."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
    value = lines[index].split(":", 1)[1].strip().strip("\"'")
    lines[index] = f'summary: "{value} {marker}"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def waiting_worker(page: Page) -> bool:
    return page.evaluate(
        "navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.waiting))"
    )


def test_update_waits_for_the_user_and_never_lands_in_facilitator_mode(tmp_path, page: Page):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    first = LoggedServer(precached_app(tmp_path, content, tmp_path / "build-1")).start()
    port = first.server.server_port
    guide_url = f"{first.url}/ne/guides/lw-our-work"
    make_ready(page, first, "ne")
    page.goto(guide_url)
    expect(page.locator("[data-update-banner]")).to_be_hidden()  # nothing new yet
    summary = page.locator(".lead")
    old_summary = summary.inner_text()

    marker = "UPDATED-4242"
    edit_summary(content / "ne" / "lw-our-work.md", marker)
    first.stop()
    second = LoggedServer(precached_app(tmp_path, content, tmp_path / "build-2"), port=port).start()
    try:
        banner = page.locator("[data-update-banner]")
        page.reload()
        expect(summary).to_have_text(old_summary)  # the saved page opens first, cache first
        expect(banner).to_be_visible(timeout=TIMEOUT)
        expect(banner).to_contain_text(translated(second.app, "ne", "Update available"))

        # Facilitator mode open in another tab: no banner there, and the worker refuses to switch.
        runner = page.context.new_page()
        runner.goto(guide_url + "/run")
        runner.evaluate("window.stillTheSamePage = true")
        runner.wait_for_timeout(500)
        expect(runner.locator("[data-update-banner]")).to_be_hidden()
        page.locator("[data-update-apply]").click()
        expect(page.locator("[data-update-note]")).to_have_text(
            translated(
                second.app,
                "ne",
                "Finish facilitator mode first: the update is applied after the session.",
            )
        )
        assert waiting_worker(page)
        assert runner.evaluate("window.stillTheSamePage === true")
        runner.close()

        # A session in progress (runner.js keeps it in localStorage) also holds the update back.
        page.evaluate(
            """localStorage.setItem("toolkit.runner.session",
                 JSON.stringify({v: 1, guide: "lw-our-work"}))"""
        )
        page.reload()
        expect(page.locator("[data-update-note]")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("[data-update-apply]")).to_be_hidden()
        page.evaluate("localStorage.removeItem('toolkit.runner.session')")

        # Facilitator mode closed: apply, the page reloads itself and shows the new text.
        page.reload()
        expect(page.locator("[data-update-apply]")).to_be_visible(timeout=TIMEOUT)
        with page.expect_navigation():
            page.locator("[data-update-apply]").click()
        expect(summary).to_contain_text(marker)
        expect(banner).to_be_hidden()
        assert not waiting_worker(page)
        caches = page.evaluate("caches.keys()")
        assert len([name for name in caches if name.startswith("toolkit-pack-")]) == 1
    finally:
        second.stop()
