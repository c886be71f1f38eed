"""Lighthouse (mobile emulation) on a guide page in each language, against gunicorn on 127.0.0.1.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--slug ng-agent]

Lighthouse 12 comes from npm into bench/node_modules (installed here when missing:
`npm install --prefix bench lighthouse@12`); the browser is Debian's /usr/bin/chromium. Lighthouse's
defaults are kept: mobile form factor, simulated slow 4G and 4x CPU slowdown. Each page is measured
`--runs` times and the median performance score counts (Lighthouse's advice for noisy machines).

Budgets (DESIGN.md): performance ≥ 95 and accessibility 100 in ne, en and ur. The JSON reports are
kept in build/lighthouse/ for reading the audits. Prints `measure | figure | budget | ratio | pass/fail`
lines; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gunicorn import ROOT, Gunicorn, row  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BENCH = ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "build" / "lighthouse"
CHROME_PATH = CHROMIUM
CHROME_FLAGS = ["--headless=new", *CHROMIUM_ARGS]  # the browser tests' flags (no network here)
LANGS = ("ne", "en", "ur")
MIN_PERFORMANCE = 95
MIN_ACCESSIBILITY = 100
RUN_TIMEOUT = 180
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)


def ensure_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    if shutil.which("npm") is None:
        raise SystemExit("npm is missing: apt-get install npm, then run the bench again")
    print("installing lighthouse@12 into bench/node_modules ...", file=sys.stderr)
    subprocess.run(
        ["npm", "install", "--prefix", str(BENCH), "--no-save", "--no-audit", "--no-fund",
         "lighthouse@12"],
        check=True,
        timeout=600,
    )  # fmt: skip


ATTEMPTS = 3


def lighthouse(url: str, output: Path) -> dict:
    """One Lighthouse run: the parsed JSON report.

    Lighthouse sometimes fails to record a trace (NO_NAVSTART, "Please run Lighthouse again") on a busy
    machine: that says nothing about the page, so such a run is tried again, up to ATTEMPTS times.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _lighthouse_once(url, output)
        except RuntimeError as error:
            if attempt == ATTEMPTS or "run Lighthouse again" not in str(error):
                raise
            print(f"   lighthouse asked to be run again on {url} (attempt {attempt})", flush=True)
    raise AssertionError("unreachable")


def _lighthouse_once(url: str, output: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={output}",
            "--only-categories=performance,accessibility",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 or not output.exists():
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr[-1500:]}")
    report = json.loads(output.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse runtime error on {url}: {report['runtimeError']}")
    return report


def score(report: dict, category: str) -> int | None:
    value = report["categories"][category]["score"]
    return None if value is None else round(value * 100)


def failing_audits(report: dict, category: str) -> list[str]:
    """Audits of a category that lose points: id, title and what they name."""
    audits = report["audits"]
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
            items = (audit.get("details") or {}).get("items") or []
            named = []
            for item in items[:3]:
                node = item.get("node") or {}
                named.append(node.get("snippet") or item.get("url") or "")
            lines.append(f"{ref['id']} ({audit['score']}): {audit['title']} {named}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median counts)")
    parser.add_argument("--slug", default="ng-agent")
    args = parser.parse_args()
    ensure_lighthouse()
    REPORTS.mkdir(parents=True, exist_ok=True)

    results = []
    with Gunicorn(workers=2) as server:
        for lang in LANGS:
            url = f"{server.url}/{lang}/guides/{args.slug}"
            reports = [
                lighthouse(url, REPORTS / f"{lang}-{args.slug}-{run}.json")
                for run in range(args.runs)
            ]
            performances = [score(report, "performance") for report in reports]
            median_run = sorted(
                range(len(reports)), key=lambda n: performances[n] if performances[n] else 0
            )[len(reports) // 2]
            report = reports[median_run]
            accessibility = min(score(each, "accessibility") or 0 for each in reports)
            performance = statistics.median(p or 0 for p in performances)
            results.append((lang, performance, performances, accessibility, report))

    print(f"lighthouse {results[0][4]['lighthouseVersion']}, mobile, /<lang>/guides/{args.slug}")
    for lang, _performance, performances, _accessibility, report in results:
        audits = report["audits"]
        metrics = ", ".join(f"{name} {audits[name]['displayValue']}" for name in METRICS)
        print(f"  {lang}: performance runs {performances}; {metrics}")
        for line in failing_audits(report, "accessibility"):
            print(f"    accessibility: {line}")
        if _performance < MIN_PERFORMANCE:
            for line in failing_audits(report, "performance"):
                print(f"    performance: {line}")
    print(f"  reports: {REPORTS.relative_to(ROOT)}/")
    print("measure | figure | budget | ratio | pass/fail")
    passed = True
    for lang, performance, _performances, accessibility, _report in results:
        ok = performance >= MIN_PERFORMANCE
        passed &= ok
        print(
            row(
                f"lighthouse performance, {lang} guide page (median of {args.runs})",
                f"{performance:g}",
                f">= {MIN_PERFORMANCE}",
                f"{performance / MIN_PERFORMANCE:.2f}",
                ok,
            )
        )
        ok = accessibility >= MIN_ACCESSIBILITY
        passed &= ok
        print(
            row(
                f"lighthouse accessibility, {lang} guide page (worst of {args.runs})",
                str(accessibility),
                f"= {MIN_ACCESSIBILITY}",
                f"{accessibility / MIN_ACCESSIBILITY:.2f}",
                ok,
            )
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
