"""The toolkit plus benchmark-only routes, for bench/guide_page.py (never part of the product).

    gunicorn -c gunicorn.conf.py --pythonpath bench '_bench_app:create_app()'

`/_bench/same-bytes/<lang>/guides/<slug>` answers with the very bytes of the guide page, rendered once
and then kept as a constant, through the same app, hooks, headers and compression (a `lang` in the URL
gets the pages' compress-once cache of pwa.py): the baseline that the guide page's throughput is
compared with (DESIGN.md "Budgets": ≥ 0.8×). Its extra `kind` argument keeps it out of the
service worker's precache list, which takes routes of `lang` and `slug` only. The routes live here,
in bench/, so that no configuration value can add them to a production server.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, abort, current_app

bp = Blueprint("bench_routes", __name__, url_prefix="/_bench")

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_pages: dict[str, tuple[bytes, str]] = {}


def _render_once(page: str) -> tuple[bytes, str]:
    """The guide page's body and content type, rendered by the app itself (no compression asked)."""
    with current_app.app_context():  # a fresh `g`: the inner request must not share this one's
        response = current_app.test_client().get("/" + page)
    if response.status_code != 200:
        abort(404)
    return response.get_data(), response.content_type


@bp.route("/<kind>/<lang>/guides/<slug>")
def same_bytes(kind: str, lang: str, slug: str) -> Response:
    """A constant: the guide page /<lang>/guides/<slug> as rendered the first time."""
    if kind != "same-bytes" or not lang.isalpha() or not _SLUG.fullmatch(slug):
        abort(404)
    page = f"{lang}/guides/{slug}"
    if page not in _pages:
        _pages[page] = _render_once(page)
    body, content_type = _pages[page]
    return Response(body, content_type=content_type)


def create_app() -> Flask:
    """The toolkit as configured (instance/config.py, TOOLKIT_*), with the bench routes added."""
    from toolkit import create_app as create_toolkit

    app = create_toolkit()
    app.register_blueprint(bp)
    return app
