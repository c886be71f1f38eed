"""Facilitator mode: run one guide step by step on a phone, then log it.

The runner page holds the whole guide (every step a <section>) and JavaScript shows one step at a
time (static/js/runner.js). The service worker caches it, so it renders the same bytes every time:
no CSRF token, nonce or session data. Timers, the current step and skipped steps live in the phone's
localStorage, never on the server.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .guide_pages import guide_page
from .library import library

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


def has_logbook(lang: str) -> bool:
    """Whether this app answers `/<lang>/log` (the logbook is a separate feature and may be absent)."""
    try:
        current_app.url_map.bind("localhost").match(f"/{lang}/log", method="GET")
    except RequestRedirect:
        return True  # it answers at /<lang>/log/ and redirects there
    except HTTPException:
        return False
    return True


@bp.route("/<lang:lang>/guides/<slug>/run")
def run(lang: str, slug: str):
    """Every step of one guide, for facilitator mode (one step per screen with JavaScript)."""
    return guide_page(
        "guides/run.html",
        lang,
        slug,
        lambda: {
            "content_version": library().version,
            "log_url": request.script_root + f"/{lang}/log",
            "has_logbook": has_logbook(lang),
            "strings": {key: str(value) for key, value in SCRIPT_STRINGS.items()},
        },
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
