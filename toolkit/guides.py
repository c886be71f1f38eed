"""Reading guides: the language redirect, the guide list and the guide page.

Guide pages are cached by the service worker: they must render the same bytes every time, so they
carry no CSRF token, nonce or sync status (JavaScript fills status in).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from .i18n import LANG_COOKIE, best_language, current_lang
from .languages import LANGUAGES
from .library import BLOCK_LABELS, MODULE_NAMES, guide_or_404, library

bp = Blueprint("guides", __name__)

ONE_YEAR = 365 * 24 * 3600


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
    app.register_blueprint(bp)
    app.register_error_handler(404, not_found)
