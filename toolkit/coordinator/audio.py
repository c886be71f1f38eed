"""Spoken scripts in the coordinator area: record each say block, listen, upload, approve, keep, remove.

Coordinators and recorders record and upload; only admins approve, keep a recording for edited text,
or remove one. The recording page is the only page that may use the microphone (Permissions-Policy)
and play the browser's own blob: preview (Content-Security-Policy media-src).
"""

from __future__ import annotations

import functools
import io

from flask import (
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError

from .. import audio, audit
from ..audio_format import MAX_SECONDS, TARGET_BITRATE, TYPES, AudioError, check_recording
from ..db import get_db
from ..languages import LANGUAGES
from ..library import library
from ..security import CONTENT_SECURITY_POLICY
from . import bp
from .accounts import admin_required, choose_language, current_coordinator, login_required

RECORDING_PAGE_POLICY = CONTENT_SECURITY_POLICY + "; media-src 'self' blob:"


def refusal(error: AudioError) -> str:
    """Why an upload was refused, in the coordinator's language, with what to do instead."""
    values = dict(error.values)
    messages = {
        "missing": lambda: _(
            "No recording arrived. Record the block, listen to it, then upload it."
        ),
        "type": lambda: _(
            "This file is not an Opus recording (WebM or Ogg). Record the block again on this page."
        ),
        "unreadable": lambda: _("This recording is damaged or cut short. Record the block again."),
        "too_large": lambda: _(
            "This recording is too large (%(kb)s KB; at most %(limit)s KB). "
            "Record it again, reading a little faster, or ask for the block to be split.",
            **values,
        ),
        "too_long": lambda: _(
            "This recording is too long (%(seconds)s seconds; at most %(limit)s). "
            "Ask for the block to be split into shorter ones.",
            **values,
        ),
        "too_short": lambda: _(
            "This recording is too short. Press Record, read the block, then press Stop."
        ),
        "bitrate": lambda: _(
            "This recording is at too high a quality (%(kbps)s kbit/s; at most %(limit)s). "
            "Record it on this page, which records at the right quality.",
            **values,
        ),
    }
    return messages.get(error.code, messages["unreadable"])()


def guide_exactly(lang: str, slug: str):
    """The guide written in `lang` (no English stand-in: a recording is of the text in that language)."""
    guide = library().guides.get((lang, slug))
    if guide is None:
        abort(404)
    return guide


class ActionForm(FlaskForm):
    """An empty form: its CSRF token is all an approve, keep or remove button needs."""


@bp.route("/audio/")
@login_required
def audio_index():
    """Every guide of every language, with how many of its say blocks have approved audio."""
    db = get_db()
    rows = []
    for lang in LANGUAGES:
        for guide, fallback in library().for_language(lang):
            if fallback:
                continue
            done, total = audio.coverage(db, [guide]).get(lang, (0, 0))
            rows.append({"lang": lang, "guide": guide, "done": done, "total": total})
    return render_template("coordinator/audio_index.html", rows=rows)


@bp.route("/audio/<lang:language>/<slug>")
@login_required
def audio_guide(language: str, slug: str):
    """The say blocks of one guide, each with its recording, a recorder and (for admins) approval."""
    guide = guide_exactly(language, slug)
    response = make_response(
        render_template(
            "coordinator/audio.html",
            guide=guide,
            states=audio.block_states(get_db(), guide),
            action=ActionForm(),
            is_admin=current_coordinator()["role"] == "admin",
            limits={"seconds": int(MAX_SECONDS), "bitrate": TARGET_BITRATE},
        )
    )
    response.headers["Content-Security-Policy"] = RECORDING_PAGE_POLICY
    response.headers["Permissions-Policy"] = "camera=(), microphone=(self), geolocation=()"
    return response


def _answer(ok: bool, message: str, status: int, back: str):
    """JSON for recorder.js, a flash and a redirect for the plain form."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": ok, "message": message}), status
    if ok:
        flash(message)
        return redirect(back)
    return render_template("coordinator/audio_refused.html", message=message, back=back), status


def signed_in_to_upload(view):
    """Like login_required, but recorder.js (asking for JSON) gets a 401 saying so, not a redirect."""
    checked = login_required(view)  # the role check (a recorder may upload)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_coordinator() is not None or request.accept_mimetypes.best != "application/json":
            return checked(*args, **kwargs)  # a plain form goes to the login page, as elsewhere
        message = _("You are signed out. Sign in again, then record and upload the block.")
        return jsonify({"ok": False, "message": message}), 401

    return wrapped


@bp.route("/audio/<lang:language>/<slug>/<slot>", methods=["POST"])
@signed_in_to_upload
def audio_upload(language: str, slug: str, slot: str):
    """Store one take of a say block, as `recorded` until an admin approves it."""
    guide = guide_exactly(language, slug)
    block = next((b for b in audio.say_blocks(guide) if b.slot == slot), None)
    if block is None:
        abort(404)
    back = url_for("coordinator.audio_guide", language=language, slug=slug) + f"#say-{slot}"
    upload = request.files.get("audio")
    try:
        clip = check_recording(upload.read() if upload else b"")  # ≤ MAX_CONTENT_LENGTH
    except AudioError as error:
        status = 413 if error.code == "too_large" else 400 if error.code == "missing" else 422
        return _answer(False, refusal(error), status, back)
    db = get_db()
    recording_id = audio.store_recording(db, guide, block, clip, current_coordinator()["username"])
    audit.record_request(
        "audio_uploaded",
        details={
            "lang": language,
            "guide": slug,
            "block": slot,
            "recording": recording_id,
            "seconds": clip.seconds,
            "bytes": len(clip.data),
        },
    )
    return _answer(
        True, _("Recording uploaded. An admin approves it before phones get it."), 201, back
    )


def _recording_of(lang: str, slug: str, recording_id: str) -> tuple:
    guide = guide_exactly(lang, slug)
    recording = audio.get_recording(get_db(), recording_id)
    if recording is None or (recording["lang"], recording["slug"]) != (lang, slug):
        abort(404)
    return guide, recording


@bp.route("/audio/<lang:language>/<slug>/recordings/<id:recording_id>")
@login_required
def audio_listen(language: str, slug: str, recording_id: str):
    """Any take of this guide, for listening on the recording page (Range requests answered)."""
    _guide, recording = _recording_of(language, slug, recording_id)
    data = audio.get_recording(get_db(), recording_id, with_data=True)["data"]
    return send_file(
        io.BytesIO(data), mimetype=TYPES[recording["container"]], conditional=True, max_age=0
    )


@bp.route(
    "/audio/<lang:language>/<slug>/recordings/<id:recording_id>/<action_name>", methods=["POST"]
)
@admin_required
def audio_decide(language: str, slug: str, recording_id: str, action_name: str):
    """Approve a take, keep a recording for its block's edited text, or remove a recording."""
    guide, recording = _recording_of(language, slug, recording_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    flash(decide(action_name, guide, recording))
    return redirect(
        url_for("coordinator.audio_guide", language=language, slug=slug)
        + f"#say-{recording['slot']}"
    )


def decide(action_name: str, guide, recording: dict) -> str:
    """Carry out an admin's decision on one recording, audited; what to tell her (404: no such action)."""
    db = get_db()
    details = {
        "lang": recording["lang"],
        "guide": recording["slug"],
        "block": recording["slot"],
        "recording": recording["id"],
    }
    if action_name == "approve":
        replaced = audio.approve(db, recording, current_coordinator()["username"])
        audit.record_request("audio_approved", details={**details, "replaced": replaced})
        return _("Recording approved: phones get it the next time they open the guide online.")
    if action_name == "keep":
        block = next((b for b in audio.say_blocks(guide) if b.slot == recording["slot"]), None)
        if block is None:
            abort(404)
        audio.keep_for_new_text(db, recording, block)
        audit.record_request("audio_kept", details=details)
        return _("Recording kept for the changed text.")
    if action_name == "remove":
        audio.remove(db, recording["id"])
        audit.record_request("audio_removed", details=details)
        return _("Recording removed.")
    abort(404)


@bp.errorhandler(CSRFError)
def audio_csrf_refused(error: CSRFError):
    """An upload without a valid CSRF token: a clear answer in the coordinator's language."""
    if request.endpoint != "coordinator.audio_upload":
        return error
    choose_language()  # the check ran before the area's own before_request picked the language
    return _answer(
        False,
        _("This page has expired. Reload it, record the block again, and upload it."),
        400,
        url_for("coordinator.audio_index"),
    )


@bp.app_template_global()
def audio_coverage() -> list[dict]:
    """Per language: how many say blocks have approved audio (for the dashboard)."""
    counts = audio.coverage(get_db(), list(library().guides.values()))
    return [
        {"lang": lang, "done": counts.get(lang, (0, 0))[0], "total": counts.get(lang, (0, 0))[1]}
        for lang in LANGUAGES
        if lang in counts
    ]
