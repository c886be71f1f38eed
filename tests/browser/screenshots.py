"""Write the README's screenshots with the same browser set-up the tests use.

python -m tests.browser.screenshots docs/screenshots

Guide pages at phone size, and the coordinator's dashboard and phones page (demo data) in Nepali and
Urdu at phone size (360 px) and laptop size (1366 × 768).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server

PHONE = {"width": 360, "height": 780}
LAPTOP = {"width": 1366, "height": 768}

# (file name, path, viewport): what a reader of the README should see of each language.
SHOTS = [
    ("guide-ne.png", "/ne/guides/ng-agent", {"width": 390, "height": 844}),
    ("guide-en.png", "/en/guides/ng-agent", {"width": 390, "height": 844}),
    ("guide-ur.png", "/ur/guides/ng-agent", {"width": 390, "height": 844}),
]
# (file name, coordinator language, path, viewport, element to scroll to): signed in, demo data.
# On a phone the dashboard is shown at a chart with hidden counts; on a laptop from the top.
COORDINATOR_SHOTS = [
    (f"{page}-{lang}-{width}.png", lang, path, viewport, anchor)
    for lang in ("ur", "ne")
    for page, path, anchors in (
        ("dashboard", "/coordinator/", {360: "#h-sessions_by_district", 1366: None}),
        ("phones", "/coordinator/facilitators", {360: "table.phones", 1366: "table.phones"}),
    )
    for (width, viewport), anchor in zip(
        ((360, PHONE), (1366, LAPTOP)), (anchors[360], anchors[1366]), strict=True
    )
]


def demo_coordinators(server) -> dict[str, tuple[str, str]]:
    """Demo data and one coordinator per language: {lang: (username, password)}."""
    from toolkit.coordinator import create_coordinator
    from toolkit.db import connect

    result = server.app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    db = connect(server.app.config["DATABASE"])
    logins = {}
    for lang in ("en", "ne", "ur"):
        logins[lang] = (f"coordinator-{lang}", "a long demo password")
        create_coordinator(db, *logins[lang], role="admin", lang=lang)
    db.conn.close()
    return logins


def sign_in(page, server, username: str, password: str) -> None:
    page.goto(f"{server.url}/coordinator/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/coordinator/")


def take(out_dir: Path, shots=SHOTS, coordinator_shots=COORDINATOR_SHOTS) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            logins = demo_coordinators(server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, path, viewport in shots:
                    context = browser.new_context(viewport=viewport, device_scale_factor=1)
                    page = context.new_page()
                    page.goto(server.url + path)
                    page.evaluate("document.fonts.ready")
                    # Show the first step's blocks, not only the title: that is what people read.
                    page.evaluate("document.getElementById('welcome')?.scrollIntoView()")
                    target = out_dir / name
                    page.screenshot(path=str(target))
                    written.append(target)
                    context.close()
                contexts = {}
                for name, lang, path, viewport, anchor in coordinator_shots:
                    if lang not in contexts:
                        contexts[lang] = browser.new_context(device_scale_factor=1)
                        sign_in(contexts[lang].new_page(), server, *logins[lang])
                    page = contexts[lang].new_page()
                    page.set_viewport_size(viewport)
                    page.goto(server.url + path)
                    page.evaluate("document.fonts.ready")
                    if anchor:
                        page.locator(anchor).first.scroll_into_view_if_needed()
                    target = out_dir / name
                    page.screenshot(path=str(target))
                    written.append(target)
                    page.close()
                for context in contexts.values():
                    context.close()
                browser.close()
        finally:
            server.stop()
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(path)
