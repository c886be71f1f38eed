"""Coordinator accounts: passwords (scrypt), login and logout, language, admin password reset."""

from __future__ import annotations

import datetime as dt
import functools
import uuid

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

from ..db import get_db
from ..i18n import best_language
from ..languages import LANGUAGES
from ..security import limiter
from . import bp

ROLES = ("admin", "coordinator")
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


NAV_LINKS = (
    ("coordinator.facilitators", _l("Facilitators and phones")),
    ("coordinator.attention", _l("Needs attention")),
    ("coordinator.identifying", _l("Notes to review")),
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
