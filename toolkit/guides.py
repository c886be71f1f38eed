"""Reading guides: the language redirect, the guide list and the guide page.

Guide pages are cached by the service worker: they must render the same bytes every time, so they
carry no CSRF token, nonce or sync status (JavaScript fills status in).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from .guide_pages import guide_page
from .i18n import LANG_COOKIE, best_language, current_lang
from .languages import LANGUAGES
from .library import MODULE_NAMES, library

bp = Blueprint("guides", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.route("/")
def root():
    """Send people to their language: the remembered choice, else Accept-Language."""
    response = redirect(
        url_for("guides.index", lang=best_language(request.cookies.get(LANG_COOKIE)))
    )
    response.headers["Cache-Control"] = "no-store"  # a cached redirect would pin the language
    return response


@bp.route("/<lang:lang>/")
def index(lang: str):
    """Guides grouped by module, with offline and sync status filled in by JavaScript."""
    response = make_response(
        render_template(
            "guides/index.html", groups=library().by_module(lang), module_names=MODULE_NAMES
        )
    )
    response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="Lax")
    return response


@bp.route("/<lang:lang>/guides/<slug>")
def guide(lang: str, slug: str):
    """Every step and block of one guide."""
    return guide_page("guides/guide.html", lang, slug, lambda: {"module_names": MODULE_NAMES})


def not_found(_error):
    lang = current_lang()
    if (request.view_args or {}).get("lang") not in LANGUAGES:
        lang = best_language(request.cookies.get(LANG_COOKIE))
    from flask import g

    g.lang = lang
    return render_template("errors/404.html"), 404


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_error_handler(404, not_found)
