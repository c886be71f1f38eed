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


NOT_AN_EXPORT = _l(
    "This is not an unsent-logs file from the logbook. Export it "
    "again from the phone (Logbook → Export unsent logs)."
)


class ImportForm(FlaskForm):
    file = FileField(_l("File of unsent logs (.json)"), validators=[FileRequired()])
    facilitator = SelectField(_l("Facilitator whose phone exported it"), choices=[])


def _facilitator_choices() -> list[tuple[str, str]]:
    rows = get_db().query("select id, name from facilitators order by name collate nocase")
    return [SelectChoice("", _("As written in the file"))] + [
        SelectChoice(row["id"], row["name"]) for row in rows
    ]


def _errors(result) -> dict[str, str]:
    """A result's field errors in the coordinator's language."""
    from ..api import translate

    return {name: translate(error) for name, error in (result.errors or {}).items()}


def _import_page(form: ImportForm, results=None, status: int = 200):
    page = render_template(
        "coordinator/import.html", form=form, results=results, status_names=STATUS_NAMES
    )
    return page, status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_logs():
    """Import a phone's "unsent logs" file, with the same checks and idempotency as sync."""
    from ..library import sync_rules
    from ..sync.batch import BadBatch
    from ..sync.files import NoFacilitator, import_file

    form = ImportForm()
    form.facilitator.choices = _facilitator_choices()
    if not form.validate_on_submit():
        return _import_page(form)
    data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"])
    try:
        imported = import_file(get_db(), data, form.facilitator.data or None, sync_rules())
    except BadBatch as problem:
        form.file.errors += [str(NOT_AN_EXPORT), _(problem.message, **problem.params)]
        return _import_page(form, status=400)
    except NoFacilitator:
        form.facilitator.errors.append(_("Choose the facilitator whose phone exported the file."))
        return _import_page(form, status=400)
    who = {"facilitator": imported.facilitator_id, "device": imported.device_id}
    audit.record_request("import", details={**who, **imported.counts})
    return _import_page(form, [(result, _errors(result)) for result in imported.results])


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
    from ..sync.conflicts import CopyGone, NotResolved, Resolution, resolve, waiting

    form = ResolveForm()
    if form.validate_on_submit():
        choice = Resolution(
            form.log_id.data, form.copy_rev.data, form.copy_hash.data, form.choice.data == "copy"
        )
        try:
            resolve(get_db(), choice, sync_rules())
        except CopyGone:
            abort(404)
        except NotResolved:
            abort(409)
        audit.record_request(
            "conflict_resolved", details={"log": choice.log_id, "kept": form.choice.data}
        )
        flash(_("Saved. The version you chose is now current; the other stays in the history."))
        return redirect(url_for("coordinator.attention"))
    return render_template(
        "coordinator/attention.html", items=waiting(get_db()), form=ResolveForm(formdata=None)
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
