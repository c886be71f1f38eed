"""Coordinator accounts: passwords (scrypt), login and logout, language, admin password reset.

Sessions live on the server (sessions.py): the cookie holds a random id only, so logout, a password
change and a withdrawn account end them at once. Login does the same scrypt work whether or not the
user name exists, so answer times do not tell which accounts exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from urllib.parse import urlsplit

import click
from flask import (
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
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from .. import audit
from ..db import get_db, immediate
from ..i18n import best_language
from ..languages import LANGUAGES
from ..security import limiter, safe_next
from . import bp, sessions

ROLES = ("admin", "coordinator", "recorder")
# A recorder (a native speaker who records the spoken scripts) sees the audio pages and nothing else.
RECORDER_ENDPOINTS = {
    "coordinator.logout",
    "coordinator.language",
    "coordinator.audio_index",
    "coordinator.audio_guide",
    "coordinator.audio_upload",
    "coordinator.audio_listen",
}
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10

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
    """Replace a coordinator's password (no old password needed: for admins and the CLI).

    Every session of that coordinator ends: whoever held the old password is signed out.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    rows = list(db["coordinators"].rows_where("username = ?", [username]))
    if not rows:
        raise ValueError(f"no coordinator called {username!r}")
    with immediate(db.conn):
        db["coordinators"].update(
            rows[0]["id"],
            {"password_hash": generate_password_hash(password, method=PASSWORD_METHOD)},
        )
        sessions.end_all(db, rows[0]["id"])


def withdraw_coordinator(db, username: str, now: dt.datetime | None = None) -> None:
    """Close an account: it can no longer sign in, and its sessions end now. History stays."""
    rows = list(db["coordinators"].rows_where("username = ?", [username]))
    if not rows:
        raise ValueError(f"no coordinator called {username!r}")
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    with immediate(db.conn):
        db["coordinators"].update(rows[0]["id"], {"withdrawn_at": stamp})
        sessions.end_all(db, rows[0]["id"])


@functools.cache
def dummy_password_hash() -> str:
    """A scrypt hash of a password nobody knows: checked when the user name does not exist."""
    return generate_password_hash(str(uuid.uuid4()), method=PASSWORD_METHOD)


def _lifetimes() -> tuple[dt.timedelta, dt.timedelta]:
    idle = dt.timedelta(hours=float(current_app.config["COORDINATOR_IDLE_HOURS"]))
    return idle, current_app.permanent_session_lifetime


def current_coordinator() -> dict | None:
    """The signed-in coordinator: a live server-side session of an account not withdrawn."""
    if "coordinator" not in g:
        g.coordinator = None
        session_id = session.get("sid")
        if session_id:
            db = get_db()
            idle, absolute = _lifetimes()
            now = dt.datetime.now(dt.UTC)
            coordinator_id = sessions.find(db, session_id, now, idle, absolute)
            rows = list(
                db["coordinators"].rows_where(
                    "id = ? and withdrawn_at is null", [coordinator_id or ""]
                )
            )
            g.coordinator = rows[0] if rows else None
    return g.coordinator


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        coordinator = current_coordinator()
        if coordinator is None:
            return redirect(url_for("coordinator.login", next=request.path))
        if coordinator["role"] == "recorder" and request.endpoint not in RECORDER_ENDPOINTS:
            if request.method == "GET" and request.endpoint == "coordinator.dashboard":
                return redirect(url_for("coordinator.audio_index"))  # where a recorder lands
            abort(403)
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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign in with user name and password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_db()
        rows = list(
            db["coordinators"].rows_where(
                "username = ? and withdrawn_at is null", [form.username.data]
            )
        )
        # The same scrypt check for an unknown name as for a wrong password.
        stored = rows[0]["password_hash"] if rows else dummy_password_hash()
        if check_password_hash(stored, form.password.data) and rows:
            coordinator = rows[0]
            now = dt.datetime.now(dt.UTC)
            sessions.purge_expired(db, now, *_lifetimes())
            session.clear()
            session.permanent = True  # the cookie ends with the absolute lifetime too
            session["sid"] = sessions.start(db, coordinator["id"], now)
            audit.record_request("login", actor=coordinator["username"])
            # Only paths inside the coordinator area: never another site, never a broken header.
            return redirect(safe_next(request.args.get("next"), url_for("coordinator.dashboard")))
        audit.record_request(
            "login_failed",
            actor=rows[0]["username"] if rows else None,
            details={} if rows else {"unknown_user_name": True},
        )
        error = _("User name or password is wrong. Check both and try again.")
    return render_template("coordinator/login.html", form=form, error=error), (
        401 if error else 200
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: this session ends on the server, so a copy of the cookie opens nothing."""
    audit.record_request("logout")
    sessions.end(get_db(), session.get("sid"))
    session.clear()
    return redirect(url_for("coordinator.login"))


@bp.route("/language", methods=["POST"])
@login_required
def language():
    """Save the coordinator's language."""
    form = LanguageForm()
    if form.validate_on_submit():
        get_db()["coordinators"].update(current_coordinator()["id"], {"lang": form.lang.data})
    back = urlsplit(request.referrer or "")
    back_path = back.path + (f"?{back.query}" if back.query else "")
    return redirect(safe_next(back_path, url_for("coordinator.dashboard")))


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
            audit.record_request("password_changed", details={"user": form.username.data})
            flash(_("Password changed."))
            return redirect(url_for("coordinator.password"))
    return render_template("coordinator/password.html", form=form)


NAV_LINKS = (
    ("coordinator.facilitators", _l("Facilitators and phones")),
    ("coordinator.attention", _l("Needs attention")),
    ("coordinator.hubs", _l("Field hubs")),
    ("coordinator.identifying", _l("Notes to review")),
    ("coordinator.import_logs", _l("Import logs")),
    ("coordinator.password", _l("Passwords")),
    ("coordinator.audit_log", _l("Audit log")),
    ("coordinator.audio_index", _l("Spoken scripts")),
)
ADMIN_PAGES = {"coordinator.password", "coordinator.audit_log"}


@bp.context_processor
def navigation() -> dict:
    coordinator = current_coordinator() or {}
    links = [
        (endpoint, label)
        for endpoint, label in NAV_LINKS
        if endpoint in current_app.view_functions
        and (endpoint not in ADMIN_PAGES or coordinator.get("role") == "admin")
        and (coordinator.get("role") != "recorder" or endpoint in RECORDER_ENDPOINTS)
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
    help="admin can reset other coordinators' passwords and approve recordings; "
    "recorder only records spoken scripts",
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
    audit.record(
        get_db(), "coordinator_created", actor="cli", details={"user": username, "role": role}
    )
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
    audit.record(get_db(), "password_changed", actor="cli", details={"user": username})
    click.echo(f"Password of {username!r} changed; their sessions have ended.")


@click.command("withdraw-coordinator")
@click.argument("username")
@with_appcontext
def withdraw_coordinator_command(username: str) -> None:
    """Close a coordinator's account: no more sign-ins, and their open sessions end now."""
    try:
        withdraw_coordinator(get_db(), username)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    audit.record(get_db(), "coordinator_withdrawn", actor="cli", details={"user": username})
    click.echo(f"Account of {username!r} withdrawn; their sessions have ended.")
