"""Start-up time: `create_app()` with all content, in a fresh Python process each time.

    .venv/bin/python bench/startup.py [--runs 7]

Each run is a new interpreter (as a gunicorn start, a `toolkit` command or a restarted worker is) that
times, inside itself, `import toolkit` and `create_app()` (which parses every guide in every language).
The budget (DESIGN.md, `create_app()` with all content ≤ 1 s) is checked against the median of
import + create_app, what a fresh process pays; create_app alone is shown beside it.
Prints `measure | figure | budget | ratio | pass/fail` lines; exits 1 when the budget is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 1.0
RUN_TIMEOUT = 60

PROBE = """
import json, sys, time
began = time.perf_counter()
from toolkit import create_app
imported = time.perf_counter()
app = create_app({"DATABASE": sys.argv[1], "SECRET_KEY": "bench-only"})
created = time.perf_counter()
library = app.extensions["toolkit.library"]
pages = sum(len(library.for_language(code)) for code in ("ne", "en", "ur"))
print(json.dumps({"import": imported - began, "create_app": created - imported,
                  "guides": len(library.slugs()), "pages": pages,
                  "weasyprint": "weasyprint" in sys.modules}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    env = {key: value for key, value in os.environ.items() if not key.startswith("TOOLKIT_")}
    runs = []
    with tempfile.TemporaryDirectory(prefix="toolkit-startup-") as directory:
        env["TOOLKIT_INSTANCE"] = directory
        database = os.path.join(directory, "startup.sqlite")
        for _ in range(args.runs + 1):  # the first run may write .pyc files: not counted
            done = subprocess.run(
                [sys.executable, "-c", PROBE, database],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                raise SystemExit(f"create_app() failed (exit {done.returncode})")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    runs = runs[1:]
    total = statistics.median(run["import"] + run["create_app"] for run in runs)
    create = statistics.median(run["create_app"] for run in runs)
    imported = statistics.median(run["import"] for run in runs)
    last = runs[-1]
    print(
        f"startup: {args.runs} fresh processes; {last['guides']} guides, {last['pages']} guide pages "
        f"in ne/en/ur; WeasyPrint imported at start-up: {last['weasyprint']}"
    )
    print("measure | figure | budget | ratio | pass/fail")
    print(f"import toolkit, median | {imported:.3f} s | (part of the total) | - | pass")
    print(f"create_app() alone, median | {create:.3f} s | (part of the total) | - | pass")
    passed = total <= BUDGET_SECONDS
    print(
        f"import + create_app() with all content, median | {total:.3f} s | <= {BUDGET_SECONDS:g} s"
        f" | {total / BUDGET_SECONDS:.2f} | {'pass' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
