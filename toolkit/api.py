"""The phone's JSON API: `/api/v1/sync`, `/api/v1/enrol`, `/api/v1/health`.

Token-authenticated (never cookies), so exempt from CSRF. Messages are in the phone's language
(Accept-Language: ne, en, ur) and say what to fix. Request bodies are never logged.
The logic lives in the sync package, tokens.py and enrolment.py; these views parse, call, answer.
A request that cannot go on (no valid token, a body that is not JSON) is answered from the helper
that found it out (`abort` with the JSON answer), so each view reads as its happy path.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

from . import tokens
from .db import describe_failure, get_db
from .enrolment import EnrolmentError, exchange_code
from .languages import LANGUAGES, SOURCE_LANGUAGE
from .library import library, sync_rules
from .phones import record_enrolled_client
from .security import limiter
from .sync.batch import BadBatch, batch_records, parse_json
from .sync.ingest import Sender, ingest
from .sync.messages import N_, TOO_LARGE
from .sync.record import MAX_RECORDS, MAX_REQUEST_BYTES, FieldError, iso, utc_now
from .version import APP_VERSION

bp = Blueprint("api", __name__, url_prefix="/api/v1")

STORAGE_FAILED = N_(
    "The server could not save the logs just now, so nothing was saved. The phone will try again."
)
STORAGE_BUSY = N_(
    "The server cannot save anything just now, so nothing was changed. Try again later."
)
CODE_MISSING = N_('Send the enrolment code as JSON like {"code": "ACDE-FGHJ"}.')
TOO_MANY_TRIES = N_("Too many wrong codes from this network. Wait ten minutes, then try again.")
# Failed code attempts per address: a code has 25^8 values, and guessing must stay hopeless.
ENROL_RATE_LIMIT = "20 per 10 minutes"
CODE_ERRORS = {
    "malformed": N_(
        "That is not an enrolment code. A code has 8 letters and digits, like ACDE-FGHJ. "
        "Check it and type it again."
    ),
    "unknown": N_("That enrolment code is not right. Check it with your coordinator."),
    "used": N_("That enrolment code has already been used. Ask your coordinator for a new code."),
    "expired": N_("That enrolment code has expired. Ask your coordinator for a new code."),
}


# One sync ingest at a time per worker process. SQLite takes one writer at a time anyway; gunicorn's
# gthread workers run requests in threads, and threads that wait here queue in order, where a dozen
# threads contending for the write lock would spin on the busy timeout and some would give up.
_ingest_turn = threading.Lock()
INGEST_WAIT_SECONDS = 30


@contextlib.contextmanager
def write_turn() -> Iterator[None]:
    """This process's turn to write a batch; sqlite3.OperationalError if it does not come soon."""
    if not _ingest_turn.acquire(timeout=INGEST_WAIT_SECONDS):
        raise sqlite3.OperationalError("no turn to write within the wait")
    try:
        yield
    finally:
        _ingest_turn.release()


_keepers: dict[tuple[int, str], sqlite3.Connection] = {}
_keepers_lock = threading.Lock()


def keep_database_open(path: str) -> None:
    """Hold one idle connection per process, so that closing a request's connection stays cheap.

    Closing the LAST connection to a WAL database checkpoints the whole WAL with an fsync: ~25 ms
    here, more than the rest of a 50-record sync. With an idle connection held (no transaction, so
    it blocks nothing), a close is instant and SQLite's automatic checkpoints do that work as it grows.
    """
    key = (os.getpid(), path)  # per process: gunicorn forks workers
    if key in _keepers or path == ":memory:":
        return
    with _keepers_lock:
        if key not in _keepers:
            keeper = sqlite3.connect(path, check_same_thread=False)
            keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # joins the WAL
            _keepers[key] = keeper


@atexit.register
def _close_keepers() -> None:
    for key in list(_keepers):
        if key[0] == os.getpid():
            _keepers.pop(key).close()


def error(status: int, message: str, **params) -> Response:
    """A whole-request error: {"error": "..."} in the phone's language."""
    response = jsonify(error=gettext(message, **params))
    response.status_code = status
    return response


def translate(field_error: FieldError) -> str:
    """A field error in the phone's language."""
    return gettext(field_error.message, **field_error.params)


@bp.before_request
def phone_language() -> None:
    """Messages in the phone's language: there is no language in API URLs."""
    g.lang = request.accept_languages.best_match(list(LANGUAGES), default=SOURCE_LANGUAGE)


@bp.after_request
def never_cache(response: Response) -> Response:
    """API answers are per request: no cache (and no service worker) may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def authenticate(policy: tokens.TokenPolicy = tokens.PHONES_AND_HUBS) -> Sender:
    """The sender named by the bearer token; else the 401 or 403 answer ends the request."""
    try:
        return tokens.authenticate(get_db(), request.headers.get("Authorization", ""), policy)
    except tokens.TokenRefused as refusal:
        if refusal.status == 401:
            abort(unauthorised(refusal.message))
        abort(error(refusal.status, refusal.message))


def unauthorised(message: str) -> Response:
    """401, naming the scheme the client must use."""
    response = error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="toolkit"'
    return response


def read_json(malformed: str | None = None) -> object:
    """The JSON body; else the 413 or 400 answer ends the request. Nothing is read past the limit.

    `malformed`: what a body that is not JSON is told, where the batch's message would mislead.
    """
    limit = min(
        MAX_REQUEST_BYTES, current_app.config.get("MAX_CONTENT_LENGTH") or MAX_REQUEST_BYTES
    )
    if request.content_length is not None and request.content_length > limit:
        abort(error(413, TOO_LARGE, records=MAX_RECORDS))
    try:
        data = request.get_data(cache=False)
    except RequestEntityTooLarge:
        abort(error(413, TOO_LARGE, records=MAX_RECORDS))
    if len(data) > limit:
        abort(error(413, TOO_LARGE, records=MAX_RECORDS))
    try:
        return parse_json(data)
    except BadBatch as problem:  # malformed, not UTF-8, or nested too deeply
        if malformed is not None:
            abort(error(400, malformed))
        abort(error(problem.status, problem.message, **problem.params))


@bp.post("/sync")
def sync() -> Response:
    """Store a batch of session logs; one result per record, in order (DESIGN.md "Sync protocol")."""
    sender = authenticate()
    body = read_json()
    try:
        records = batch_records(body)
    except BadBatch as problem:
        return error(problem.status, problem.message, **problem.params)
    now = utc_now()
    keep_database_open(current_app.config["DATABASE"])
    try:
        results = ingest(get_db(), records, sender, sync_rules(), now=now, turn=write_turn())
    except sqlite3.Error as failure:
        return unavailable("sync", failure, STORAGE_FAILED)
    return jsonify(results=[result.to_json(translate) for result in results], received_at=iso(now))


@bp.post("/enrol")
@limiter.limit(
    lambda: current_app.config.get("ENROL_RATE_LIMIT", ENROL_RATE_LIMIT),
    deduct_when=lambda response: response.status_code == 400,
)
def enrol() -> Response:
    """Exchange a one-time enrolment code for a device token."""
    body = read_json()
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return error(400, CODE_MISSING)
    try:
        enrolled = exchange_code(get_db(), body["code"])
    except EnrolmentError as failure:
        return error(400, CODE_ERRORS[failure.reason])
    record_enrolled_client(get_db(), enrolled.device_id, request.headers.get("User-Agent"))
    return jsonify(
        token=enrolled.token, device_id=enrolled.device_id, facilitator=enrolled.facilitator
    )


@bp.errorhandler(429)
def too_many_requests(_error) -> Response:
    """429 from the rate limiter, as JSON like every other API error."""
    return error(429, TOO_MANY_TRIES)


@bp.errorhandler(sqlite3.Error)
def storage_failed(failure: sqlite3.Error) -> Response:
    """A write the database refused outside the sync view (disk full, read-only file): 503 as JSON.

    The transaction was rolled back, so nothing was changed (an enrolment code stays unused).
    """
    return unavailable("api", failure, STORAGE_BUSY)


def unavailable(where: str, failure: sqlite3.Error, message: str) -> Response:
    """503 with Retry-After, and the storage failure in the server's log (never a request body)."""
    current_app.logger.error(
        "%s: storage failed: %s", where, describe_failure(failure, current_app.config["DATABASE"])
    )
    response = error(503, message)
    response.headers["Retry-After"] = "30"
    return response


@bp.get("/health")
def health() -> Response:
    """Is the server up, does its database answer, how far does the replica lag (status.py); which
    app and content versions it serves. 503 when the database does not answer."""
    from .status import health as server_health

    report = server_health(current_app.instance_path, current_app.config)
    response = jsonify(app_version=APP_VERSION, content_version=library().version, **report)
    response.status_code = 200 if report["database"] != "unavailable" else 503
    return response


def init_app(app: Flask) -> None:
    """Register the API (after security.init_app, so CSRFProtect exists to exempt it from)."""
    app.register_blueprint(bp)
    exempt_from_csrf(app)


def exempt_from_csrf(app: Flask) -> None:
    """Token-authenticated API: no CSRF check. Call again if CSRFProtect is set up after this."""
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
