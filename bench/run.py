"""Run every benchmark in bench/ and print one table of all budgets (`make bench`).

    .venv/bin/python bench/run.py [NAME ...]     # e.g. `bench/run.py startup guide_page`

Each bench/*.py (not this file, not helpers whose name starts with "_") runs as its own subprocess,
one after another (the figures are timings: benches must not compete for the CPU). Every bench prints
lines `measure | figure | budget | ratio | pass/fail` and exits non-zero when a budget is missed; this
collects those lines into one table and exits 1 when any budget is missed or any bench crashed, timed
out or printed no figures. A bench's other output goes to stderr as it is collected.

The machine's load average (1 minute) when each bench started is printed beside its rows, and the
load before and after the whole run above the table: on a shared machine an absolute time means
little without it (the budgets that can be ratios are ratios against a reference run alongside).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Quick ones first; any bench not named here runs after them, in name order.
ORDER = ("startup", "audio_pack", "guide_page", "sync_load", "pdf", "offline_pack", "lighthouse")
BENCH_TIMEOUT = 20 * 60
# The first run of reports_scale builds its 1 M and 10 M databases (~35 minutes on 2 cores).
TIMEOUTS = {"reports_scale": 90 * 60}
HEADER = ("measure", "figure", "budget", "ratio", "pass/fail")
TABLE_HEADER = (*HEADER, "load at start")


def benches(names: list[str]) -> list[Path]:
    found = {
        path.stem: path
        for path in BENCH.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    }
    unknown = [name for name in names if name not in found]
    if unknown:
        raise SystemExit(
            f"no bench named {', '.join(unknown)}; there are: {', '.join(sorted(found))}"
        )
    chosen = names or sorted(
        found, key=lambda name: (ORDER.index(name), "") if name in ORDER else (len(ORDER), name)
    )
    return [found[name] for name in chosen]


def table_rows(output: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """The `|` rows of a bench's output (header dropped) and its other lines."""
    rows, other = [], []
    for line in output.splitlines():
        cells = tuple(cell.strip() for cell in line.split("|"))
        if len(cells) == 5 and cells[4].lower() in ("pass", "fail"):
            rows.append(cells)
        elif cells != HEADER:
            other.append(line)
    return rows, other


def run(path: Path) -> tuple[int | None, str, str, float]:
    """(exit status or None on timeout, stdout, stderr, seconds) of one bench."""
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its gunicorn and browsers go with it on a timeout
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUTS.get(path.stem, BENCH_TIMEOUT))
        status: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        status = None
    return status, stdout, stderr, time.monotonic() - began


def load_average() -> str:
    """'1.2, 0.9, 0.7': the 1, 5 and 15 minute load averages."""
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def main() -> int:
    table: list[tuple[str, ...]] = []
    load_before = load_average()
    for path in benches(sys.argv[1:]):
        name = path.stem
        load = f"{os.getloadavg()[0]:.1f}"
        print(f"== bench/{path.name} (load {load_average()}) ...", file=sys.stderr, flush=True)
        status, stdout, stderr, seconds = run(path)
        rows, other = table_rows(stdout)
        for line in other:
            print(f"   {line}", file=sys.stderr)
        first = len(table)
        table += [(f"{name}: {cells[0]}", *cells[1:4], cells[4].lower()) for cells in rows]
        failed_rows = any(cells[4].lower() == "fail" for cells in rows)
        if status is None:
            table.append(
                (
                    f"{name}: run",
                    f"timed out after {TIMEOUTS.get(name, BENCH_TIMEOUT)} s",
                    "finishes",
                    "-",
                    "fail",
                )  # fmt: skip
            )
        elif status != 0 and not failed_rows:
            table.append((f"{name}: run", f"crashed (exit {status})", "exit 0", "-", "fail"))
        elif not rows:
            table.append((f"{name}: run", "printed no figures", "a table", "-", "fail"))
        elif status == 0 and failed_rows:
            table.append((f"{name}: run", "exit 0 despite a missed budget", "exit 1", "-", "fail"))
        table[first:] = [(*cells, load) for cells in table[first:]]
        if status != 0 and stderr.strip():
            tail = stderr.strip().splitlines()[-15:]
            print("\n".join(f"   ! {line}" for line in tail), file=sys.stderr)
        print(f"   ({seconds:.0f} s, exit {status})", file=sys.stderr, flush=True)

    widths = [max(len(cells[n]) for cells in [TABLE_HEADER, *table]) for n in range(6)]
    line = " | ".join(f"{{:<{width}}}" for width in widths)
    cores = os.cpu_count()
    print(f"load average (1, 5, 15 min) on {cores} cores: {load_before} before, "
          f"{load_average()} after")  # fmt: skip
    print(line.format(*TABLE_HEADER))
    print("-+-".join("-" * width for width in widths))
    for cells in table:
        print(line.format(*cells))
    missed = [cells[0] for cells in table if cells[4] == "fail"]
    print(f"\n{len(table) - len(missed)} passed, {len(missed)} missed" + (
        ": " + "; ".join(missed) if missed else ""))  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
