"""Write the README's screenshots with the same browser set-up the tests use.

python -m tests.browser.screenshots docs/screenshots
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server

# (file name, path, viewport): what a reader of the README should see of each language.
SHOTS = [
    ("guide-ne.png", "/ne/guides/ng-agent", {"width": 390, "height": 844}),
    ("guide-en.png", "/en/guides/ng-agent", {"width": 390, "height": 844}),
    ("guide-ur.png", "/ur/guides/ng-agent", {"width": 390, "height": 844}),
]


def take(out_dir: Path, shots=SHOTS) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
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
                browser.close()
        finally:
            server.stop()
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(path)
