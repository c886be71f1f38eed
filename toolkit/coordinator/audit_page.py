"""/coordinator/audit: the audit log for admins, newest first; `toolkit purge-audit` keeps it bounded."""

from __future__ import annotations

import click
from flask import current_app, render_template, request
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from .. import audit
from ..db import get_db
from . import bp
from .accounts import admin_required

PAGE_SIZE = 200
ACTION_NAMES = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "coordinator_created": _l("Coordinator account created"),
    "coordinator_withdrawn": _l("Coordinator account withdrawn"),
    "export": _l("Export"),
    "import": _l("Import of unsent logs"),
    "phone_withdrawn": _l("Phone withdrawn"),
    "enrolment_code_issued": _l("Enrolment code issued"),
    "conflict_resolved": _l("Conflict resolved"),
    "purge": _l("Purge"),
    "audio_uploaded": _l("Recording uploaded"),
    "audio_approved": _l("Recording approved"),
    "audio_kept": _l("Recording kept for changed text"),
    "audio_removed": _l("Recording removed"),
}


@bp.route("/audit")
@admin_required
def audit_log():
    """Who did what, when, from which address: the newest PAGE_SIZE events, then older pages."""
    before = request.args.get("before", type=int)
    events = audit.events(get_db(), before=before, limit=PAGE_SIZE)
    older = events[-1]["id"] if len(events) == PAGE_SIZE else None
    return render_template(
        "coordinator/audit.html",
        events=events,
        older=older,
        action_names=ACTION_NAMES,
        retention_days=current_app.config["AUDIT_RETENTION_DAYS"],
    )


@click.command("purge-audit")
@click.option(
    "--older-than",
    "days",
    type=int,
    default=None,
    help="days to keep audit events (default: config AUDIT_RETENTION_DAYS, 400)",
)
@with_appcontext
def purge_audit_command(days: int | None) -> None:
    """Delete audit events older than the retention period (run daily, with purge-notes)."""
    days = days if days is not None else int(current_app.config["AUDIT_RETENTION_DAYS"])
    db = get_db()
    purged = audit.purge(db, days)
    audit.record(
        db, "purge", actor="cli", details={"what": "audit", "events": purged, "days_kept": days}
    )
    click.echo(f"{purged} audit event(s) older than {days} days deleted.")


# Exports are audited here, by endpoint, so the export views themselves stay about CSV and PDF.
EXPORT_KINDS = {
    "coordinator.export_aggregates": "aggregates.csv",
    "coordinator.export_logs": "session-logs.csv",
    "coordinator.report_pdf": "report.pdf",
}
FILTER_NAMES = ("start", "end", "district")


@bp.after_request
def audit_exports(response):
    """One "export" event for every export that went out: which kind, which filters, notes or not."""
    kind = EXPORT_KINDS.get(request.endpoint or "")
    sent = response.status_code == 200 and response.mimetype != "text/html"
    if kind and sent:
        details = {
            "kind": kind,
            **{name: request.args[name] for name in FILTER_NAMES if request.args.get(name)},
        }
        if request.endpoint == "coordinator.export_logs":
            details["notes"] = bool(request.form.get("include_notes"))
        audit.record_request("export", details=details)
    return response
