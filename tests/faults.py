"""Test-only fault switches for `POST /api/v1/sync`: a WSGI middleware around the real app.

The product has no fault switch at all (no config value can turn one on); tests wrap the app:

    faults = install(app)          # in-process app or the live server of the browser tests
    faults.append("fail-before")   # the next sync request fails that way

and servers in other processes run `tests.faults:create_app()` with TEST_SYNC_FAULTS='["slow:30"]'
in their environment instead of `toolkit:create_app()`. One fault per sync request, in order:

- "fail-before": answer 500 before the app sees the request (nothing is stored);
- "drop-after-commit": the app stores the batch, then the connection is closed with no answer;
- "slow:<seconds>": the app stores the batch, the answer is held back that long (kill -9 meanwhile).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterable

SYNC_PATH = "/api/v1/sync"


class SyncFaults:
    """WSGI middleware: applies the next fault of `faults` to each POST /api/v1/sync."""

    def __init__(self, app: Callable, faults: list[str] | None = None):
        self.app = app
        self.faults = faults if faults is not None else []

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        is_sync = environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == SYNC_PATH
        if not is_sync or not self.faults:
            return self.app(environ, start_response)
        fault = self.faults.pop(0)
        if fault == "fail-before":
            body = json.dumps({"error": "test fault: fail-before"}).encode()
            start_response(
                "500 INTERNAL SERVER ERROR",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        answer: dict = {}

        def hold(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return lambda _data: None

        iterable = self.app(environ, hold)
        try:
            body = b"".join(iterable)  # the view ran: the batch is committed
        finally:
            getattr(iterable, "close", lambda: None)()
        if fault == "drop-after-commit":
            drop_connection(environ)
        elif fault.startswith("slow:"):
            time.sleep(float(fault.partition(":")[2]))
        start_response(answer["status"], answer["headers"])
        return [body]


def drop_connection(environ: dict) -> None:
    """Close the client's connection with no answer."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None:  # the test client has no socket: fail the way a lost answer looks
        raise ConnectionAbortedError("drop-after-commit")
    sock.shutdown(socket.SHUT_RDWR)


def install(app, faults: list[str] | None = None) -> list[str]:
    """Wrap a Flask app's WSGI callable; returns the (shared, mutable) list of faults to come."""
    middleware = SyncFaults(app.wsgi_app, faults)
    app.wsgi_app = middleware
    return middleware.faults


def create_app():
    """The toolkit with the faults of TEST_SYNC_FAULTS (a JSON list): for gunicorn and `flask run`."""
    from toolkit import create_app as create_toolkit

    app = create_toolkit()
    install(app, json.loads(os.environ.get("TEST_SYNC_FAULTS", "[]")))
    return app
