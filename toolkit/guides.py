"""Reading guides: the language redirect, the guide list and the guide page.

Guide pages are cached by the service worker: they must render the same bytes every time, so they
carry no CSRF token, nonce or sync status (JavaScript fills status in).
"""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l

from .content import Library, load_library
from .i18n import LANG_COOKIE, best_language, current_lang
from .languages import LANGUAGES

bp = Blueprint("guides", __name__)

MODULE_NAMES = {
    "livelihood": _l("Livelihood and wellbeing"),
    "options": _l("Knowing your options"),
    "negotiation": _l("Negotiation skills"),
}
BLOCK_LABELS = {
    "say": _l("Read aloud"),
    "ask": _l("Ask the group"),
    "do": _l("Do"),
    "note": _l("For the facilitator only"),
    "handout": _l("Handout"),
    "facts": _l("Facts: verify locally"),
}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # checked with fullmatch
ONE_YEAR = 365 * 24 * 3600


def library() -> Library:
    """The guides, parsed once when the app starts."""
    return current_app.extensions["toolkit.library"]


def language_or_404(lang: str) -> str:
    if lang not in LANGUAGES:
        abort(404)
    return lang


def guide_or_404(lang: str, slug: str):
    """The guide in `lang` (or English, flagged), never touching the file system with `slug`."""
    language_or_404(lang)
    if not _SLUG.fullmatch(slug):
        abort(404)
    guide, fallback = library().get(lang, slug)
    if guide is None:
        abort(404)
    return guide, fallback


def rendered_once(render) -> str:
    """The page's HTML, rendered once per process.

    Guide and runner pages are the same bytes on every render (the service worker relies on it), and
    rendering the template costs several times more than sending it: keep the first render.
    """
    if current_app.debug:
        return render()  # templates reload while developing
    cache = current_app.extensions.setdefault("toolkit.rendered", {})
    key = (request.endpoint, request.script_root, tuple(sorted((request.view_args or {}).items())))
    html = cache.get(key)
    if html is None:
        html = cache[key] = render()
    return html


@bp.route("/")
def root():
    """Send people to their language: the remembered choice, else Accept-Language."""
    response = redirect(
        url_for("guides.index", lang=best_language(request.cookies.get(LANG_COOKIE)))
    )
    response.headers["Cache-Control"] = "no-store"  # a cached redirect would pin the language
    return response


@bp.route("/<lang>/")
def index(lang: str):
    """Guides grouped by module, with offline and sync status filled in by JavaScript."""
    language_or_404(lang)
    response = make_response(
        render_template(
            "guides/index.html", groups=library().by_module(lang), module_names=MODULE_NAMES
        )
    )
    response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="Lax")
    return response


@bp.route("/<lang>/guides/<slug>")
def guide(lang: str, slug: str):
    """Every step and block of one guide."""
    guide, fallback = guide_or_404(lang, slug)
    return rendered_once(
        lambda: render_template(
            "guides/guide.html",
            guide=guide,
            fallback=fallback,
            module_names=MODULE_NAMES,
            block_labels=BLOCK_LABELS,
        )
    )


def not_found(_error):
    lang = current_lang()
    if (request.view_args or {}).get("lang") not in LANGUAGES:
        lang = best_language(request.cookies.get(LANG_COOKIE))
    from flask import g

    g.lang = lang
    return render_template("errors/404.html"), 404


def init_app(app: Flask) -> None:
    app.extensions["toolkit.library"] = load_library(app.config["CONTENT_DIR"])
    for problem in app.extensions["toolkit.library"].problems:
        app.logger.warning("content: %s", problem)
    app.register_blueprint(bp)
    app.register_error_handler(404, not_found)
