"""Facilitator mode: run one guide step by step on a phone, then log it.

The runner page holds the whole guide (every step a <section>) and JavaScript shows one step at a
time (static/js/runner.js). The service worker caches it, so it renders the same bytes every time:
no CSRF token, nonce or session data. Timers, the current step and skipped steps live in the phone's
localStorage, never on the server.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .guides import BLOCK_LABELS, MODULE_NAMES, guide_or_404, library

bp = Blueprint("runner", __name__)

# Strings the script needs, rendered into the page in its language (placeholders filled by the script).
SCRIPT_STRINGS = {
    "step_of": _l("Step %(n)s of %(total)s"),
    "next": _l("Next"),
    "finish": _l("Finish session"),
    "skip": _l("Skip this step"),
    "unskip": _l("Don't skip this step"),
    "pause": _l("Pause"),
    "resume": _l("Resume"),
    "left": _l("left in this step"),
    "over": _l("over time"),
    "paused": _l("Paused"),
    "none": _l("None"),
    "minutes": _l("%(minutes)s minutes"),
}


def log_path(lang: str) -> str | None:
    """The log form's address in `lang`, or None while no logbook is installed in this app."""
    path = f"/{lang}/log"
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:
        pass  # the logbook answers at /<lang>/log/ and redirects there; the address still works
    except HTTPException:
        return None
    return request.script_root + path


@bp.route("/<lang>/guides/<slug>/run")
def run(lang: str, slug: str):
    """Every step of one guide, for facilitator mode (one step per screen with JavaScript)."""
    guide, fallback = guide_or_404(lang, slug)
    strings = {key: str(value) for key, value in SCRIPT_STRINGS.items()}
    return render_template(
        "guides/run.html",
        guide=guide,
        fallback=fallback,
        content_version=library().version,
        log_url=log_path(lang) or "",
        strings=strings,
        module_names=MODULE_NAMES,
        block_labels=BLOCK_LABELS,
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
