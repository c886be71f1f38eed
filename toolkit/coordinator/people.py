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
    )


@bp.route("/facilitators/<facilitator_id>/enrol", methods=["POST"])
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
    lang = "ne" if facilitator["country"] == "NP" else "ur"
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


@bp.route("/devices/<device_id>/revoke", methods=["POST"])
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
