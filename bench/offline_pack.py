"""Bytes transferred to make one language fully offline, against the 400 KB budget (DESIGN.md).

    .venv/bin/python bench/offline_pack.py [--lang ne --lang ur ...]

For each language: a fresh browser profile (Playwright context on Debian's Chromium) opens `/<lang>/`
on a server on 127.0.0.1 and waits until the home page says "ready offline" (the service worker has
saved every guide, runner, log and enrol page of that language, its fonts and scripts). Every byte of
response body the server sends meanwhile is counted as it leaves the app, encoded (gzip) as on the
wire: the page's own requests and the worker's. Then, offline, one runner page must still open.

Then the same on a throttled link (default 40 KB/s shared by every response, 300 ms before each
response's first byte, as on a poor mobile connection): the time until "ready offline", as a ratio
to the floor of pack bytes ÷ bandwidth (no install can be faster than its bytes on that link).

Prints `measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
1 KB = 1,000 bytes (the stricter reading of the budget).

    .venv/bin/python bench/offline_pack.py --lang ur --throttle 40,300
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from toolkit.build.offline_pack import write_precache  # noqa: E402
from toolkit.languages import LANGUAGES  # noqa: E402

BUDGET_BYTES = 400_000
# Time to ready on a throttled link, as a multiple of bytes ÷ bandwidth: latency and request
# overhead on top of the bytes may cost at most half as much again.
BUDGET_TIME_RATIO = 1.5
READY_TIMEOUT_MS = 120_000
QUIET_SECONDS = 1.0  # after "ready", wait this long with no request before reading the count


class ByteCounter:
    """WSGI middleware: counts requests and the response body bytes the app hands to the server."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.body_bytes = 0
            self.encodings: dict[str, int] = {}
            self.by_url: dict[str, int] = {}
            self.last_request = time.monotonic()

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            encoding = dict((k.lower(), v) for k, v in headers).get("content-encoding", "identity")
            with self.lock:
                self.requests += 1
                self.encodings[encoding] = self.encodings.get(encoding, 0) + 1
                self.last_request = time.monotonic()
            return start_response(status, headers, exc_info)

        url = environ.get("PATH_INFO", "")
        body = self.app(environ, start)
        try:
            for chunk in body:
                with self.lock:
                    self.body_bytes += len(chunk)
                    self.by_url[url] = self.by_url.get(url, 0) + len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()


class Throttle:
    """WSGI middleware: one shared link of `rate` bytes/s, and `latency` s before each first byte."""

    def __init__(self, app, rate: float, latency: float):
        self.app, self.rate, self.latency = app, rate, latency
        self.lock = threading.Lock()
        self.next_free = 0.0
        self.enabled = False

    def __call__(self, environ, start_response):
        body = self.app(environ, start_response)
        if not self.enabled:
            yield from body
            return
        time.sleep(self.latency)
        try:
            for chunk in body:
                with self.lock:  # the bytes queue on the one link, whoever asked for them
                    self.next_free = max(time.monotonic(), self.next_free) + len(chunk) / self.rate
                    ready_at = self.next_free
                time.sleep(max(0.0, ready_at - time.monotonic()))
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()


def measure(browser, server, counter: ByteCounter, lang: str) -> dict:
    """Bytes sent to a fresh profile until `/<lang>/` reports ready offline; then check offline."""
    context = browser.new_context(viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        counter.reset()
        started = time.monotonic()
        page.goto(f"{server.url}/{lang}/")
        page.wait_for_selector("[data-offline][data-state=ready]", timeout=READY_TIMEOUT_MS)
        seconds = time.monotonic() - started
        while time.monotonic() - counter.last_request < QUIET_SECONDS:
            time.sleep(0.2)
        with counter.lock:
            result = {
                "bytes": counter.body_bytes,
                "requests": counter.requests,
                "encodings": dict(counter.encodings),
                "by_url": dict(counter.by_url),
                "seconds": seconds,
            }
        context.set_offline(True)
        runner_link = page.locator(".guide-card a").first.get_attribute("href") + "/run"
        page.goto(server.url + runner_link)
        result["offline_ok"] = page.locator("[data-runner] h1").count() == 1
        return result
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="list the bytes of every URL")
    parser.add_argument(
        "--lang", action="append", choices=list(LANGUAGES), help="language(s); default: all"
    )
    parser.add_argument(
        "--throttle",
        default="40,300",
        help="KB/s,ms of the slow link for time to ready (default 40,300); 'off' to skip",
    )
    args = parser.parse_args()
    langs = args.lang or list(LANGUAGES)
    throttle = None if args.throttle == "off" else [float(x) for x in args.throttle.split(",")]
    failures = 0
    slow: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), BUILD_DIR=str(Path(tmp) / "build"))
        try:
            write_precache(server.app)
            counter = ByteCounter(server.app.wsgi_app)
            link = Throttle(
                counter, rate=(throttle or [40])[0] * 1000, latency=(throttle or [0, 0])[1] / 1000
            )
            server.app.wsgi_app = link
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                results = {lang: measure(browser, server, counter, lang) for lang in langs}
                if throttle:
                    link.enabled = True
                    slow = {lang: measure(browser, server, counter, lang) for lang in langs}
                    link.enabled = False
                browser.close()
        finally:
            server.stop()
    print("measure | figure | budget | ratio | pass/fail")
    for lang, result in results.items():
        ratio = result["bytes"] / BUDGET_BYTES
        passed = ratio <= 1 and result["offline_ok"]
        failures += not passed
        print(
            f"offline pack {lang}: bytes transferred | {result['bytes']:,} B "
            f"({result['bytes'] / 1000:.0f} KB, {result['requests']} requests) | "
            f"{BUDGET_BYTES // 1000} KB | {ratio:.2f} | {'pass' if passed else 'FAIL'}"
        )
        encodings = ", ".join(
            f"{name} {count}" for name, count in sorted(result["encodings"].items())
        )
        print(
            f"  {lang}: ready offline in {result['seconds']:.1f} s; encodings: {encodings}; "
            f"runner page offline: {'opens' if result['offline_ok'] else 'DOES NOT OPEN'}"
        )
        if args.detail:
            for url, size in sorted(result["by_url"].items(), key=lambda item: -item[1]):
                print(f"    {size:>9,} B  {url}")
    for lang, result in slow.items():
        floor = result["bytes"] / (throttle[0] * 1000)
        ratio = result["seconds"] / floor
        passed = ratio <= BUDGET_TIME_RATIO and result["offline_ok"]
        failures += not passed
        print(
            f"time to ready {lang} at {throttle[0]:g} KB/s, {throttle[1]:g} ms | "
            f"{result['seconds']:.1f} s (floor {floor:.1f} s = {result['bytes'] / 1000:.0f} KB "
            f"÷ {throttle[0]:g} KB/s) | {BUDGET_TIME_RATIO}× floor | {ratio:.2f} | "
            f"{'pass' if passed else 'FAIL'}"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
