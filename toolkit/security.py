"""CSRF on every form, security headers on every response, the secret key, and the rate limiter.

- The secret key: configured (SECRET_KEY), or generated once into the instance folder (mode 0600) so that
  no server ever signs sessions with a key printed in the source, and every worker uses the same one.
- Rate limits (login, enrolment codes) count in a small SQLite file next to the database, so a limit
  holds across all gunicorn workers and restarts of one, with no extra server to run.
- Coordinator pages and API answers carry `Cache-Control: no-store`; HTTPS answers carry HSTS.
"""

from __future__ import annotations

import os
import re
import sqlite3
import ssl
import threading
import time
from pathlib import Path
from urllib.parse import unquote

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage
from werkzeug.middleware.proxy_fix import ProxyFix

from .keys import read_or_create_key

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SECRET_KEY_FILE = "secret_key"
# The key this project once shipped as a default: public, so never accepted.
PUBLISHED_KEYS = {"dev-only-change-me"}
HSTS = "max-age=31536000"
# Paths whose answers are per person: no browser, proxy or service worker may keep a copy.
PRIVATE_PREFIXES = ("/coordinator", "/api/")

# Scripts and styles come from this server only; neither runs inline (charts are HTML with CSS classes).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), screen-wake-lock=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# --- the secret key -------------------------------------------------------------------------------


def instance_secret_key(instance_path: str) -> str:
    """The key in `<instance>/secret_key`, created (mode 0600) by whichever worker starts first."""
    return read_or_create_key(Path(instance_path) / SECRET_KEY_FILE)


def configure_secret_key(app: Flask) -> None:
    """Use SECRET_KEY when set (and not a published one), else the instance folder's generated key."""
    key = app.config.get("SECRET_KEY")
    if key in PUBLISHED_KEYS:
        raise RuntimeError(
            f"SECRET_KEY {key!r} is published in this project's history. Remove SECRET_KEY from the "
            "configuration (a random key is then kept in the instance folder) or set a long random one."
        )
    if not key:
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)


# --- proxies --------------------------------------------------------------------------------------


class TransportScheme:
    """WSGI middleware: the request's scheme is the connection's own, whatever a header claims.

    gunicorn believes `X-Forwarded-Proto` from 127.0.0.1 by default (`forwarded_allow_ips`), so anyone
    on the machine, or a proxy not configured to set it, could make a plain-HTTP request look secure.
    Only TRUSTED_PROXIES (ProxyFix, applied after this) may turn a forwarded scheme into the request's.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        connection = environ.get("gunicorn.socket")
        if connection is not None:
            environ["wsgi.url_scheme"] = (
                "https" if isinstance(connection, ssl.SSLSocket) else "http"
            )
        return self.app(environ, start_response)


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For and -Proto from exactly TRUSTED_PROXIES hops (docs/DEPLOY.md), or none.

    X-Forwarded-Host is never believed: links that leave the server are built from BASE_URL.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        # Behind N reverse proxies: rate limits count per client, HTTPS is known from the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0)
    app.wsgi_app = TransportScheme(app.wsgi_app)


# --- redirects ------------------------------------------------------------------------------------

_SAFE_NEXT = re.compile(r"/coordinator/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*")


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path inside the coordinator area, else `default`.

    A full match on printable URL characters only: no CR/LF (a header injection and a 500 before), no
    backslash or `//` (another site to some browsers), no scheme or host, no `..` (or `%2e%2e`) to
    climb out of the area.
    """
    if not target or not _SAFE_NEXT.fullmatch(target) or "//" in target:
        return default
    path = unquote(target.partition("?")[0])
    if any(segment in (".", "..") for segment in path.split("/")) or "\\" in path:
        return default
    return target


# --- rate-limit storage ---------------------------------------------------------------------------


class SQLiteStorage(Storage):
    """Fixed-window counters for flask-limiter in one SQLite file: shared by every worker, kept on restarts.

    URI: `toolkit-sqlite:///absolute/path/ratelimits.sqlite`. Each process (gunicorn forks after
    loading the app) and each thread opens its own connection on first use.
    """

    STORAGE_SCHEME = ["toolkit-sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = (uri or "").partition("://")[2]
        if not self.path:
            raise ValueError(
                "toolkit-sqlite:// needs a file path, like toolkit-sqlite:///srv/limits.sqlite"
            )
        self._local = threading.local()
        self._incrs = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)"
            )
            local.conn, local.pid = conn, os.getpid()
        return local.conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        # One statement, so two workers counting the same key at once cannot lose a hit.
        (value,) = conn.execute(
            "INSERT INTO counters (key, value, expires_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (key) DO UPDATE SET "
            "value = CASE WHEN expires_at <= ?4 THEN ?2 ELSE value + ?2 END, "
            "expires_at = CASE WHEN expires_at <= ?4 THEN ?3 ELSE expires_at END "
            "RETURNING value",
            [key, amount, now + expiry, now],
        ).fetchone()
        self._incrs += 1
        if self._incrs % 100 == 0:  # old windows: keep the file small
            conn.execute("DELETE FROM counters WHERE expires_at <= ?", [now])
        return value

    def get(self, key: str) -> int:
        row = (
            self._conn()
            .execute(
                "SELECT value FROM counters WHERE key = ? AND expires_at > ?", [key, time.time()]
            )
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._conn().execute("SELECT expires_at FROM counters WHERE key = ?", [key]).fetchone()
        )
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", [key])


def default_limits_uri(app: Flask) -> str:
    """The rate-limit file beside the database (a test's temporary database gets its own)."""
    database = Path(app.config["DATABASE"]).resolve()
    return f"toolkit-sqlite://{database.with_name(database.stem + '-ratelimits.sqlite')}"


# --- wiring ---------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", default_limits_uri(app))
    app.config.setdefault("LOGIN_RATE_LIMIT", "10 per 5 minutes")
    csrf.init_app(app)
    limiter.init_app(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith(PRIVATE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:  # HTTPS here, or X-Forwarded-Proto from a proxy trusted in config
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
