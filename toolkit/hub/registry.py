"""The hubs registered on the central server: their tokens, revocation, and the `toolkit hubs` list.

A hub is registered with a token stored only as its SHA-256 hash (`create_hub`, `revoke_hub`, used by
`toolkit create-hub-token` and `toolkit revoke-hub`); tokens.py checks it on every request.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlite_utils

from ..sync.record import iso, utc_now
from ..tokens import hash_secret, new_token


class HubError(Exception):
    """A hub that cannot be created, found or revoked; the message says what to do."""


def find_hub(db: sqlite_utils.Database, name: str) -> dict | None:
    """The hub with this name (ignoring case and extra spaces) or this id."""
    name = " ".join(name.split())
    rows = list(
        db.query("SELECT * FROM hubs WHERE name = ? COLLATE NOCASE OR id = ? LIMIT 1", [name, name])
    )
    return rows[0] if rows else None


def create_hub(
    db: sqlite_utils.Database, name: str, replace: bool = False, now: dt.datetime | None = None
) -> tuple[dict, str]:
    """A new hub and its token (returned once; only its hash is stored).

    `replace` gives an existing hub a new token and lifts a revocation: same id, so the logs and
    people it relayed stay its own. Without it, an existing name is an error.
    """
    name = " ".join(name.split())
    if not name:
        raise HubError("Give the hub a name, e.g. the resource centre's: 'Sindhupalchok centre'.")
    token = new_token()
    hub = find_hub(db, name)
    if hub is None and replace:
        raise HubError(f"No hub named {name!r}. Leave out --replace to create it.")
    if hub is not None and not replace:
        raise HubError(
            f"A hub named {hub['name']!r} already exists. To give it a new token (its old one "
            f"stops working): toolkit create-hub-token {hub['name']!r} --replace"
        )
    if hub is None:
        hub = {"id": str(uuid.uuid4()), "name": name, "created_at": iso(now or utc_now())}
        db["hubs"].insert({**hub, "token_hash": hash_secret(token), "revoked_at": None})
    else:
        db.execute(
            "UPDATE hubs SET token_hash = ?, revoked_at = NULL WHERE id = ?",
            [hash_secret(token), hub["id"]],
        )
    return {k: hub[k] for k in ("id", "name", "created_at")}, token


def revoke_hub(db: sqlite_utils.Database, name: str, now: dt.datetime | None = None) -> dict:
    """Stop a hub's token from working (a lost or replaced laptop). What it sent stays."""
    hub = find_hub(db, name)
    if hub is None:
        raise HubError(f"No hub named {name!r}.")
    if not hub["revoked_at"]:
        hub["revoked_at"] = iso(now or utc_now())
        db.execute("UPDATE hubs SET revoked_at = ? WHERE id = ?", [hub["revoked_at"], hub["id"]])
    return hub


def hub_overview(db: sqlite_utils.Database) -> list[dict]:
    """Every hub: last completed push, what it still held back then, revoked or not, logs relayed."""
    return list(
        db.query(
            "SELECT h.id, h.name, h.created_at, h.revoked_at, h.last_push_at, h.pending_changes, "
            "h.refused_changes, (SELECT COUNT(*) FROM session_logs s WHERE s.relayed_by = h.id) "
            "AS logs, (SELECT COUNT(*) FROM devices d WHERE d.hub_id = h.id) AS phones "
            "FROM hubs h ORDER BY h.name COLLATE NOCASE"
        )
    )
