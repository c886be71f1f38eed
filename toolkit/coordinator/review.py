"""Logs that need a coordinator: import a phone's unsent-logs file, resolve conflicts and stale edits."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from .. import audit
from ..db import get_db
from . import bp
from .accounts import login_required

# --- import and attention -------------------------------------------------------------------------


STATUS_NAMES = {
    "created": _l("stored"),
    "updated": _l("stored as a newer version"),
    "unchanged": _l("already on the server"),
    "stale": _l("older than the server's version: kept for review"),
    "conflict": _l("differs from the server's copy: kept for review"),
    "invalid": _l("not stored"),
}


class ImportForm(FlaskForm):
    file = FileField(_l("File of unsent logs (.json)"), validators=[FileRequired()])
    facilitator = SelectField(_l("Facilitator whose phone exported it"), choices=[])


def _facilitator_choices() -> list[tuple[str, str]]:
    rows = get_db().query("select id, name from facilitators order by name collate nocase")
    return [SelectChoice("", _("As written in the file"))] + [
        SelectChoice(row["id"], row["name"]) for row in rows
    ]


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_logs():
    """Import a phone's "unsent logs" file, with the same checks and idempotency as sync."""
    from ..api import translate
    from ..library import sync_rules
    from ..sync import BadBatch, Sender, batch_records, ingest, is_uuid, parse_json

    form = ImportForm()
    form.facilitator.choices = _facilitator_choices()
    results = None
    if form.validate_on_submit():
        try:  # the same checks as a sync request (sync.py), with no limit on the number of logs
            data = parse_json(form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"]))
            records = batch_records(data, limit=None)
        except BadBatch as problem:
            form.file.errors.append(
                _(
                    "This is not an unsent-logs file from the logbook. Export it "
                    "again from the phone (Logbook → Export unsent logs)."
                )
            )
            form.file.errors.append(_(problem.message, **problem.params))
            return render_template("coordinator/import.html", form=form, results=None), 400
        db = get_db()
        named = data.get("facilitator_id")
        facilitator_id = form.facilitator.data or (named if is_uuid(named) else None)
        rows = list(db["facilitators"].rows_where("id = ?", [facilitator_id or ""]))
        if not rows:
            form.facilitator.errors.append(
                _("Choose the facilitator whose phone exported the file.")
            )
            return render_template("coordinator/import.html", form=form, results=None), 400
        device_id = data.get("device_id") if is_uuid(data.get("device_id")) else None
        if not db["devices"].count_where(
            "id = ? and facilitator_id = ?", [device_id or "", facilitator_id]
        ):
            device_id = None
        sender = Sender(
            device_id=device_id, facilitator_id=facilitator_id, country=rows[0]["country"]
        )
        results = [
            (result, {field: translate(error) for field, error in (result.errors or {}).items()})
            for result in ingest(db, records, sender, sync_rules())
        ]
        counts: dict[str, int] = {}
        for result, _errors in results:
            counts[result.status] = counts.get(result.status, 0) + 1
        audit.record_request(
            "import", details={"facilitator": facilitator_id, "device": device_id, **counts}
        )
    return render_template(
        "coordinator/import.html", form=form, results=results, status_names=STATUS_NAMES
    )


def _attention_items(db) -> list[dict]:
    """Logs with a conflicting copy, and stale edits from phones, not yet resolved."""
    items = []
    for copy in db.query(
        "select * from session_log_revisions where reason in ('conflict', 'stale') "
        "order by received_at"
    ):
        current = next(db["session_logs"].rows_where("id = ?", [copy["log_id"]]), None)
        if current is not None:
            items.append({"other": copy, "current": current})
    return items


class ResolveForm(FlaskForm):
    log_id = StringField(validators=[DataRequired()])
    copy_hash = StringField(validators=[DataRequired()])
    copy_rev = StringField(validators=[DataRequired()])
    choice = SelectField(choices=[SelectChoice("current"), SelectChoice("copy")])


@bp.route("/attention", methods=["GET", "POST"])
@login_required
def attention():
    """Conflicts and stale edits: choose a version; both stay in the history."""
    from ..library import sync_rules
    from ..sync import Sender, ingest, row_to_record

    db = get_db()
    form = ResolveForm()
    if form.validate_on_submit():
        key = [form.log_id.data, form.copy_rev.data, form.copy_hash.data]
        copy = next(
            db["session_log_revisions"].rows_where(
                "log_id = ? and rev = ? and content_hash = ? and reason in ('conflict', 'stale')",
                key,
            ),
            None,
        )
        current = next(db["session_logs"].rows_where("id = ?", [form.log_id.data]), None)
        if copy is None or current is None:
            abort(404)
        chosen = copy if form.choice.data == "copy" else current
        record = {**row_to_record(chosen), "rev": current["rev"] + 1}
        country = next(
            db["facilitators"].rows_where("id = ?", [current["facilitator_id"]]), {}
        ).get("country")
        sender = Sender(current["device_id"], current["facilitator_id"], country)
        [result] = ingest(db, [record], sender, sync_rules())
        if result.status != "updated":
            abort(409)
        db.execute(
            "update session_log_revisions set reason = reason || '-resolved' "
            "where log_id = ? and rev = ? and content_hash = ?",
            key,
        )
        audit.record_request(
            "conflict_resolved", details={"log": form.log_id.data, "kept": form.choice.data}
        )
        flash(_("Saved. The version you chose is now current; the other stays in the history."))
        return redirect(url_for("coordinator.attention"))
    return render_template(
        "coordinator/attention.html", items=_attention_items(db), form=ResolveForm(formdata=None)
    )


# --- notes that may identify someone --------------------------------------------------------------

REVIEW_DAYS = 90  # what the phone let through recently; older notes are purged by retention anyway
REVIEW_LIMIT = 200


@bp.route("/identifying")
@login_required
def identifying():
    """Logs whose notes the shared rules flag (names, phone numbers) though the phone let them through.

    Computed when the page is opened, with the same rules as the phone (toolkit/data/identifying.json):
    nothing new is stored about anyone, and a coordinator can ask the facilitator to edit the log.
    """
    from ..identifying import flagged_fields

    rows = get_db().query(
        "select id, rev, guide, held_on, district, notes, market_info from session_logs "
        "where voided = 0 and (coalesce(notes, '') != '' or coalesce(market_info, '') != '') "
        "and received_at >= datetime('now', ?) order by received_at desc",
        [f"-{REVIEW_DAYS} days"],
    )
    items = []
    for row in rows:
        flagged = flagged_fields(row)
        if flagged:
            items.append({"log": row, "flagged": flagged})
            if len(items) >= REVIEW_LIMIT:
                break
    return render_template("coordinator/identifying.html", items=items, days=REVIEW_DAYS)
