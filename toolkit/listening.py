"""Approved spoken scripts for phones: a small JSON list per guide and the recordings themselves.

Guide and runner pages stay the same bytes on every render: they carry only each say block's text hash
(`data-say`), and static/js/player.js asks `/<lang>/guides/<slug>/audio.json` which blocks have approved
audio. Clip URLs carry the text hash and the recording id, so a clip never changes under its URL and the
service worker keeps or replaces each one by URL alone.
"""

from __future__ import annotations

import io

from flask import Blueprint, Flask, abort, jsonify, request, send_file, url_for
from flask_babel import lazy_gettext as _l

from . import audio, audio_format
from .db import get_db
from .library import guide_or_404

bp = Blueprint("listening", __name__)
ONE_YEAR = 365 * 24 * 3600
# What static/js/player.js shows, rendered into guide and runner pages (placeholders filled by the script).
PLAYER_STRINGS = {
    "play": _l("Listen"),
    "pause": _l("Pause"),
    "back": _l("Back 10 seconds"),
    "keep": _l("Keep audio for this guide offline (%(size)s)"),
    "kept": _l("Audio for this guide is kept offline (%(size)s)."),
    "keeping": _l("Saving the audio…"),
    "keep_failed": _l("The audio could not be saved. Check the connection and try again."),
    "storage": _l("This phone stores %(used)s of the %(quota)s the browser allows."),
    "kb": _l("%(n)s KB"),
    "mb": _l("%(n)s MB"),
    "gb": _l("%(n)s GB"),
    "app": _l("Facilitator Toolkit"),
}


@bp.route("/<lang:lang>/guides/<slug>/audio.json")
def manifest(lang: str, slug: str):
    """The guide's approved audio: say hash → clip URL, bytes, seconds; with a version and a total."""
    guide, _fallback = guide_or_404(lang, slug)
    body = audio.manifest(
        get_db(), guide, lambda name: url_for("listening.clip", lang=lang, slug=slug, name=name)
    )
    response = jsonify(body)
    response.set_etag(body["version"])
    response.headers["Cache-Control"] = "no-cache"  # cacheable, but asked again each time online
    return response.make_conditional(request)


@bp.route("/<lang:lang>/guides/<slug>/audio/<name>")
def clip(lang: str, slug: str, name: str):
    """One approved recording (whole, or the byte range a media element asks for)."""
    guide, _fallback = guide_or_404(lang, slug)
    recording = audio.find_served(get_db(), guide, name)
    if recording is None:
        abort(404)  # never recorded, not approved, or its text has changed since
    response = send_file(
        io.BytesIO(recording["data"]),
        mimetype=audio_format.TYPES[recording["container"]],
        conditional=True,
        etag=recording["id"],
        max_age=ONE_YEAR,
    )
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


def player_strings() -> dict[str, str]:
    return {key: str(value) for key, value in PLAYER_STRINGS.items()}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["say_hash"] = audio.say_hash
    app.jinja_env.globals["player_strings"] = player_strings
    app.register_blueprint(bp)
