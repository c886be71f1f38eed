"""The offline app: service worker, web manifest, offline page, icons, asset headers, compression.

`build.py` writes one precache manifest per language into BUILD_DIR (toolkit/precache.py): every
page of that language a phone needs offline and every static file they use, with content hashes.
`/sw.js` is rendered from those files, so a new build is a new worker. The icons are drawn by
build.py too (toolkit/build/icons.py). Static URLs carry
`?v=<hash>` (added to every `url_for('static', ...)`) and are served with a one-year immutable cache
header; everything else is revalidated. Pages and files that are the same on every request are
compressed once, at full strength, and kept.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import brotli
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_compress import Compress

from .languages import LANGUAGES, SOURCE_LANGUAGE
from .precache import HASH_LENGTH, NOT_PAGES, file_hash, load_precache
from .version import APP_VERSION

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#0b5f57"  # --accent in app.css
BACKGROUND_COLOUR = "#fffdf8"  # --paper in app.css
ICONS = (
    ("icons/icon-192.png", 192, "any"),
    ("icons/icon-512.png", 512, "any"),
    ("icons/maskable-512.png", 512, "maskable"),
)
ONE_YEAR = 365 * 24 * 3600
# Text worth compressing; WOFF2, PNG and PDF are compressed already.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
]

JS_STRINGS = {
    "ready": _l("Ready offline: every guide in this language is saved on this phone."),
    "saving": _l("Saving the guides on this phone for offline use…"),
    "missing": _l(
        "Not saved yet: %(n)s of %(total)s files. Connect to the internet and try again."
    ),
    "missing_guides": _l("Guides not saved yet:"),
    "progress": _l("Saving for offline: %(done)s of %(total)s"),
    "dropped": _l(
        "The connection dropped. Still missing: %(n)s of %(total)s files. Saving goes on by itself "
        "when the connection returns."
    ),
    "retry": _l("Try again"),
    "unsupported": _l(
        "Offline use does not work in this browser or at this address. Ask your coordinator."
    ),
    "storage": _l("Storage used on this phone: %(used)s of %(quota)s."),
    "persisted": _l("Saved guides are protected: the phone will not delete them to free space."),
    "not_persisted": _l(
        "The phone may delete saved guides when it runs low on space. Open the app now and then."
    ),
    "keeping": _l("Saving the other languages…"),
    "kept": _l("The other languages are saved on this phone too."),
    "keep_failed": _l("Could not save the other languages. Check the connection and try again."),
    "finish_first": _l("Finish facilitator mode first: the update is applied after the session."),
    "kb": _l("%(n)s KB"),
    "mb": _l("%(n)s MB"),
    "gb": _l("%(n)s GB"),
}


# --- views ---------------------------------------------------------------------------------------


@bp.route("/sw.js")
def service_worker():
    """The service worker, at the root so its scope covers every page; always revalidated."""
    packs = load_precache(current_app)
    first = next(iter(packs.values()))
    body = render_template(
        "pwa/sw.js",
        version=first["version"],
        app_version=first["app_version"],
        content_version=first["content_version"],
        packs={lang: pack["entries"] for lang, pack in packs.items()},
        hash_length=HASH_LENGTH,
        static_prefix=current_app.static_url_path + "/",
    )
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def manifest_data(lang: str) -> dict:
    """The web app manifest of one language: names in it, its direction, start page, colours, icons."""
    from flask_babel import force_locale

    with force_locale(lang):
        return {
            "id": f"/{lang}/",
            "name": _("Facilitator Toolkit"),
            "short_name": _("Toolkit"),
            "description": _("Session guides and a session logbook that work offline."),
            "lang": lang,
            "dir": LANGUAGES[lang].direction,
            "start_url": url_for("guides.index", lang=lang),
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                {
                    "src": url_for("static", filename=filename),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
                for filename, size, purpose in ICONS
            ],
        }


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest of one language (`?lang=ne`): names, start page, colours, icons."""
    lang = request.args.get("lang", SOURCE_LANGUAGE)
    if lang not in LANGUAGES:  # a query argument: no URL converter checks it
        abort(404)
    response = current_app.response_class(
        json.dumps(manifest_data(lang), ensure_ascii=False, indent=1),
        mimetype="application/manifest+json",
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/<lang:lang>/offline")
def offline(lang: str):
    """What the worker shows offline for a page not saved on the phone (precached per language)."""
    return render_template(
        "pwa/offline.html", has_logbook="logbook.log" in current_app.view_functions
    )


@bp.route("/offline")
def offline_redirect():
    """`/offline` → the offline page in the remembered language (a redirect, so never cached)."""
    from .i18n import LANG_COOKIE, best_language

    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        lang = best_language(request.cookies.get(LANG_COOKIE))
    response = redirect(url_for("pwa.offline", lang=lang))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- hashed static URLs, cache headers, compression ---------------------------------------------


def add_static_version(endpoint: str, values: dict) -> None:
    """`url_for('static', filename=f)` → `/static/f?v=<hash>`, so a changed file gets a new URL."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    digest = file_hash(Path(current_app.static_folder) / values["filename"])
    if digest:
        values["v"] = digest


def static_headers(response: Response) -> Response:
    """One-year immutable caching for static URLs whose `v` is the file's hash; revalidate others.

    Text files are read into memory here so Flask-Compress can gzip them (it compresses streamed
    responses only with br, zstd or deflate, which Chromium does not all offer over plain HTTP).
    """
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = request.args.get("v")
    if version and version == file_hash(Path(current_app.static_folder) / filename):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    if response.status_code == 200 and response.mimetype in COMPRESSED_TYPES:
        if response.direct_passthrough:
            body = response.response
            data = b"".join(body)
            if hasattr(body, "close"):
                body.close()  # the open file behind send_file
            response.direct_passthrough = False
            response.set_data(data)
    return response


# Compressed bodies by (encoding, hash of the body): a page or file is the same bytes on every
# request, so it is compressed once, at the strongest setting (brotli 11 is ~10% smaller than 6).
_compressed: OrderedDict[tuple[str, str], bytes] = OrderedDict()
COMPRESSED_KEPT = 512


def _same_on_every_request() -> bool:
    """Static files, the worker, and the phone's pages (a language in the URL, not coordinator)."""
    if request.endpoint in ("static", "pwa.service_worker"):
        return True
    lang = (request.view_args or {}).get("lang")
    return lang in LANGUAGES and not NOT_PAGES.search(request.path)


def compress_once(response: Response) -> Response:
    """Compress what never changes once and keep it; Flask-Compress does the rest (brotli 6)."""
    if (
        request.method != "GET"
        or response.status_code != 200
        or response.direct_passthrough
        or response.mimetype not in COMPRESSED_TYPES
        or "Content-Encoding" in response.headers
        or not _same_on_every_request()
    ):
        return response
    accepted = request.accept_encodings
    encoding = "br" if accepted["br"] else "gzip" if accepted["gzip"] else None
    body = response.get_data()
    if encoding is None or len(body) < 500:
        return response
    key = (encoding, hashlib.sha256(body).hexdigest())
    compressed = _compressed.get(key)
    if compressed is None:
        if encoding == "br":
            compressed = brotli.compress(body, quality=11)
        else:
            compressed = gzip.compress(body, compresslevel=9, mtime=0)
        _compressed[key] = compressed
        while len(_compressed) > COMPRESSED_KEPT:
            _compressed.popitem(last=False)
    else:
        _compressed.move_to_end(key)
    response.set_data(compressed)
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(f"{etag}:{encoding}")
        # The file's own check compared If-None-Match with the uncompressed ETag, so a revalidation
        # (the worker's `cache: "no-cache"` fetches) never matched: answer 304 for the encoded one.
        response.make_conditional(request)
    return response


def pwa_context() -> dict:
    """What pwa/_head.html, _body.html and _status.html need (the same on every render)."""
    from .library import library

    return {
        "app_version": APP_VERSION,
        "content_version": library().version,
        "theme_colour": THEME_COLOUR,
        "pwa_strings": lambda: {key: str(value) for key, value in JS_STRINGS.items()},
    }


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Brotli 6 makes pages ~10% smaller than the default 4 for about the same time (1-3 ms a page).
    app.config.setdefault("COMPRESS_BR_LEVEL", 6)
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    # after_request functions run last-registered first: static_headers, compress_once, Compress.
    Compress(app)
    app.after_request(compress_once)
    app.url_defaults(add_static_version)
    app.after_request(static_headers)
    app.context_processor(pwa_context)
    app.register_blueprint(bp)
