"""The coordinator area: login, dashboard, exports, facilitators and devices, and attention list.

Everything under /coordinator/ needs a login (except the login page). Pages work without JavaScript and
speak the coordinator's language. Aggregates go through small-cell suppression (reports.py); nothing here
shows or exports anything that could identify a participant.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import uuid

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from .db import get_db
from .i18n import best_language
from .languages import LANGUAGES
from .reports import Filters, build_report, current_logs
from .security import limiter

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")

ROLES = ("admin", "coordinator")
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
# Characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TABLE_TITLES = {
    "sessions_by_month": _l("Sessions per month"),
    "participants_by_month": _l("Participants per month"),
    "sessions_by_district": _l("Sessions by district"),
    "participants_by_district": _l("Participants by district"),
    "sessions_by_guide": _l("Sessions by guide"),
    "themes_by_district": _l("Themes raised, by district"),
    "themes_by_month": _l("Themes raised, by month"),
    "requested": _l("Topics requested next"),
    "referrals": _l("Referrals by type"),
}
ROW_LABELS = {
    "sessions_by_month": _l("Month"),
    "participants_by_month": _l("Month"),
    "sessions_by_district": _l("District"),
    "participants_by_district": _l("District"),
    "sessions_by_guide": _l("Guide"),
    "themes_by_district": _l("Theme"),
    "themes_by_month": _l("Theme"),
    "requested": _l("Guide"),
    "referrals": _l("Referral type"),
}


# --- accounts -------------------------------------------------------------------------------------


def create_coordinator(
    db, username: str, password: str, role: str = "coordinator", lang: str = "en"
) -> str:
    """Store a coordinator with a scrypt password hash; return the new id."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if db["coordinators"].count_where("username = ?", [username]):
        raise ValueError(f"a coordinator called {username!r} already exists")
    coordinator_id = str(uuid.uuid4())
    db["coordinators"].insert(
        {
            "id": coordinator_id,
            "username": username,
            "password_hash": generate_password_hash(password, method=PASSWORD_METHOD),
            "role": role,
            "lang": lang if lang in LANGUAGES else "en",
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    )
    return coordinator_id


def set_password(db, username: str, password: str) -> None:
    """Replace a coordinator's password (no old password needed: for admins and the CLI)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    rows = list(db["coordinators"].rows_where("username = ?", [username]))
    if not rows:
        raise ValueError(f"no coordinator called {username!r}")
    db["coordinators"].update(
        rows[0]["id"], {"password_hash": generate_password_hash(password, method=PASSWORD_METHOD)}
    )


def current_coordinator() -> dict | None:
    coordinator_id = session.get("coordinator_id")
    if not coordinator_id:
        return None
    if "coordinator" not in g:
        rows = list(get_db()["coordinators"].rows_where("id = ?", [coordinator_id]))
        g.coordinator = rows[0] if rows else None
    return g.coordinator


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_coordinator() is None:
            return redirect(url_for("coordinator.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_coordinator()["role"] != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.before_request
def choose_language() -> None:
    """The coordinator's saved language, else the session's choice, else the browser's."""
    coordinator = current_coordinator()
    lang = (coordinator or {}).get("lang") or session.get("lang")
    g.lang = lang if lang in LANGUAGES else best_language(request.cookies.get("lang"))


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class LanguageForm(FlaskForm):
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, info.native_name) for code, info in LANGUAGES.items()],
    )


class FiltersForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: filters change nothing

    start = StringField(_l("From month"), validators=[Optional(), Regexp(r"^\d{4}-\d{2}$")])
    end = StringField(_l("To month"), validators=[Optional(), Regexp(r"^\d{4}-\d{2}$")])
    district = StringField(_l("District"), validators=[Optional(), Length(max=80)])


class LogsExportForm(FlaskForm):
    include_notes = BooleanField(_l("Include free-text notes"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign in with user name and password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        rows = list(get_db()["coordinators"].rows_where("username = ?", [form.username.data]))
        if rows and check_password_hash(rows[0]["password_hash"], form.password.data):
            session.clear()
            session["coordinator_id"] = rows[0]["id"]
            target = request.args.get("next", "")
            # Only local paths: never redirect a coordinator to another site after login.
            if not target.startswith("/coordinator/") or target.startswith("//"):
                target = url_for("coordinator.dashboard")
            return redirect(target)
        error = _("User name or password is wrong. Check both and try again.")
    return render_template("coordinator/login.html", form=form, error=error), (
        401 if error else 200
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out."""
    session.clear()
    return redirect(url_for("coordinator.login"))


@bp.route("/language", methods=["POST"])
@login_required
def language():
    """Save the coordinator's language."""
    form = LanguageForm()
    if form.validate_on_submit():
        get_db()["coordinators"].update(current_coordinator()["id"], {"lang": form.lang.data})
    return redirect(request.referrer or url_for("coordinator.dashboard"))


@bp.route("/password", methods=["GET", "POST"])
@admin_required
def password():
    """Admins reset a coordinator's password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            set_password(get_db(), form.username.data, form.password.data)
        except ValueError:
            form.username.errors.append(_("No coordinator has this user name."))
        else:
            flash(_("Password changed."))
            return redirect(url_for("coordinator.password"))
    return render_template("coordinator/password.html", form=form)


# --- dashboard and exports ------------------------------------------------------------------------


ROW_KINDS = {
    "sessions_by_district": "district",
    "participants_by_district": "district",
    "sessions_by_guide": "guide",
    "requested": "guide",
    "themes_by_district": "theme",
    "themes_by_month": "theme",
    "referrals": "referral",
}
COLUMN_KINDS = {"themes_by_district": "district"}


def name_of(kind: str | None, code: str) -> str:
    """What a coordinator reads for a stored code: a guide's title, a translated theme…"""
    from .guides import library
    from .i18n import current_lang
    from .logbook import DISTRICT_LABELS, REFERRAL_LABELS, THEME_LABELS

    if kind == "guide":
        guide, _fallback = library().get(current_lang(), code)
        return guide.title if guide else code
    labels = {"district": DISTRICT_LABELS, "theme": THEME_LABELS, "referral": REFERRAL_LABELS}.get(
        kind or "", {}
    )
    return str(labels.get(code, code))


def _filters() -> tuple[FiltersForm, Filters]:
    form = FiltersForm(request.args)
    if request.args and not form.validate():
        return form, Filters()
    return form, Filters(form.start.data or None, form.end.data or None, form.district.data or None)


def _report(filters: Filters):
    threshold = current_app.config.get("SUPPRESS_BELOW", 5)
    return build_report(current_logs(get_db(), filters), filters, threshold)


@bp.route("/")
@login_required
def dashboard():
    """Sessions, people reached, themes, requests and referrals, with small counts hidden."""
    from .charts import bar_chart

    form, filters = _filters()
    report = _report(filters)
    charts = {
        key: bar_chart(
            TABLE_TITLES[key],
            report.tables[key],
            label=lambda c, k=key: name_of(ROW_KINDS.get(k), c),
        )
        for key in (
            "sessions_by_month",
            "participants_by_month",
            "sessions_by_district",
            "sessions_by_guide",
            "requested",
            "referrals",
        )
    }
    db = get_db()
    attention = db["session_logs"].count_where("conflict = 1") if db["session_logs"].exists() else 0
    districts = sorted(
        {
            row["district"]
            for row in db.query(
                "select distinct district from session_logs where district is not null"
            )
        }
    )
    return render_template(
        "coordinator/dashboard.html",
        form=form,
        report=report,
        charts=charts,
        titles=TABLE_TITLES,
        row_labels=ROW_LABELS,
        attention=attention,
        districts=districts,
        row_name=lambda key, code: name_of(ROW_KINDS.get(key), code),
        column_name=lambda key, code: name_of(COLUMN_KINDS.get(key), code),
    )


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet shows as text: formula-like cells get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(rows: list[list], filename: str) -> Response:
    """UTF-8 CSV with a BOM, so Excel opens Nepali and Urdu text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/export/aggregates.csv")
@login_required
def export_aggregates():
    """Every dashboard table, suppressed as on screen, in one CSV."""
    _form, filters = _filters()
    report = _report(filters)
    rows: list[list] = [
        [_("Sessions"), report.shown_headline(report.sessions)],
        [_("Participants"), report.shown_headline(report.participants)],
        [],
    ]
    for key, table in report.tables.items():
        rows.append([str(TABLE_TITLES[key])])

        def row_name(code: str, key: str = key) -> str:
            return name_of(ROW_KINDS.get(key), code)

        if table.columns == [""]:
            rows.append([str(ROW_LABELS[key]), _("Count")])
            rows += [[row_name(row), table.shown(row)] for row in table.rows]
            rows.append([_("Total"), table.shown_total()])
        else:
            columns = [name_of(COLUMN_KINDS.get(key), column) for column in table.columns]
            rows.append([str(ROW_LABELS[key]), *columns, _("Total")])
            rows += [
                [
                    row_name(row),
                    *[table.shown(row, c) for c in table.columns],
                    table.shown_row_total(row),
                ]
                for row in table.rows
            ]
            rows.append(
                [
                    _("Total"),
                    *[table.shown_column_total(c) for c in table.columns],
                    table.shown_total(),
                ]
            )
        rows.append([])
    return csv_response(rows, "aggregates.csv")


LOG_EXPORT_COLUMNS = [
    "id",
    "rev",
    "held_on",
    "guide",
    "lang",
    "district",
    "venue_type",
    "minutes",
    "participants",
    "returnees",
    "steps_done",
    "themes",
    "requested",
    "referrals",
    "market_info",
    "facilitator_id",
    "voided",
    "received_at",
]


@bp.route("/export/logs.csv", methods=["GET", "POST"])
@login_required
def export_logs():
    """Session logs without notes; notes only when chosen explicitly, after a warning."""
    form = LogsExportForm()
    if request.method == "GET":
        return render_template("coordinator/export_logs.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    columns = LOG_EXPORT_COLUMNS + (["notes"] if form.include_notes.data else [])
    _form, filters = _filters()
    logs = current_logs(get_db(), filters)
    rows = [columns] + [[log.get(column) for column in columns] for log in logs]
    return csv_response(rows, "session-logs.csv")


# --- facilitators and phones ----------------------------------------------------------------------


class FacilitatorForm(FlaskForm):
    name = StringField(_l("Facilitator's name"), validators=[DataRequired(), Length(max=80)])
    country = SelectField(
        _l("Country"), choices=[SelectChoice("NP", _l("Nepal")), SelectChoice("PK", _l("Pakistan"))]
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


@bp.route("/facilitators", methods=["GET", "POST"])
@login_required
def facilitators():
    """Facilitators with their phones (last sync, revoked); add a facilitator."""
    from .enrolment import FacilitatorError, create_facilitator

    db = get_db()
    form = FacilitatorForm()
    if form.validate_on_submit():
        try:
            create_facilitator(db, form.name.data, form.country.data)
        except FacilitatorError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("Facilitator added. Issue an enrolment code for her phone."))
            return redirect(url_for("coordinator.facilitators"))
    people = list(db.query("select * from facilitators order by name collate nocase"))
    devices: dict[str, list[dict]] = {}
    for device in db.query("select * from devices order by created_at"):
        devices.setdefault(device["facilitator_id"], []).append(device)
    return render_template(
        "coordinator/facilitators.html",
        form=form,
        people=people,
        devices=devices,
        action=ActionForm(),
    )


@bp.route("/facilitators/<facilitator_id>/enrol", methods=["POST"])
@login_required
def enrol(facilitator_id: str):
    """Issue a one-time enrolment code, shown as text and as a QR code."""
    import segno

    from .enrolment import issue_code

    if not ActionForm().validate_on_submit():
        abort(400)
    rows = list(get_db()["facilitators"].rows_where("id = ?", [facilitator_id]))
    if not rows:
        abort(404)
    facilitator = rows[0]
    hours = current_app.config.get("ENROLMENT_CODE_HOURS", 72)
    code, expires = issue_code(get_db(), facilitator_id, hours=hours)
    lang = "ne" if facilitator["country"] == "NP" else "ur"
    link = (
        url_for("logbook.enrol", lang=lang, code=code, _external=True)
        if ("logbook.enrol" in current_app.view_functions)
        else f"{request.host_url.rstrip('/')}/{lang}/enrol?code={code}"
    )
    qr = Markup(segno.make(link, error="m").svg_inline(scale=5, title=code))
    return render_template(
        "coordinator/enrol_code.html",
        facilitator=facilitator,
        code=code,
        expires=expires,
        link=link,
        qr=qr,
    )


@bp.route("/devices/<device_id>/revoke", methods=["POST"])
@login_required
def revoke(device_id: str):
    """Withdraw a lost or replaced phone: its token stops working at once."""
    from .enrolment import revoke_device

    if not ActionForm().validate_on_submit():
        abort(400)
    if not revoke_device(get_db(), device_id):
        abort(404)
    flash(_("Phone withdrawn. It can no longer send logs."))
    return redirect(url_for("coordinator.facilitators"))


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
    import json

    from .api import sync_rules, translate
    from .sync import Sender, ingest

    form = ImportForm()
    form.facilitator.choices = _facilitator_choices()
    results = None
    if form.validate_on_submit():
        try:
            data = json.loads(form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"]))
            records = data["records"]
            if not isinstance(records, list):
                raise TypeError
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            form.file.errors.append(
                _(
                    "This is not an unsent-logs file from the logbook. Export it "
                    "again from the phone (Logbook → Export unsent logs)."
                )
            )
            return render_template("coordinator/import.html", form=form, results=None), 400
        db = get_db()
        facilitator_id = form.facilitator.data or data.get("facilitator_id")
        rows = list(db["facilitators"].rows_where("id = ?", [facilitator_id or ""]))
        if not rows:
            form.facilitator.errors.append(
                _("Choose the facilitator whose phone exported the file.")
            )
            return render_template("coordinator/import.html", form=form, results=None), 400
        device_id = data.get("device_id")
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
    from .api import sync_rules
    from .sync import Sender, ingest, row_to_record

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
        flash(_("Saved. The version you chose is now current; the other stays in the history."))
        return redirect(url_for("coordinator.attention"))
    return render_template(
        "coordinator/attention.html", items=_attention_items(db), form=ResolveForm(formdata=None)
    )


NAV_LINKS = (
    ("coordinator.facilitators", _l("Facilitators and phones")),
    ("coordinator.attention", _l("Needs attention")),
    ("coordinator.import_logs", _l("Import logs")),
    ("coordinator.password", _l("Passwords")),
)


@bp.context_processor
def navigation() -> dict:
    coordinator = current_coordinator() or {}
    links = [
        (endpoint, label)
        for endpoint, label in NAV_LINKS
        if endpoint in current_app.view_functions
        and (endpoint != "coordinator.password" or coordinator.get("role") == "admin")
    ]
    return {
        "coordinator_links": links,
        "has_report_pdf": "coordinator.report_pdf" in current_app.view_functions,
    }


# --- command line ---------------------------------------------------------------------------------


@click.command("create-coordinator")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="coordinator",
    show_default=True,
    help="admin can reset other coordinators' passwords",
)
@click.option("--lang", type=click.Choice(list(LANGUAGES)), default="en", show_default=True)
@click.password_option(help="at least 10 characters (asked for when not given)")
@with_appcontext
def create_coordinator_command(username: str, role: str, lang: str, password: str) -> None:
    """Create a coordinator who can sign in at /coordinator/login."""
    try:
        create_coordinator(get_db(), username, password, role, lang)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Coordinator {username!r} created ({role}).")


@click.command("set-password")
@click.argument("username")
@click.password_option(help="at least 10 characters (asked for when not given)")
@with_appcontext
def set_password_command(username: str, password: str) -> None:
    """Reset a coordinator's password."""
    try:
        set_password(get_db(), username, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Password of {username!r} changed.")


@click.command("purge-notes")
@click.option(
    "--older-than",
    "days",
    type=int,
    default=None,
    help="days to keep notes (default: config NOTES_RETENTION_DAYS, 180)",
)
@with_appcontext
def purge_notes_command(days: int | None) -> None:
    """Erase free-text notes of sessions held longer ago than the retention period (run daily)."""
    days = days if days is not None else current_app.config["NOTES_RETENTION_DAYS"]
    purged = purge_notes(get_db(), days)
    click.echo(f"Notes purged from {purged} record(s) held more than {days} days ago.")


def purge_notes(db, days: int, today: dt.date | None = None) -> int:
    """Blank `notes` of logs (and their kept revisions) held before the cut-off; return how many."""
    cutoff = ((today or dt.date.today()) - dt.timedelta(days=days)).isoformat()
    purged = 0
    with db.conn:
        for table in ("session_logs", "session_log_revisions"):
            if db[table].exists():
                cursor = db.execute(
                    f"update [{table}] set notes = '' where held_on < ? and coalesce(notes, '') != ''",
                    [cutoff],
                )
                purged += cursor.rowcount
    return purged


def init_app(app: Flask) -> None:
    app.config.setdefault("SUPPRESS_BELOW", 5)
    app.config.setdefault("NOTES_RETENTION_DAYS", 180)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    # Secure cookies need HTTPS; tests and `make run` serve plain HTTP on 127.0.0.1.
    app.config.setdefault("SESSION_COOKIE_SECURE", not app.testing)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.register_blueprint(bp)
    for command in (create_coordinator_command, set_password_command, purge_notes_command):
        app.cli.add_command(command)
