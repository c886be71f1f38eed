"""Field hub → central server: hub tokens, the people endpoint, `toolkit sync push` and `status`.

On the central server, `toolkit create-hub-token NAME` makes a hub (a UUID and a token stored only as
its SHA-256 hash, printed once); `toolkit revoke-hub NAME` stops the token. A hub token may POST
`/api/v1/sync` relaying the original device and facilitator ids (sync/ingest.py stores `relayed_by`
= hub id) and POST `/api/v1/hub/people` (central.py); tokens.py checks every token.

On the hub, `toolkit sync push --to URL` sends, in order:
1. the hub's facilitators and devices (ids, name, country, dates; never a token or its hash), so that
   central knows who the relayed logs belong to. This request also checks the token before any log
   is sent. Central inserts them by UUID, updates only those this hub registered, leaves others alone;
2. records refused by an earlier push (see "invalid" below), again;
3. every change with `seq` above the last one this upstream acknowledged (`hub_peers`): current rows of
   `session_logs` AND kept revisions in `session_log_revisions` (superseded revisions, stale and
   conflict copies keep the `seq` they were given), in `seq` order, in batches over the phones'
   `/api/v1/sync` contract. Ingesting them in that order gives central the same revision history.

A batch is acknowledged when central answers 200 with one result per record; `last_acked_seq` then
moves to the batch's last `seq`, in one transaction with its refusals. An interrupted push resumes
after the last acknowledged batch; a batch central committed but whose answer was lost is sent again
and answered unchanged (or stale, for an old revision): nothing is stored twice. An edit made on the
hub after a push gets a new `seq`, so it travels as a new rev. Per result:
- created, updated, unchanged: stored upstream;
- stale (central has a higher rev) and conflict (same rev, other content): central keeps this copy in
  its `session_log_revisions` (a conflict is flagged for a coordinator) just as the hub did;
- invalid (e.g. central's content lacks a guide the hub has): nothing of it is stored upstream. It is
  kept in `hub_push_refused` with central's field errors, shown by `toolkit sync status`, sent again
  at the start of every push until central accepts it, and the push exits non-zero. It does not hold
  back the records after it.

The modules (import from them; this package re-exports nothing):
- registry.py: on the central server, the hubs registered there and their tokens;
- central.py: on the central server, the people and report endpoints;
- upstream.py: on the hub, the central server as seen over HTTP, and what its answers mean;
- pushing.py: on the hub, one push: what is sent in which order, and what is recorded of the answers;
- progress.py: on the hub, what is still to send to each upstream (`toolkit sync status`);
- schedule.py: on the hub, `--every`: pushing again and again, backing off after a failure;
- commands.py: the `toolkit` commands of both sides.
"""

from __future__ import annotations

from flask import Flask

from .central import bp
from .commands import create_hub_token_command, hubs_command, revoke_hub_command, sync_group


def init_app(app: Flask) -> None:
    """The people endpoint (token-authenticated: no CSRF) and the hub commands."""
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
    for command in (sync_group, create_hub_token_command, revoke_hub_command, hubs_command):
        app.cli.add_command(command)
