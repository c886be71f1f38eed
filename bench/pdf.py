"""PDF budgets: a cold build of every A4 handout and booklet, and a cached PDF response.

    .venv/bin/python bench/pdf.py [--processes 2] [--requests 200]

1. Cold build: `toolkit.build.pdfs.prebuild` (what `python build.py` runs) into an empty cache folder with
   2 worker processes, timed from the call to the last PDF written, worker start-up included.
2. Cached response: gunicorn (2 sync workers, as docs/DEPLOY.md runs it) with that warm cache,
   one keep-alive client fetching handouts and booklets in ne, en and ur in turn; the median time
   from request to the last byte counts (p95 shown beside it on stderr).

Budgets (DESIGN.md): all A4 handouts + booklets cold, 2 processes ≤ 30 s; cached PDF response ≤ 20 ms.
Prints `measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gunicorn import Gunicorn, row  # noqa: E402

BUILD_BUDGET = 30.0
RESPONSE_BUDGET_MS = 20.0
PATHS = (
    "/ne/guides/ng-agent/handout.pdf",
    "/en/guides/lw-our-work/handout.pdf",
    "/ur/guides/ko-recruitment/handout.pdf",
    "/ne/booklet.pdf",
    "/ur/booklet.pdf",
    "/en/modules/negotiation/booklet.pdf",
    "/ur/guides/ng-employer/materials.pdf",
)


def cold_build(cache_dir: str, processes: int) -> tuple[float, float, int, list[str]]:
    """(seconds, CPU seconds of this process and its workers, PDF jobs rendered, WeasyPrint
    warnings) of a prebuild into an empty cache."""
    from toolkit import create_app
    from toolkit.build.pdfs import prebuild, progress_bar

    logging.getLogger("toolkit").setLevel(logging.ERROR)  # content warnings are not this bench's
    app = create_app({"PDF_CACHE_DIR": cache_dir, "DATABASE": str(Path(cache_dir) / "db.sqlite")})
    began, cpu = time.perf_counter(), cpu_seconds()
    result = prebuild(app, processes=processes, progress=progress_bar)
    return time.perf_counter() - began, cpu_seconds() - cpu, result.rendered, result.warnings


def materials_build(cache_dir: str, processes: int) -> tuple[float, float, int]:
    """(seconds, CPU seconds, PDFs rendered) of prebuilding every guide's materials.pdf after the
    handouts and booklets, as build.py does. Reported beside the budget, not inside it."""
    from toolkit import create_app
    from toolkit.build.pdfs import materials_jobs, prebuild

    app = create_app({"PDF_CACHE_DIR": cache_dir, "DATABASE": str(Path(cache_dir) / "db.sqlite")})
    began, cpu = time.perf_counter(), cpu_seconds()
    result = prebuild(app, processes=processes, jobs=materials_jobs(app))
    return time.perf_counter() - began, cpu_seconds() - cpu, result.rendered


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the workers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cached_responses(cache_dir: str, requests: int) -> list[float]:
    """Milliseconds per cached PDF response, request to last byte, on gunicorn."""
    times = []
    with Gunicorn(workers=2, PDF_CACHE_DIR=cache_dir) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for path in PATHS:  # warm-up: each worker may open the file once first
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if (
                    response.status != 200
                    or response.getheader("Content-Type") != "application/pdf"
                ):
                    raise RuntimeError(f"{path}: {response.status} {response.reason}")
            for index in range(requests):
                path = PATHS[index % len(PATHS)]
                began = time.perf_counter()
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                times.append((time.perf_counter() - began) * 1000)
                if response.status != 200:
                    raise RuntimeError(f"{path}: {response.status}")
        finally:
            connection.close()
    return times


LOAD_BEFORE = ", ".join(f"{load:.1f}" for load in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="toolkit-pdf-bench-") as cache_dir:
        seconds, cpu, rendered, warnings = cold_build(cache_dir, args.processes)
        for warning in warnings:
            print(f"weasyprint: {warning}", file=sys.stderr)
        # The budget is wall time; on a machine shared with other work, CPU time says what the
        # build itself costs (it cannot finish faster than cpu / processes).
        print(
            f"cold build: {rendered} PDF jobs rendered, {seconds:.1f} s wall, {cpu:.1f} s CPU "
            f"(≥ {cpu / args.processes:.1f} s wall on {args.processes} idle cores); "
            f"load average before {LOAD_BEFORE}",
            file=sys.stderr,
        )
        m_seconds, m_cpu, m_rendered = materials_build(cache_dir, args.processes)
        print(
            f"materials: {m_rendered} materials.pdf rendered, {m_seconds:.1f} s wall, "
            f"{m_cpu:.1f} s CPU (≥ {m_cpu / args.processes:.1f} s wall on {args.processes} idle "
            "cores), built after the handouts and booklets",
            file=sys.stderr,
        )
        times = cached_responses(cache_dir, args.requests)

    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"cached response: median {median:.2f} ms, p95 {p95:.2f} ms", file=sys.stderr)
    rows = [
        (
            f"PDFs cold build (A4 handouts + booklets, {args.processes} processes)",
            f"{seconds:.1f} s",
            f"≤ {BUILD_BUDGET:.0f} s",
            seconds / BUILD_BUDGET,
            seconds <= BUILD_BUDGET and not warnings,
        ),
        (
            "cached PDF response (median)",
            f"{median:.2f} ms",
            f"≤ {RESPONSE_BUDGET_MS:.0f} ms",
            median / RESPONSE_BUDGET_MS,
            median <= RESPONSE_BUDGET_MS,
        ),
    ]
    print("measure | figure | budget | ratio | pass/fail")
    for measure, figure, budget, ratio, passed in rows:
        print(row(measure, figure, budget, f"{ratio:.2f}", passed))
    return 0 if all(passed for *_, passed in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
