"""The server under anonymous load, against a real gunicorn with gunicorn.conf.py and 2 workers
(issue #19, class 9): uncached PDFs are rendered once per cache key with bounded concurrency, other
visitors are told to come back (503 + Retry-After), and health and sync keep answering meanwhile;
clients that trickle their headers do not hold every worker.

The PDF cache is an empty folder here, so every PDF is a miss (as after a content change before
build.py ran, or an A5 size nobody asked for yet).
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from toolkit.db import init_db
from toolkit.languages import native_digits

from .conftest import Server, enrol_phone, make_log

HEALTH_BUDGET = 2.0  # seconds: a phone's sync gives up long after this; health must stay quick


@pytest.fixture(scope="module")
def busy(tmp_path_factory) -> Server:
    directory = tmp_path_factory.mktemp("limits")
    database = str(directory / "limits.sqlite")
    init_db(database)
    server = Server(directory, database, workers=2)
    server.start(PDF_CACHE_DIR=str(directory / "pdf-cache"))
    server.token = enrol_phone(database)
    server.cache = directory / "pdf-cache"
    yield server
    server.kill()


def timed(server: Server, method: str, path: str, **kwargs) -> tuple[float, int, dict, bytes]:
    began = time.monotonic()
    status, headers, body = server.fetch(method, path, timeout=120, **kwargs)
    return time.monotonic() - began, status, headers, body


def watch_health(server: Server, stop: threading.Event, seconds: list[float]) -> None:
    """Ask /api/v1/health again and again until `stop`, noting how long each answer took."""
    while not stop.is_set():
        took, status, _, _ = timed(server, "GET", "/api/v1/health")
        assert status == 200
        seconds.append(took)
        time.sleep(0.05)


PREPARED = {
    "en": "This PDF is being prepared.",
    "ne": "यो PDF तयार हुँदैछ।",
    "ur": "یہ PDF تیار ہو رہی ہے۔",
}


def assert_being_prepared(status: int, headers, body: bytes, lang: str) -> None:
    """503, Retry-After, and the message in the page's language with the same wait in its digits."""
    assert status == 503
    seconds = headers["Retry-After"]
    assert int(seconds) > 0
    assert (
        body.decode().startswith(PREPARED[lang]) and native_digits(seconds, lang) in body.decode()
    )


def test_one_uncached_handout_asked_by_many_is_rendered_once(busy):
    path = "/ne/guides/ng-agent/handout.pdf?size=a5"
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: timed(busy, "GET", path), range(6)))
    statuses = sorted(status for _, status, _, _ in answers)
    # One request renders it (and gets it); the others, arriving during that render, are told to
    # come back instead of rendering it again.
    assert set(statuses) <= {200, 503} and 200 in statuses, statuses
    assert statuses.count(503) >= 3, statuses
    for _, status, headers, body in answers:
        if status == 503:
            assert_being_prepared(status, headers, body, "ne")
    # Rendered once: one file for it in the cache, and now it is simply served.
    assert len(list((busy.cache / "ne").glob("handout.ng-agent.a5.*.pdf"))) == 1
    took, status, _, body = timed(busy, "GET", path)
    assert status == 200 and body.startswith(b"%PDF") and took < HEALTH_BUDGET


def test_six_parallel_urdu_booklets_leave_health_and_sync_responsive(busy):
    """The penetration test's attack: six anonymous /ur/booklet.pdf?size=a5 at once."""
    stop = threading.Event()
    health: list[float] = []
    watcher = threading.Thread(target=watch_health, args=(busy, stop, health), daemon=True)
    watcher.start()
    pool = ThreadPoolExecutor(6)
    try:
        pending = [pool.submit(timed, busy, "GET", "/ur/booklet.pdf?size=a5") for _ in range(6)]
        # The renderer's request waits for its PDF; every other one is answered at once.
        quick = []
        deadline = time.monotonic() + 20
        while len(quick) < 5 and time.monotonic() < deadline:
            quick = [future.result() for future in pending if future.done()]
            time.sleep(0.05)
        assert len(quick) >= 5, "the other requests waited for the render"
        for took, status, headers, body in quick:
            if status != 200:
                assert_being_prepared(status, headers, body, "ur")
                assert took < HEALTH_BUDGET
        # While the booklet renders: sync stores a batch, health keeps answering.
        time.sleep(2)
        took, (status, answer) = time.monotonic(), busy.sync(busy.token, [make_log()])
        assert status == 200 and answer["results"][0]["status"] == "created"
        assert time.monotonic() - took < 5
        time.sleep(1)
    finally:
        stop.set()
        watcher.join(timeout=30)
        pool.shutdown(wait=False, cancel_futures=True)
    assert len(health) >= 10 and max(health) < HEALTH_BUDGET, f"slowest health {max(health):.2f} s"


def trickle(port: int, stop: threading.Event) -> None:
    """A client that sends its request headers one byte at a time, forever (a slowloris)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        request = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
        for byte in request:
            if stop.is_set():
                return
            sock.sendall(bytes([byte]))
            stop.wait(0.2)


def test_clients_trickling_headers_do_not_hold_every_worker(busy):
    stop = threading.Event()
    slow = [threading.Thread(target=trickle, args=(busy.port, stop), daemon=True) for _ in range(6)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(1.5)  # every slow client has sent its first bytes and holds its connection
        seconds = [timed(busy, "GET", "/api/v1/health")[0] for _ in range(10)]
        took, (status, _) = time.monotonic(), busy.sync(busy.token, [make_log()])
        assert status == 200 and time.monotonic() - took < 5
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=5)
    assert max(seconds) < HEALTH_BUDGET, f"slowest health {max(seconds):.2f} s"


def test_an_oversized_request_line_or_header_is_refused_before_the_app(busy):
    status, _, _ = busy.fetch("GET", "/ne/guides/" + "a" * 10_000)
    assert status in (400, 414)
    status, _, _ = busy.fetch("GET", "/api/v1/health", headers={"X-Big": "b" * 20_000})
    assert status in (400, 431)
    assert busy.fetch("GET", "/api/v1/health")[0] == 200


def test_the_repository_ships_the_gunicorn_settings_and_make_run_uses_them():
    root = Path(__file__).resolve().parents[2]
    settings: dict = {}
    exec((root / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own config file
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 4
    assert settings["keepalive"] <= 10 and settings["timeout"] <= 120
    assert settings["limit_request_line"] <= 8190 and settings["limit_request_field_size"] <= 8190
    run = next(line for line in (root / "Makefile").read_text().splitlines() if "gunicorn" in line)
    assert "-c gunicorn.conf.py" in run
