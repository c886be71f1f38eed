"""Spoken scripts end to end in Chromium: record with the fake microphone, approve, keep offline, play.

A recorder records two say blocks on /coordinator/audio/<lang>/<slug> (Chromium's fake microphone,
MediaRecorder), an admin approves both; a phone keeps the guide's audio offline, goes offline, plays a
block in facilitator mode (the media element's time advances) and seeks in it, answered from the service
worker's cache with byte ranges. Then the block's text is edited and the server restarted on the new
content: the recording page says the text changed, and phones no longer get that recording.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, Page, expect, sync_playwright

from toolkit import audio
from toolkit.coordinator import create_coordinator
from toolkit.db import connect

from .conftest import CHROMIUM, CHROMIUM_ARGS, CONTROLLED, READY, LoggedServer, precached_app
from .conftest import OFFLINE_TIMEOUT as TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long recording password"
GUIDE = "lw-our-work"
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# Every call to getUserMedia on a page, counted: facilitator mode must never make one.
COUNT_MICROPHONE = """
window.__microphone = 0;
if (navigator.mediaDevices) {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (...args) => { window.__microphone += 1; return original(...args); };
}
"""
PLAYED_PAST = """([seconds]) => new Promise((resolve) => {
  const audio = document.querySelector(".run-step:not([hidden]) .say-audio audio");
  const check = () => (audio.currentTime > seconds ? resolve(audio.currentTime) : setTimeout(check, 50));
  check();
})"""
SEEK_TO = """([seconds]) => new Promise((resolve) => {
  const audio = document.querySelector(".run-step:not([hidden]) .say-audio audio");
  audio.addEventListener("seeked", () => resolve(audio.currentTime), { once: true });
  audio.currentTime = seconds;
})"""


@pytest.fixture(scope="module")
def chromium() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MICROPHONE
        )
        yield browser
        browser.close()


def ui(app, lang: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


def sign_in(page: Page, server, username: str) -> None:
    page.goto(f"{server.url}/coordinator/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/coordinator/**")


def record(page: Page, slot: str, app, lang: str) -> None:
    """Record about two seconds of the fake microphone for one block, listen, upload."""
    section = page.locator(f'[data-slot="{slot}"]')
    section.get_by_role("button", name=ui(app, lang, "Record"), exact=True).click()
    expect(section.locator(".recorder-time")).to_have_text("0:02", timeout=10_000)
    section.get_by_role("button", name=ui(app, lang, "Stop")).click()
    expect(section.locator(".recorder-preview")).to_be_visible()
    with page.expect_navigation():  # a stored take reloads the page with its state
        section.get_by_role("button", name=ui(app, lang, "Upload"), exact=True).click()
    waiting = ui(app, lang, "Recorded: waiting for an admin to approve it.")
    expect(page.locator(f'[data-slot="{slot}"] .audio-state')).to_have_text(waiting)


def start_app(tmp_path: Path, content: Path):
    return precached_app(tmp_path, content, tmp_path / "build")


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_record_approve_keep_offline_play_seek_and_stale_after_an_edit(
    chromium: Browser, tmp_path, lang
):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    app = start_app(tmp_path, content)
    db = connect(app.config["DATABASE"])
    create_coordinator(db, "rekha", PASSWORD, role="recorder", lang=lang)
    create_coordinator(db, "asha", PASSWORD, role="admin", lang=lang)
    db.conn.close()
    guide = app.extensions["toolkit.library"].guides[(lang, GUIDE)]
    blocks = audio.say_blocks(guide)[:2]
    server = LoggedServer(app).start()
    port = server.server.server_port
    shots = tmp_path / "screenshots"  # docs/screenshots/audio-*.png are copies of these
    shots.mkdir()
    try:
        # A recorder records two blocks; she sees nothing of the coordinator area but the audio pages.
        recorder = chromium.new_context(viewport={"width": 1000, "height": 900})
        page = recorder.new_page()
        sign_in(page, server, "rekha")
        expect(page).to_have_url(f"{server.url}/coordinator/audio/")
        assert page.request.get(f"{server.url}/coordinator/facilitators").status == 403
        page.goto(f"{server.url}/coordinator/audio/{lang}/{GUIDE}")
        for block in blocks:
            record(page, block.slot, app, lang)
        recorder.close()

        # An admin listens and approves both.
        admin = chromium.new_context(viewport={"width": 1000, "height": 900})
        page = admin.new_page()
        sign_in(page, server, "asha")
        page.goto(f"{server.url}/coordinator/audio/{lang}/{GUIDE}")
        for block in blocks:
            section = page.locator(f'[data-slot="{block.slot}"]')
            with page.expect_navigation():
                section.get_by_role("button", name=ui(app, lang, "Approve")).click()
            approved = ui(app, lang, "Approved: phones play this recording.")
            expect(page.locator(f'[data-slot="{block.slot}"] .audio-state')).to_have_text(approved)
        page.locator(f'[data-slot="{blocks[0].slot}"]').scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"audio-recording-{lang}.png"))

        # A phone keeps the guide's audio offline.
        phone = chromium.new_context(viewport={"width": 360, "height": 640})
        phone.add_init_script(COUNT_MICROPHONE)
        page = phone.new_page()
        page.goto(f"{server.url}/{lang}/")
        page.evaluate(CONTROLLED)
        page.wait_for_selector(READY, timeout=TIMEOUT)
        page.goto(f"{server.url}/{lang}/guides/{GUIDE}")
        manifest = page.request.get(f"{server.url}/{lang}/guides/{GUIDE}/audio.json").json()
        assert set(manifest["clips"]) == {block.hash for block in blocks}
        first_clip = manifest["clips"][blocks[0].hash]["url"]
        assert manifest["bytes"] <= 2 * 3 * 180 * 1024 / 60 + 4096  # ≤ 180 KB a minute, ~2-3 s each
        keep = page.locator('[data-action="keep-audio"]')
        expect(keep).to_contain_text(
            ui(app, lang, "Keep audio for this guide offline (%(size)s)", size="")[:-2]
        )
        keep.click()
        expect(page.locator("[data-audio-offline]")).to_have_attribute(
            "data-kept", "true", timeout=TIMEOUT
        )
        expect(page.locator(".audio-storage")).not_to_be_empty()
        served_before = len(server.requests)

        # Offline, in facilitator mode: Listen plays the block from the cache, and seeking works.
        phone.set_offline(True)
        page.goto(f"{server.url}/{lang}/guides/{GUIDE}/run")
        page.locator('[data-action="start"]').click()
        listen = page.locator(".run-step:not([hidden]) .say-play").first
        expect(listen).to_have_text(ui(app, lang, "Listen"))
        box = listen.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a large tap target
        assert page.evaluate("document.querySelector('.say-audio audio').paused")  # never autoplays
        listen.click()
        assert page.evaluate(PLAYED_PAST, [1.0]) > 1.0  # the media element's time advances
        expect(listen).to_have_text(ui(app, lang, "Pause"))
        # Lock-screen controls name the step and the guide (Media Session).
        metadata = page.evaluate(
            "[navigator.mediaSession.metadata.title, navigator.mediaSession.metadata.artist]"
        )
        assert metadata == [guide.steps[0].title, guide.title]
        duration = page.evaluate(
            "document.querySelector('.run-step:not([hidden]) .say-audio audio').duration"
        )
        assert 1.5 < duration < 10  # the Duration written on upload: a finite, seekable file
        assert page.evaluate(SEEK_TO, [0.3]) == pytest.approx(0.3, abs=0.25)
        assert page.evaluate(PLAYED_PAST, [0.8]) > 0.8  # it plays on from where she moved it
        page.screenshot(path=str(shots / f"audio-runner-{lang}.png"))
        assert page.evaluate("window.__microphone") == 0  # sessions are never recorded
        later = server.requests[served_before:]
        assert not [r for r in later if "/audio" in r or r.endswith("/run")]  # all from the phone
        phone.set_offline(False)
        admin.close()

        # The text of the first block changes (a new content release): its recording goes quiet.
        server.stop()
        path = content / lang / f"{GUIDE}.md"
        path.write_text(
            path.read_text("utf-8").replace(blocks[0].text, blocks[0].text + " ।"), "utf-8"
        )
        app = start_app(tmp_path, content)
        server = LoggedServer(app, port=port).start()
        admin = chromium.new_context(viewport={"width": 1000, "height": 900})
        page = admin.new_page()
        sign_in(page, server, "asha")
        page.goto(f"{server.url}/coordinator/audio/{lang}/{GUIDE}")
        stale = ui(
            app,
            lang,
            "Text changed since recording: phones no longer get it. Record it again, or an admin keeps it.",
        )
        expect(page.locator(f'[data-slot="{blocks[0].slot}"] .audio-state')).to_have_text(stale)
        manifest = page.request.get(f"{server.url}/{lang}/guides/{GUIDE}/audio.json").json()
        assert set(manifest["clips"]) == {blocks[1].hash}
        assert page.request.get(server.url + first_clip).status == 404  # not served any more
        admin.close()
        phone.close()
    finally:
        server.stop()
