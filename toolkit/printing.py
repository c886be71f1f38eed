"""Printing: handout and booklet PDF routes, the on-disk PDF cache, and the prebuild for build.py.

Rendering itself is in toolkit/pdf.py (no Flask). Here the language is set with
`flask_babel.force_locale` inside an app context, so the same code serves a request and a build
process; nothing reads `request` to pick the language.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
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
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from . import materials, pdf, single_flight
from .content.model import MODULES, Guide
from .languages import LANGUAGES, SOURCE_LANGUAGE, native_digits
from .library import BLOCK_LABELS, MODULE_NAMES, guide_or_404, library
from .version import APP_VERSION

bp = Blueprint("printing", __name__)


def month_name(value: str, lang: str) -> str:
    """'2025-11' as people read it in `lang` ('नोभेम्बर २०२५'); the text as given if not a month."""
    try:
        year, month = (int(part) for part in str(value).split("-")[:2])
        shown = format_date(dt.date(year, month, 1), "MMMM y")
    except ValueError:
        shown = str(value)
    return native_digits(shown, lang)


def _print_context(lang: str) -> dict:
    """Labels and helpers the PDF templates need, in `lang` (call under force_locale)."""
    return {
        "block_labels": BLOCK_LABELS,
        "module_names": MODULE_NAMES,
        "month": lambda value: month_name(value, lang),
        "app_version": APP_VERSION,
        "content_version": library().version,
        "static_dir": Path(current_app.static_folder),
        # Booklets link each guide's materials.pdf on the server that prints them, when it is known.
        "base_url": (current_app.config.get("BASE_URL") or "").rstrip("/"),
    }


def _fingerprint() -> str:
    extensions = current_app.extensions
    if "toolkit.pdf_fingerprint" not in extensions:
        extensions["toolkit.pdf_fingerprint"] = pdf.renderer_fingerprint(
            Path(current_app.static_folder),
            extra=materials.materials_files(current_app.config["CONTENT_DIR"]),
        )
    return extensions["toolkit.pdf_fingerprint"]


def _cache() -> pdf.PdfCache:
    return pdf.PdfCache(current_app.config["PDF_CACHE_DIR"])


def handout_page_html(guide: Guide, lang: str, size: str, fallback: bool) -> str:
    """The handout's HTML in `lang`, as it goes to WeasyPrint (needs an app context)."""
    with force_locale(lang):
        context = _print_context(lang)
        context.pop("static_dir")
        return pdf.handout_html(
            guide, size, env=current_app.jinja_env, lang=lang, fallback=fallback, **context
        )


def handout_pdf(guide: Guide, lang: str, size: str, fallback: bool) -> bytes:
    """Render the handout in `lang` (needs an app context; no request, no cache)."""
    with force_locale(lang):
        return pdf.render_handout(
            guide,
            size,
            env=current_app.jinja_env,
            lang=lang,
            fallback=fallback,
            **_print_context(lang),
        )


# Seconds to tell a visitor to wait while a PDF is prepared: about one render on a busy server.
PREPARE_SECONDS = {"handout": 15, "booklets": 90, "materials": 20}
# Renders at once across all workers (config PDF_RENDER_SLOTS): the rest are told to come back.
RENDER_SLOTS = 1


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


def handout_file(guide: Guide, lang: str, size: str, fallback: bool) -> tuple[Path, bool]:
    """The handout's cached PDF, rendered first if missing. Returns (path, rendered now)."""
    key = pdf.handout_key(guide, lang, size, app_version=APP_VERSION, fingerprint=_fingerprint())
    return cached_or_rendered(
        "handout", lang, key, lambda: handout_pdf(guide, lang, size, fallback)
    )


def cached_or_rendered(
    kind: str, lang: str, key: pdf.PdfKey, render: Callable[[], bytes]
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

    def key(which: str | None) -> pdf.PdfKey:
        return pdf.booklet_key(
            guides, lang, size, module=which, app_version=APP_VERSION, fingerprint=fingerprint
        )

    cached = _cache().get(key(module))
    if cached is not None:
        return cached, False
    with render_turn("booklets", lang, f"{lang}-booklets-{size}"):
        cached = _cache().get(key(module))  # another worker may have finished it meanwhile
        if cached is not None:
            return cached, False
        with force_locale(lang):
            booklets = pdf.render_booklets(
                guides, lang, env=current_app.jinja_env, size=size, **_print_context(lang)
            )
        paths = {which: _cache().put(key(which), data) for which, data in booklets.items()}
    return paths[module], True


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

    def render() -> bytes:
        with force_locale(lang):
            return materials.render_materials(
                guide,
                lang,
                env=current_app.jinja_env,
                content_dir=content_dir,
                **_materials_context(lang),
            )

    return cached_or_rendered("materials", lang, key, render)


def _materials_context(lang: str) -> dict:
    """The print labels, and every guide's title in `lang` (topic cards show them)."""
    titles = {shown.slug: shown.title for shown, _ in library().for_language(lang)}
    return {**_print_context(lang), "titles": titles}


def materials_page_html(guide: Guide, lang: str) -> str:
    """The materials' HTML in `lang`, as it goes to WeasyPrint (needs an app context)."""
    with force_locale(lang):
        context = _materials_context(lang)
        context.pop("static_dir")
        return materials.materials_html(
            guide,
            lang,
            env=current_app.jinja_env,
            content_dir=current_app.config["CONTENT_DIR"],
            **context,
        )


@bp.route("/<lang:lang>/guides/<slug>/materials.pdf")
def materials_pdf(lang: str, slug: str):
    """Picture cards, role cards and boards the guide names, to print and cut (A4 only)."""
    guide, _fallback = guide_or_404(lang, slug)
    if not materials.groups_for(guide, materials.load_sets(current_app.config["CONTENT_DIR"])[0]):
        abort(404)
    path, _rendered = materials_file(guide, lang)
    # A neutral file name: a phone or printer shows it (the session number, not the topic).
    return _send(path, f"session-{guide.order:02d}-materials-{lang}.pdf")


# --- Prebuilding every PDF (build.py) -------------------------------------------------------------


@dataclass(frozen=True)
class PrintJob:
    """One job of the prebuild: a handout (`name` = slug) or a language's booklets (`name` None)."""

    kind: str  # "handout" | "booklets" | "materials"
    lang: str
    name: str | None
    size: str = pdf.DEFAULT_SIZE

    def __str__(self) -> str:
        return " ".join(filter(None, (self.lang, self.kind, self.name, self.size)))


@dataclass
class PrebuildResult:
    total: int = 0
    rendered: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def print_jobs(app: Flask, sizes: tuple[str, ...] = (pdf.DEFAULT_SIZE,)) -> list[PrintJob]:
    """Every booklet and handout in every language; booklets first (Urdu's is the longest), so
    the many small handouts fill in around them."""
    with app.app_context():
        slugs = library().slugs()
    order = sorted(LANGUAGES, key=lambda lang: LANGUAGES[lang].direction != "rtl")
    booklets = [PrintJob("booklets", lang, None, size) for size in sizes for lang in order]
    handouts = [
        PrintJob("handout", lang, slug, size) for size in sizes for lang in order for slug in slugs
    ]
    return booklets + handouts


def materials_jobs(app: Flask) -> list[PrintJob]:
    """The materials.pdf of every guide that prints cards or boards, in every language."""
    with app.app_context():
        sets = materials.load_sets(app.config["CONTENT_DIR"])[0]
        return [
            PrintJob("materials", lang, guide.slug)
            for lang in LANGUAGES
            for guide, _ in library().for_language(lang)
            if materials.groups_for(guide, sets)
        ]


def run_job(job: PrintJob) -> bool:
    """Build one PDF into the cache (inside an app context); True if it had to be rendered."""
    if job.kind == "materials":
        guide, _fallback = library().get(job.lang, job.name)
        return materials_file(guide, job.lang)[1]
    if job.kind == "handout":
        guide, fallback = library().get(job.lang, job.name)
        if guide is None:
            raise LookupError(f"no guide {job.name!r}")
        return handout_file(guide, job.lang, job.size, fallback)[1]
    return booklet_file(job.lang, None, job.size)[1]


class _WarningRecords(logging.Handler):
    """Collects what WeasyPrint reports (its logger, not Python warnings) at WARNING or above."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_worker_app: Flask | None = None


def _start_worker(config: dict) -> None:
    global _worker_app
    logging.getLogger("toolkit").setLevel(logging.ERROR)  # content warnings: the parent's job
    from . import create_app

    _worker_app = create_app(config)


def _work(job: PrintJob) -> tuple[PrintJob, bool, list[str]]:
    records = _WarningRecords()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(records)
    try:
        with _worker_app.app_context():
            rendered = run_job(job)
    finally:
        logger.removeHandler(records)
    return job, rendered, [f"{job}: {message}" for message in records.messages]


def prebuild(
    app: Flask,
    *,
    processes: int = 2,
    sizes: tuple[str, ...] = (pdf.DEFAULT_SIZE,),
    jobs: list[PrintJob] | None = None,
    progress: Callable[[int, int, PrintJob], None] | None = None,
    start_method: str | None = None,
) -> PrebuildResult:
    """Render every PDF missing from the cache with `processes` worker processes.

    When this process has a single thread (build.py, the bench), it loads WeasyPrint and the fonts
    once and forks the workers, which then start at once with this app. Otherwise (a test run or
    a server with threads, where fork is unsafe) workers are spawned and each builds its own app
    from this app's configuration, a few seconds more. `start_method` forces one or the other.
    """
    global _worker_app
    jobs = print_jobs(app, sizes) if jobs is None else jobs
    result = PrebuildResult(total=len(jobs))
    started = time.perf_counter()
    if start_method is None:
        single = threading.active_count() == 1
        fork = single and "fork" in multiprocessing.get_all_start_methods()
        start_method = "fork" if fork else "spawn"
    if start_method == "fork":
        pdf.load_styles(Path(app.static_folder))
        _worker_app = app
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
    else:
        config = {
            key: app.config[key]
            for key in ("CONTENT_DIR", "BUILD_DIR", "PDF_CACHE_DIR", "DATABASE", "SECRET_KEY")
        }
        pool = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(config,),
        )
    with pool:
        futures = [pool.submit(_work, job) for job in jobs]
        for done, future in enumerate(as_completed(futures), start=1):
            job, rendered, warnings = future.result()
            result.rendered += rendered
            result.warnings += warnings
            if progress is not None:
                progress(done, len(jobs), job)
    result.seconds = time.perf_counter() - started
    return result


def progress_bar(done: int, total: int, job: PrintJob, width: int = 30) -> None:
    """A one-line progress bar on stderr (a line every tenth when not a terminal)."""
    import sys

    filled = width * done // total
    line = f"pdf: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {job}"
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r{line:<{width + 60}}", end=end, file=sys.stderr, flush=True)
    elif done == total or done % max(1, total // 10) == 0:
        print(line, file=sys.stderr, flush=True)


def init_app(app: Flask) -> None:
    app.config.setdefault("PDF_CACHE_DIR", os.path.join(app.config["BUILD_DIR"], "pdf"))
    # The handout's picture box shows the guide's pictograms (content/materials/<slug>.yml).
    app.jinja_env.globals["handout_pictograms"] = lambda guide: materials.handout_pictograms(
        guide, app.config["CONTENT_DIR"]
    )
    app.register_blueprint(bp)
