"""'Keep materials offline' in Chromium: a guide's cards and boards PDF, kept on request, opens with no
server; it is not part of the language's offline pack (whose size budget holds)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import CONTROLLED, LoggedServer, precached_app, translated
from .conftest import OFFLINE_TIMEOUT as TIMEOUT

ROOT = Path(__file__).resolve().parent.parent.parent
PDF = "/ne/guides/ng-agent/materials.pdf"
FETCH = """(url) => fetch(url).then(async (r) => [r.status, r.headers.get('Content-Type'),
  new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))])"""


def test_kept_materials_open_offline_and_stay_out_of_the_pack(tmp_path, page: Page):
    app = precached_app(tmp_path, ROOT / "content", tmp_path / "build")
    pack = json.loads((tmp_path / "build" / "precache" / "ne.json").read_text())
    assert not any("materials.pdf" in json.dumps(entry) for entry in pack)
    server = LoggedServer(app).start()
    try:
        page.goto(f"{server.url}/ne/guides/ng-agent")
        page.evaluate(CONTROLLED)
        expect(page.locator("[data-materials-pdf]")).to_have_attribute("href", PDF)
        button = page.locator("[data-keep-download]")
        expect(button).to_have_text(translated(app, "ne", "Keep materials offline"))
        button.click()
        kept = translated(app, "ne", "Cards and boards are kept on this phone.")
        expect(page.locator("[data-keep-download-state]")).to_have_text(kept, timeout=TIMEOUT)
        expect(button).to_be_hidden()

        page.context.set_offline(True)
        server.requests.clear()
        assert page.evaluate(FETCH, PDF) == [200, "application/pdf", "%PDF-"]
        assert server.requests == []
        # A guide whose materials were not kept is not there offline.
        other = page.evaluate(
            "(url) => fetch(url).then((r) => r.status, () => 'failed')",
            "/ne/guides/ng-family/materials.pdf",
        )
        assert other == "failed"

        # The choice survives a reload: the button stays hidden and says the PDF is kept.
        page.context.set_offline(False)
        page.reload()
        expect(page.locator("[data-keep-download-state]")).to_have_text(kept, timeout=TIMEOUT)
    finally:
        server.stop()
