"""Bearer tokens of phones and hubs: how one is made and stored, and whom a request's token names.

A device token (enrolment.py `exchange_code`) and a hub token (hub/registry.py `create_hub`) are 32
random bytes, given once and stored only as their SHA-256 hash. Every token-authenticated endpoint
checks the Authorization header with `authenticate` (through api.py's view helper): sync and themes
take a phone's or a hub's token, the hub endpoints a hub's only. A missing or unknown token is a
401, a withdrawn one or one of the wrong kind a 403, each with a message saying what to do.
No Flask import.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlite_utils

from .sync.ingest import Sender
from .sync.messages import N_

TOKEN_BYTES = 32

NOT_ENROLLED = N_(
    "This phone is not enrolled on this server. Enrol it with a code from your coordinator."
)
UNKNOWN_TOKEN = N_(
    "This server does not know this phone's enrolment. Enrol it again with a new code from your "
    "coordinator."
)
# One message for a withdrawn hub token, on every endpoint.
HUB_REVOKED = N_(
    "This hub's token was revoked on this server. Ask its administrator for a new one."
)
REVOKED = N_("This phone's enrolment was withdrawn. Ask your coordinator for a new enrolment code.")
HUB_TOKEN_MISSING = N_("Send this hub's token: Authorization: Bearer <token>.")
HUB_TOKEN_UNKNOWN = N_(
    "This server does not know this hub token. Create one on this server with "
    "`toolkit create-hub-token NAME`."
)
NOT_A_HUB_TOKEN = N_("This address is for field hubs: a phone's token cannot use it.")


def new_token() -> str:
    """A new device or hub token (URL-safe text): shown once, stored as `hash_secret(token)`."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_secret(secret: str) -> str:
    """The stored form of a device or hub token."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenPolicy:
    """Which tokens an endpoint takes, and what a request without a known token is told."""

    missing: str
    unknown: str
    hubs_only: bool = False


PHONES_AND_HUBS = TokenPolicy(NOT_ENROLLED, UNKNOWN_TOKEN)  # /api/v1/sync, /api/v1/themes
HUBS_ONLY = TokenPolicy(HUB_TOKEN_MISSING, HUB_TOKEN_UNKNOWN, hubs_only=True)  # /api/v1/hub/...


class TokenRefused(Exception):
    """A request the token does not let in: its status (401 or 403) and message (a msgid)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def bearer(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_holder(db: sqlite_utils.Database, token: str) -> tuple[str, dict] | None:
    """Look a bearer token up: ("device", row with facilitator's country) or ("hub", row)."""
    digest = hash_secret(token)
    row = db.execute(
        "SELECT d.id, d.facilitator_id, d.revoked_at, f.country FROM devices d "
        "JOIN facilitators f ON f.id = d.facilitator_id WHERE d.token_hash = ?",
        [digest],
    ).fetchone()
    if row is not None:
        return "device", dict(
            zip(("id", "facilitator_id", "revoked_at", "country"), row, strict=True)
        )
    row = db.execute("SELECT id, revoked_at FROM hubs WHERE token_hash = ?", [digest]).fetchone()
    if row is not None:
        return "hub", {"id": row[0], "revoked_at": row[1]}
    return None


def authenticate(db: sqlite_utils.Database, authorization: str, policy: TokenPolicy) -> Sender:
    """The sender an Authorization header names, or TokenRefused saying why not."""
    token = bearer(authorization)
    if token is None:
        raise TokenRefused(401, policy.missing)
    found = token_holder(db, token)
    if found is None:
        raise TokenRefused(401, policy.unknown)
    kind, row = found
    if policy.hubs_only and kind != "hub":
        raise TokenRefused(403, NOT_A_HUB_TOKEN)
    if row["revoked_at"]:
        raise TokenRefused(403, HUB_REVOKED if kind == "hub" else REVOKED)
    if kind == "hub":
        return Sender(device_id=None, facilitator_id=None, country=None, hub_id=row["id"])
    return Sender(row["id"], row["facilitator_id"], row["country"])
