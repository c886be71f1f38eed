"""The coordinator area: login, dashboard, exports, facilitators and devices, and attention list.

Everything under /coordinator/ needs a login (except the login page). Pages work without JavaScript and
speak the coordinator's language. Aggregates go through small-cell suppression (reports.py); nothing here
shows or exports anything that could identify a participant.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from ..vocabulary import label

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
# Templates name stored codes (a facilitator's country…) from the vocabulary table.
bp.add_app_template_global(label, "vocabulary_label")

from . import (  # noqa: E402, F401  (they add routes to bp)
    accounts,
    audio,
    audit_page,
    commands,
    dashboard,
    exports,
    hubs,
    navigation,
    people,
    report_pdf,
    retention,
    review,
)
from .accounts import create_coordinator, login_required, set_password  # noqa: E402
from .retention import purge_notes  # noqa: E402

__all__ = ["bp", "create_coordinator", "init_app", "login_required", "purge_notes", "set_password"]


def init_app(app: Flask) -> None:
    app.config.setdefault("SUPPRESS_BELOW", 5)
    app.config.setdefault("NOTES_RETENTION_DAYS", 180)
    app.config.setdefault("COORDINATOR_IDLE_HOURS", 8)
    app.config.setdefault("AUDIT_RETENTION_DAYS", 400)
    app.register_blueprint(bp)
    for command in (
        commands.create_coordinator_command,
        commands.set_password_command,
        commands.withdraw_coordinator_command,
        retention.purge_notes_command,
        audit_page.purge_audit_command,
    ):
        app.cli.add_command(command)
