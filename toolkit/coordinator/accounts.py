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


def find_account(db, username: str) -> dict | None:
    """The account of this user name, unless it was withdrawn."""
    rows = list(db["coordinators"].rows_where("username = ? and withdrawn_at is null", [username]))
    return rows[0] if rows else None


def password_matches(account: dict | None, password: str) -> bool:
    """Whether `password` opens `account`: the same scrypt check for an unknown name (None)."""
    stored = account["password_hash"] if account else dummy_password_hash()
    return check_password_hash(stored, password) and account is not None


def sign_in(db, coordinator: dict) -> None:
    """Start a server-side session for the coordinator: the cookie holds only its random id."""
    now = dt.datetime.now(dt.UTC)
    sessions.purge_expired(db, now, *_lifetimes())
    session.clear()
    session.permanent = True  # the cookie ends with the absolute lifetime too
    session["sid"] = sessions.start(db, coordinator["id"], now)
    audit.record_request("login", actor=coordinator["username"])


def record_failed_login(account: dict | None) -> None:
    """Audit a refused login: whose account, or only that the name is unknown (never the name)."""
    audit.record_request(
        "login_failed",
        actor=account["username"] if account else None,
        details={} if account else {"unknown_user_name": True},
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign in with user name and password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_db()
        account = find_account(db, form.username.data)
        if password_matches(account, form.password.data):
            sign_in(db, account)
            # Only paths inside the coordinator area: never another site, never a broken header.
            return redirect(safe_next(request.args.get("next"), url_for("coordinator.dashboard")))
        record_failed_login(account)
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
