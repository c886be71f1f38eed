"""Facilitators and their phones: add a facilitator, issue an enrolment code (text and QR), withdraw."""

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
from markupsafe import Markup
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .. import audit
from ..db import get_db
from ..languages import language_for_country
from ..phones import NICKNAME_LENGTH, client_label, set_nickname
from . import bp
from .accounts import login_required

# --- facilitators and phones ----------------------------------------------------------------------


class FacilitatorForm(FlaskForm):
    name = StringField(_l("Facilitator's name"), validators=[DataRequired(), Length(max=80)])
    country = SelectField(
        _l("Country"), choices=[SelectChoice("NP", _l("Nepal")), SelectChoice("PK", _l("Pakistan"))]
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class NicknameForm(FlaskForm):
    nickname = StringField(
        _l("Nickname"), validators=[Length(max=NICKNAME_LENGTH)], render_kw={"autocomplete": "off"}
    )


def _device(device_id: str) -> tuple[dict, dict]:
    """The phone and its facilitator, or 404."""
    db = get_db()
    rows = list(db["devices"].rows_where("id = ?", [device_id]))
    if not rows:
        abort(404)
    people = list(db["facilitators"].rows_where("id = ?", [rows[0]["facilitator_id"]]))
    return rows[0], (people[0] if people else {"name": "", "country": None})


def phone_name(device: dict) -> str:
    """How the phones page names a phone: its nickname, else its system and browser."""
    label = client_label(device, _separator())
    return device.get("nickname") or label or _("Phone (system not known)")


@bp.route("/facilitators", methods=["GET", "POST"])
@login_required
def facilitators():
    """Facilitators with their phones (last sync, revoked); add a facilitator."""
    from ..enrolment import FacilitatorError, create_facilitator

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
        phone_name=phone_name,
        client_label=lambda device: client_label(device, _separator()),
        nickname_form=NicknameForm,
    )


def _separator() -> str:
    from ..i18n import current_lang
    from ..languages import LANGUAGES

    return LANGUAGES[current_lang()].separator


@bp.route("/devices/<id:device_id>/nickname", methods=["POST"])
@login_required
def nickname(device_id: str):
    """Give a phone a name the coordinator knows it by (or clear it)."""
    form = NicknameForm()
    if not form.validate_on_submit():
        abort(400)
    _device(device_id)
    set_nickname(get_db(), device_id, form.nickname.data or "")
    flash(_("Phone name saved."))
    return redirect(url_for("coordinator.facilitators") + f"#d-{device_id}")


@bp.route("/devices/<id:device_id>/withdraw")
@login_required
def confirm_withdraw(device_id: str):
    """Ask before withdrawing: the page names the phone and whose it is (no JavaScript needed)."""
    device, person = _device(device_id)
    if device["revoked_at"]:
        flash(_("This phone was already withdrawn."))
        return redirect(url_for("coordinator.facilitators"))
    return render_template(
        "coordinator/withdraw.html",
        device=device,
        person=person,
        phone_name=phone_name(device),
        label=client_label(device, _separator()),
        action=ActionForm(),
    )


@bp.route("/facilitators/<id:facilitator_id>/enrol", methods=["POST"])
@login_required
def enrol(facilitator_id: str):
    """Issue a one-time enrolment code, shown as text and as a QR code."""
    import segno

    from ..enrolment import enrolment_link, issue_code

    if not ActionForm().validate_on_submit():
        abort(400)
    rows = list(get_db()["facilitators"].rows_where("id = ?", [facilitator_id]))
    if not rows:
        abort(404)
    facilitator = rows[0]
    hours = current_app.config.get("ENROLMENT_CODE_HOURS", 72)
    code, expires = issue_code(get_db(), facilitator_id, hours=hours)
    audit.record_request("enrolment_code_issued", details={"facilitator": facilitator_id})
    lang = language_for_country(facilitator["country"])
    # From the configured address only: the request's Host header is the sender's to choose.
    base_url = current_app.config.get("BASE_URL")
    link = enrolment_link(base_url, lang, code) if base_url else None
    qr = Markup(segno.make(link, error="m").svg_inline(scale=5, title=code)) if link else None
    return render_template(
        "coordinator/enrol_code.html",
        facilitator=facilitator,
        code=code,
        expires=expires,
        link=link,
        qr=qr,
    )


@bp.route("/devices/<id:device_id>/revoke", methods=["POST"])
@login_required
def revoke(device_id: str):
    """Withdraw a lost or replaced phone: its token stops working at once."""
    from ..enrolment import revoke_device

    if not ActionForm().validate_on_submit():
        abort(400)
    if not revoke_device(get_db(), device_id):
        abort(404)
    audit.record_request("phone_withdrawn", details={"device": device_id})
    flash(_("Phone withdrawn. It can no longer send logs."))
    return redirect(url_for("coordinator.facilitators"))
