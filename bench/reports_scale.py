"""Coordinator reports at national scale: dashboard, aggregates CSV, report PDF, logs CSV, memory.

    .venv/bin/python bench/reports_scale.py [--sizes 1M,10M] [--rounds 3]

Synthetic central databases of 1 M and 10 M logs (bench/_scale_db.py: built in SQL once into
bench/.cache/, then reused; the build time is printed) are served by gunicorn with 2 threaded
workers, as gunicorn.conf.py runs them, and a signed-in coordinator asks for: the dashboard; the
aggregates CSV; the report PDF for one district and the last 12 months; the whole logs CSV
(spreadsheet layout), read as it streams. Each figure is the median of `--rounds` after one
warm-up. Beside them, in the same run:
the floor, a bare `SELECT substr(held_on,1,7), count(*), sum(participants) FROM session_logs
GROUP BY 1` over the same database (median of 3 after a warm-up), and the peak resident memory of the
server's workers over what they held idle.

Budgets (DESIGN.md): at 1 M, dashboard ≤ 300 ms, aggregates CSV ≤ 500 ms, report PDF ≤ 3 s; at 10 M,
dashboard ≤ 1.5 s; at every size dashboard ≤ 3× the floor, memory growth ≤ 100 MB, logs CSV ≥ 50,000
rows/s. Prints `measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gunicorn import Gunicorn, row  # noqa: E402
from _scale_db import database  # noqa: E402

from toolkit.coordinator import create_coordinator  # noqa: E402
from toolkit.db import connect  # noqa: E402

USER, PASSWORD = "bench-coordinator", "bench coordinator password"
TIMEOUT = 600
FLOOR_SQL = "SELECT substr(held_on,1,7), count(*), sum(participants) FROM session_logs GROUP BY 1"
MAX_FLOOR_RATIO = 3.0
MAX_MEMORY_GROWTH_MB = 100
MIN_ROWS_PER_SECOND = 50_000
BUDGETS_MS = {  # size -> what -> budget (ms); None: measured, no budget at that size
    1_000_000: {"dashboard": 300, "aggregates CSV": 500, "report PDF": 3000},
    10_000_000: {"dashboard": 1500, "aggregates CSV": None, "report PDF": None},
}
# Threaded workers, as gunicorn.conf.py runs them: a sync worker is killed when one request (here
# a logs CSV of a million rows) outlasts gunicorn's --timeout, since it checks in between requests.
GUNICORN_ARGS = ("--worker-class", "gthread", "--threads", "4", "--timeout", "60")
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Coordinator:
    """A signed-in coordinator's HTTP client (one keep-alive connection, the session cookie)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        page = self.request("GET", "/coordinator/login")
        token = _CSRF.search(page.decode()).group(1)
        self.request(
            "POST",
            "/coordinator/login",
            {"csrf_token": token, "username": USER, "password": PASSWORD},
            expect=302,
        )

    def _remember(self, response: http.client.HTTPResponse) -> None:
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self.cookie = value.split(";", 1)[0]

    def request(self, method: str, path: str, form: dict | None = None, expect: int = 200):
        """The whole body of one answer (raises on another status)."""
        response, connection = self.open(method, path, form)
        try:
            body = response.read()
        finally:
            connection.close()
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {body[:300]!r}")
        return body

    def open(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        self._remember(response)
        return response, connection

    def timed(self, path: str) -> float:
        began = time.perf_counter()
        self.request("GET", path)
        return time.perf_counter() - began

    def logs_csv(self, query: str) -> tuple[float, float, int]:
        """(seconds to the first bytes, seconds in all, rows) of the streamed logs CSV."""
        page = self.request("GET", f"/coordinator/export/logs.csv{query}")
        token = _CSRF.search(page.decode()).group(1)
        began = time.perf_counter()
        response, connection = self.open(
            "POST", f"/coordinator/export/logs.csv{query}",
            {"csrf_token": token, "layout": "spreadsheet"},
        )  # fmt: skip
        first, lines = None, 0
        try:
            while chunk := response.read1(1 << 16):
                first = first or time.perf_counter() - began
                lines += chunk.count(b"\n")
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"logs CSV: HTTP {response.status}")
        return first or 0.0, time.perf_counter() - began, lines - 1


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def median_after_warm_up(measure, rounds: int) -> float:
    measure()
    return statistics.median(measure() for _ in range(rounds))


def floor_seconds(path: Path, rounds: int) -> float:
    """The bare GROUP BY over session_logs, on its own connection."""
    db = connect(str(path))
    try:

        def once() -> float:
            began = time.perf_counter()
            db.execute(FLOOR_SQL).fetchall()
            return time.perf_counter() - began

        return median_after_warm_up(once, rounds)
    finally:
        db.conn.close()


def ensure_coordinator(path: Path) -> None:
    db = connect(str(path))
    try:
        if not db["coordinators"].count_where("username = ?", [USER]):
            create_coordinator(db, USER, PASSWORD, role="admin", lang="en")
    finally:
        db.conn.close()


def report_district(path: Path, first_month: str) -> str:
    """A district of middling size for the report PDF: the median of districts by sessions."""
    db = connect(str(path))
    try:
        districts = [
            name
            for (name,) in db.execute(
                "SELECT district FROM report_rollup WHERE dimension = 'sessions' "
                "AND month >= ? GROUP BY district ORDER BY sum(n)",
                [first_month],
            )
        ]
    finally:
        db.conn.close()
    return districts[len(districts) // 2]


def twelve_months_back(last: str) -> str:
    number = int(last[:4]) * 12 + int(last[5:7]) - 1 - 11
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def measure_size(logs: int, rounds: int, with_logs_csv: bool) -> list[tuple]:
    label = f"{logs // 1_000_000} M logs"
    path, facts = database(logs, progress=lambda line: print(line, file=sys.stderr, flush=True))
    ensure_coordinator(path)
    budgets = BUDGETS_MS[logs] if logs in BUDGETS_MS else BUDGETS_MS[10_000_000]
    start = twelve_months_back(facts["last_month"])
    district = report_district(path, start)
    pdf_query = urllib.parse.urlencode(
        {"start": start, "end": facts["last_month"], "district": district}
    )
    rows: list[tuple] = [
        (f"{label}: database ({facts['months']} months, {facts['facilitators']:,} facilitators, "
         f"{facts['districts']} districts)",
         f"{facts['bytes'] / 1e9:.2f} GB, built in {facts['build_seconds']:.0f} s",
         "(built once, cached)", "-", True),
    ]  # fmt: skip
    floor = floor_seconds(path, 3)
    print(f"{label}: floor {floor * 1000:.0f} ms", file=sys.stderr, flush=True)
    with Gunicorn(workers=2, database=str(path), args=GUNICORN_ARGS) as server:
        coordinator = Coordinator(server.port)
        for _ in range(2):  # both workers have imported everything, and signed in
            coordinator.timed("/coordinator/password")
        workers = server.worker_pids()
        idle = {pid: memory_kb(pid)["VmRSS"] for pid in workers}
        paths = {
            "dashboard": "/coordinator/",
            "aggregates CSV": "/coordinator/export/aggregates.csv",
            "report PDF": f"/coordinator/export/report.pdf?{pdf_query}",
        }
        figures, cpu = {}, {}
        for what, page in paths.items():
            coordinator.timed(page)  # warm-up
            timed = []
            for _ in range(rounds):
                used = cpu_seconds(workers)
                timed.append((coordinator.timed(page), cpu_seconds(workers) - used))
            figures[what] = statistics.median(wall for wall, _ in timed)
            cpu[what] = statistics.median(used for _, used in timed)
        if with_logs_csv:
            coordinator.logs_csv(f"?start={facts['last_month']}&end={facts['last_month']}")
            runs = []
            for _ in range(rounds):
                used = cpu_seconds(workers)
                first, seconds, exported = coordinator.logs_csv("")
                runs.append((first, seconds, exported, cpu_seconds(workers) - used))
        peaks = {pid: memory_kb(pid)["VmHWM"] for pid in server.worker_pids()}
    growth_mb = max(peaks[pid] - idle.get(pid, peaks[pid]) for pid in peaks) / 1024
    for what, seconds in figures.items():
        budget = budgets.get(what)
        ms = seconds * 1000
        shown = f"{what} (one district, 12 months)" if what == "report PDF" else what
        if budget is None:
            rows.append((f"{label}: {shown}, median", f"{ms:,.0f} ms", "(no budget)", "-", True))
        else:
            rows.append((f"{label}: {shown}, median", f"{ms:,.0f} ms", f"<= {budget:,} ms",
                         f"{ms / budget:.2f}", ms <= budget))  # fmt: skip
        # CPU time the server spent: what the wall time would be on an idle core.
        rows.append((f"{label}: {shown}, server CPU time (median)", f"{cpu[what] * 1000:,.0f} ms",
                     "(measured)", "-", True))  # fmt: skip
    ratio = figures["dashboard"] / floor
    rows += [
        (f"{label}: bare GROUP BY over session_logs (floor)", f"{floor * 1000:,.0f} ms",
         "(reference)", "-", True),
        (f"{label}: dashboard vs the floor", f"{figures['dashboard'] * 1000:,.0f} / "
         f"{floor * 1000:,.0f} ms", f"<= {MAX_FLOOR_RATIO:g}x", f"{ratio:.2f}",
         ratio <= MAX_FLOOR_RATIO),
    ]  # fmt: skip
    if with_logs_csv:
        first = statistics.median(run[0] for run in runs)
        rate = statistics.median(run[2] / run[1] for run in runs)
        exported = runs[-1][2]
        per_cpu = statistics.median(run[2] / max(run[3], 0.01) for run in runs)
        rows += [
            (f"{label}: logs CSV, {exported:,} rows, rows/s (median)", f"{rate:,.0f}",
             f">= {MIN_ROWS_PER_SECOND:,}", f"{rate / MIN_ROWS_PER_SECOND:.2f}",
             rate >= MIN_ROWS_PER_SECOND),
            (f"{label}: logs CSV, rows per second of server CPU (median)", f"{per_cpu:,.0f}",
             "(measured)", "-", True),
            (f"{label}: logs CSV, first bytes after (median)", f"{first * 1000:,.0f} ms",
             "(starts at once)", "-", True),
        ]  # fmt: skip
    rows.append(
        (f"{label}: server worker memory growth (peak over idle)", f"{growth_mb:,.0f} MB",
         f"<= {MAX_MEMORY_GROWTH_MB} MB", f"{growth_mb / MAX_MEMORY_GROWTH_MB:.2f}",
         growth_mb <= MAX_MEMORY_GROWTH_MB)
    )  # fmt: skip
    return rows


def parse_size(text: str) -> int:
    text = text.strip().upper()
    return int(float(text[:-1]) * 1_000_000) if text.endswith("M") else int(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M", help="comma-separated: 1M,10M or 250000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [parse_size(size) for size in args.sizes.split(",")]
    rows = []
    for logs in sizes:
        # The whole logs CSV of 10 M rows takes minutes per round: its rate is measured at 1 M.
        rows += measure_size(logs, args.rounds, with_logs_csv=logs <= 2_000_000)
    print("measure | figure | budget | ratio | pass/fail")
    for cells in rows:
        print(row(*cells))
    return 0 if all(cells[-1] for cells in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
