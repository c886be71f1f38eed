"""Prebuilding every PDF into the cache printing.py serves from (a build.py step).

Each job renders through printing.py's own cached-or-rendered functions, outside a request, so it
renders at once and a server finds exactly the files it would have written itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from .. import create_app, materials, pdf
from ..languages import LANGUAGES
from ..library import library
from ..printing import booklet_file, handout_file, materials_file


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
    filled = width * done // total
    line = f"pdf: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {job}"
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r{line:<{width + 60}}", end=end, file=sys.stderr, flush=True)
    elif done == total or done % max(1, total // 10) == 0:
        print(line, file=sys.stderr, flush=True)


def build_pdfs(app: Flask, processes: int = 2, sizes: tuple[str, ...] = (pdf.DEFAULT_SIZE,)) -> str:
    """Prebuild every handout and booklet of `sizes`, and every materials.pdf, with a progress bar.

    Runs after the fonts: the PDFs embed the same WOFF2 files. A size not prebuilt (A5 by default)
    is rendered on first request, once, one render at a time (printing.py). Returns a summary.
    """
    # Handouts and booklets, then every guide's cards and boards (materials.pdf, ~13 s CPU for all).
    jobs = print_jobs(app, sizes) + materials_jobs(app)
    result = prebuild(app, processes=processes, progress=progress_bar, jobs=jobs)
    for warning in result.warnings:
        print(f"pdf: {warning}", file=sys.stderr)
    return (
        f"pdf: {result.rendered} of {result.total} jobs rendered in {result.seconds:.1f} s "
        f"with {processes} processes → {app.config['PDF_CACHE_DIR']}"
    )
