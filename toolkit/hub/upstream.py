"""The central server as a field hub sees it: one JSON POST at a time, and what its answers mean.

Every failure becomes a `PushError` whose message says what happened and what to do, and never
contains the hub token. Redirects are not followed (they would resend the token elsewhere).
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..version import APP_VERSION

SYNC_PATH = "/api/v1/sync"
PEOPLE_PATH = "/api/v1/hub/people"
REPORT_PATH = "/api/v1/hub/report"
DEFAULT_TIMEOUT = 60.0
MAX_ANSWER_BYTES = 8 * 1024 * 1024


class PushError(Exception):
    """A push that stopped: what happened and what to do. Nothing unacknowledged counts as sent."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body, and where a redirect pointed."""

    status: int
    body: bytes
    location: str | None = None


# (url, body, headers, timeout) -> Answer; raises OSError or http.client.HTTPException.
Transport = Callable[[str, bytes, Mapping[str, str], float], Answer]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: urllib would resend the hub token to the new address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
    """POST with the standard library, within `timeout` seconds per connect and read."""
    req = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            data = response.read(MAX_ANSWER_BYTES)
            _check_complete(data, response.headers.get("Content-Length"))
            return Answer(response.status, data)
    except urllib.error.HTTPError as answer:
        with answer:
            data = answer.read(MAX_ANSWER_BYTES) if answer.fp else b""
            return Answer(answer.code, data, answer.headers.get("Location"))


def _check_complete(data: bytes, length: str | None) -> None:
    """A body shorter than its Content-Length: the server died mid-answer (read(n) hides that)."""
    if length and length.isdigit() and len(data) < min(int(length), MAX_ANSWER_BYTES):
        raise http.client.IncompleteRead(data, int(length) - len(data))


def normalise_url(url: str) -> str:
    """'HTTPS://Toolkit.example.org/' -> 'https://toolkit.example.org' (hub_peers' key)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise PushError(
            f"--to must be the central server's address, like https://toolkit.example.org "
            f"(got {url!r})."
        )
    path = parts.path.rstrip("/")
    if path.endswith("/api/v1/sync"):
        path = path[: -len("/api/v1/sync")]
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


class Upstream:
    """The central server as this hub sees it: its address, this hub's token, a transport."""

    def __init__(
        self,
        url: str,
        token: str,
        timeout: float = DEFAULT_TIMEOUT,
        transport: Transport | None = None,
    ):
        self.url = normalise_url(url)
        self.token = token
        self.timeout = timeout
        self.transport = transport or urllib_transport

    def post(self, path: str, payload: Any) -> Any:
        """POST JSON, return the decoded 200 answer; PushError (never the token) otherwise."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "en",
            "User-Agent": f"toolkit-hub/{APP_VERSION}",
        }
        try:
            answer = self.transport(self.url + path, body, headers, self.timeout)
        except (OSError, http.client.HTTPException) as failure:
            raise PushError(self.describe(failure)) from None
        if answer.status != 200:
            raise PushError(self.explain(answer, path))
        try:
            return json.loads(answer.body)
        except ValueError:
            raise PushError(
                f"{self.url}{path} answered, but not with JSON: is --to the toolkit server's "
                "address?"
            ) from None

    def describe(self, failure: Exception) -> str:
        """What a network failure means: the batch was not acknowledged, so it is sent again."""
        reason = failure.reason if isinstance(failure, urllib.error.URLError) else failure
        if isinstance(reason, TimeoutError):
            return (
                f"{self.url} did not answer within {self.timeout:g} s. What it was sent is sent "
                "again next time."
            )
        if isinstance(reason, ConnectionRefusedError):
            return f"Could not reach {self.url}: {reason}. Is it running? Nothing was sent."
        if isinstance(reason, http.client.IncompleteRead):
            return (
                f"The connection to {self.url} dropped in the middle of its answer (it may have "
                "stopped or restarted). Nothing of this batch counts as sent: it is sent again "
                "on the next push (with --every, on the next retry)."
            )
        if isinstance(reason, ConnectionError | http.client.HTTPException):
            return (
                f"The connection to {self.url} dropped before it answered ({reason or 'closed'}). "
                "What it was sent is sent again next time."
            )
        if isinstance(reason, ssl.SSLCertVerificationError):
            return (
                f"{self.url}'s HTTPS certificate is not trusted on this machine ({reason.verify_message}):"
                " install the organisation CA here, or use the server's real DNS name."
            )
        return f"Could not reach {self.url}: {reason}."

    def explain(self, answer: Answer, path: str) -> str:
        """What a non-200 answer means for the person running the push."""
        try:
            said = json.loads(answer.body).get("error") or ""
        except (ValueError, AttributeError):
            said = ""
        status = answer.status
        unstored = (
            "Nothing was stored there." if path == PEOPLE_PATH else "This batch was not stored."
        )
        if status == 401:
            return (
                f"{self.url} does not know this hub token. Check --token/--token-file; a token "
                f"comes from `toolkit create-hub-token NAME` on the central server. {unstored}"
            )
        if status == 403:
            why = (
                said
                if said and path == PEOPLE_PATH
                else "it was revoked. Ask the central server's administrator for a new one "
                "(toolkit create-hub-token NAME --replace)."
            )
            return f"{self.url} refused this hub token: {why} {unstored}"
        if 300 <= status < 400:
            return f"{self.url} redirects to {answer.location}: use that address with --to."
        if status == 404:
            return (
                f"{self.url} has no {path}: is --to the central toolkit server's address, and "
                "is it up to date?"
            )
        if status == 413:
            return f"{self.url} found the batch too large: try a smaller --batch. {said}".strip()
        if status == 429:
            return f"{self.url} asks to slow down (429): try again later."
        reply = f": {said}" if said else ""
        return (
            f"{self.url} answered {status}{reply}. What it was sent is not counted as sent, "
            "and is sent again next time."
        )
