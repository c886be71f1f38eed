"""Serving PDFs: the handout, booklet and materials routes, from the on-disk cache.

A PDF missing from the cache (toolkit/pdf_cache.py) is rendered by toolkit/pdf.py once, as its
single flight (toolkit/single_flight.py): other requests for it, or any beyond the render slots,
are told to come back ("being prepared", 503 + Retry-After). build.py prebuilds the usual sizes
through the same functions (toolkit/build/pdfs.py), outside any request, so they render at once.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    has_request_context,
    request,
    send_file,
)
from flask_babel import force_locale
from flask_babel import gettext as _

from . import materials, pdf, single_flight
from .content.model import MODULES, Guide
from .languages import SOURCE_LANGUAGE, native_digits
from .library import guide_or_404, library
from .pdf_cache import PdfCache, PdfKey, booklet_key, handout_key
from .version import APP_VERSION

bp = Blueprint("printing", __name__)

# Seconds to tell a visitor to wait while a PDF is prepared: about one render on a busy server.
PREPARE_SECONDS = {"handout": 15, "booklets": 90, "materials": 20}
# Renders at once across all workers (config PDF_RENDER_SLOTS): the rest are told to come back.
RENDER_SLOTS = 1


def _fingerprint() -> str:
    extensions = current_app.extensions
    if "toolkit.pdf_fingerprint" not in extensions:
        extensions["toolkit.pdf_fingerprint"] = pdf.renderer_fingerprint(
            Path(current_app.static_folder),
            extra=materials.materials_files(current_app.config["CONTENT_DIR"]),
        )
    return extensions["toolkit.pdf_fingerprint"]


def _cache() -> PdfCache:
    return PdfCache(current_app.config["PDF_CACHE_DIR"])


def being_prepared(kind: str, lang: str) -> Response:
    """503 + Retry-After: the PDF is being rendered (or the server is busy rendering others)."""
    seconds = PREPARE_SECONDS[kind]
    with force_locale(lang):
        message = _(
            "This PDF is being prepared. Try again in %(seconds)s seconds.",
            seconds=native_digits(str(seconds), lang),
        )
    response = Response(message + "\n", status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


@contextlib.contextmanager
def render_turn(kind: str, lang: str, name: str) -> Iterator[None]:
    """For a request: render `name` only as its single flight (toolkit/single_flight.py), else
    answer 503 "being prepared". Outside a request (build.py's prebuild): render at once."""
    if not has_request_context():
        yield
        return
    gate = single_flight.RenderGate(
        Path(current_app.config["PDF_CACHE_DIR"]) / ".locks",
        current_app.config.get("PDF_RENDER_SLOTS", RENDER_SLOTS),
    )
    try:
        with gate.turn(name):
            yield
    except single_flight.Busy:
        abort(being_prepared(kind, lang))


def cached_or_rendered(
    kind: str, lang: str, key: PdfKey, render: Callable[[], bytes]
) -> tuple[Path, bool]:
    """The cached PDF of `key`, else `render()` it once as its single flight and cache it.
    Returns (path, rendered now)."""
    cached = _cache().get(key)
    if cached is not None:
        return cached, False
    with render_turn(kind, lang, f"{lang}-{key.filename}"):
        cached = _cache().get(key)  # another worker may have finished it meanwhile
        if cached is not None:
            return cached, False
        return _cache().put(key, render()), True


def handout_file(guide: Guide, lang: str, size: str, fallback: bool) -> tuple[Path, bool]:
    """The handout's cached PDF, rendered first if missing. Returns (path, rendered now)."""
    key = handout_key(guide, lang, size, app_version=APP_VERSION, fingerprint=_fingerprint())
    return cached_or_rendered(
        "handout", lang, key, lambda: pdf.handout_pdf(guide, lang, size, fallback)
    )


def booklet_guides(lang: str, module: str | None) -> list[tuple[Guide, bool]]:
    """The guides a booklet holds, in order: all of them, or one module's."""
    guides = library().for_language(lang)
    return [pair for pair in guides if module is None or pair[0].module == module]


def booklet_file(lang: str, module: str | None, size: str) -> tuple[Path, bool]:
    """A booklet's cached PDF (module None: all guides). Returns (path, rendered now).

    The full booklet's pages are the module booklets', so a miss renders and caches the full
    booklet and every module's booklet of the language at once.
    """
    guides = booklet_guides(lang, None)
    fingerprint = _fingerprint()

    def key(which: str | None) -> PdfKey:
        return booklet_key(
            guides, lang, size, module=which, app_version=APP_VERSION, fingerprint=fingerprint
        )

    cached = _cache().get(key(module))
    if cached is not None:
        return cached, False
    with render_turn("booklets", lang, f"{lang}-booklets-{size}"):
        cached = _cache().get(key(module))  # another worker may have finished it meanwhile
        if cached is not None:
            return cached, False
        booklets = pdf.booklets_pdf(guides, lang, size)
        paths = {which: _cache().put(key(which), data) for which, data in booklets.items()}
    return paths[module], True


def materials_file(guide: Guide, lang: str) -> tuple[Path, bool]:
    """The guide's printable cards and boards (A4), cached like the handouts. (path, rendered now)"""
    content_dir = current_app.config["CONTENT_DIR"]
    key = materials.materials_key(
        guide,
        lang,
        app_version=APP_VERSION,
        fingerprint=_fingerprint(),
        content_dir=content_dir,
        content_version=library().version,
    )
    render = materials.render_materials
    return cached_or_rendered(
        "materials",
        lang,
        key,
        lambda: pdf.in_language(lang, render, guide, lang, content_dir=content_dir),
    )


def _size_or_404() -> str:
    size = request.args.get("size", pdf.DEFAULT_SIZE).lower()
    if size not in pdf.SIZES:
        abort(404)
    return size


def _send(path: Path, download_name: str):
    response = send_file(
        path, mimetype="application/pdf", download_name=download_name, conditional=True
    )
    response.headers["Cache-Control"] = "no-cache"  # same URL, new PDF after a content change
    return response


@bp.route("/<lang:lang>/guides/<slug>/handout.pdf")
def handout(lang: str, slug: str):
    """Participant handout of one guide, A4 (default) or A5 with ?size=a5."""
    guide, fallback = guide_or_404(lang, slug)
    size = _size_or_404()
    path, _rendered = handout_file(guide, lang, size, fallback)
    return _send(path, handout_download_name(slug, lang, size))


def handout_download_name(slug: str, lang: str, size: str) -> str:
    """The saved file's name, which a phone or printer shows: the English neutral handout title.

    Never the slug (`ng-agent`, `ko-recruitment`): paper and files that go home say nothing of going.
    """
    source, _fallback = library().get(SOURCE_LANGUAGE, slug)
    words = re.findall(r"[a-z0-9]+", source.handout_title.lower()) if source else []
    return f"{'-'.join(words) or 'handout'}-{lang}-{size}.pdf"


@bp.route("/<lang:lang>/booklet.pdf")
def booklet(lang: str):
    """Facilitator booklet with every guide."""
    size = _size_or_404()
    path, _rendered = booklet_file(lang, None, size)
    return _send(path, f"booklet-{lang}-{size}.pdf")


@bp.route("/<lang:lang>/modules/<module>/booklet.pdf")
def module_booklet(lang: str, module: str):
    """Facilitator booklet with one module's guides."""
    if module not in MODULES or not booklet_guides(lang, module):
        abort(404)
    size = _size_or_404()
    path, _rendered = booklet_file(lang, module, size)
    return _send(path, f"booklet-{module}-{lang}-{size}.pdf")


@bp.route("/<lang:lang>/guides/<slug>/materials.pdf")
def materials_pdf(lang: str, slug: str):
    """Picture cards, role cards and boards the guide names, to print and cut (A4 only)."""
    guide, _fallback = guide_or_404(lang, slug)
    if not materials.groups_for(guide, materials.load_sets(current_app.config["CONTENT_DIR"])[0]):
        abort(404)
    path, _rendered = materials_file(guide, lang)
    # A neutral file name: a phone or printer shows it (the session number, not the topic).
    return _send(path, f"session-{guide.order:02d}-materials-{lang}.pdf")


def init_app(app: Flask) -> None:
    app.config.setdefault("PDF_CACHE_DIR", os.path.join(app.config["BUILD_DIR"], "pdf"))
    # The handout's picture box shows the guide's pictograms (content/materials/<slug>.yml).
    app.jinja_env.globals["handout_pictograms"] = lambda guide: materials.handout_pictograms(
        guide, app.config["CONTENT_DIR"]
    )
    app.register_blueprint(bp)
