"""Guide page throughput against a constant-bytes route of the same size, on the same gunicorn.

    .venv/bin/python bench/guide_page.py [--rounds 6] [--seconds 5] [--connections 16] [--workers 2]

One gunicorn (gunicorn.conf.py, as docs/DEPLOY.md runs it) serving bench/_bench_app.py's app, which
adds `/_bench/same-bytes/<lang>/guides/<slug>`: the guide page's own bytes, rendered once
and served as a constant through the same hooks and compression. The load
comes from `wrk` (Debian package `wrk`; `make bench` installs it), a C load generator: a Python client
was itself the bottleneck and measured ~1,850 requests/s for both routes while the server did ~3,000.
wrk (2 threads, 16 keep-alive connections; gzip asked, like a phone) fetches the guide pages of
ng-agent in ne, en and ur in turn, then the constant route for the same pages, in alternating rounds,
so both sides see the same machine load.

Budget (DESIGN.md): guide page requests/s ≥ 0.8 × the constant route's. Prints
`measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gunicorn import Gunicorn, row  # noqa: E402

MIN_RATIO = 0.8
PAGES = ("ne/guides/ng-agent", "en/guides/ng-agent", "ur/guides/ng-agent")
REQUEST_TIMEOUT = 30
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "ne"}
# wrk takes one URL: this script makes it request the pages in turn.
ROTATE = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""
_DONE = re.compile(r"(\d+) requests in ([\d.]+)(m?s|m)\b")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(url: str, paths: list[str], seconds: float, threads: int, connections: int):
    """(requests, seconds, errors) of one wrk run over `paths` in turn."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(ROTATE % ", ".join(f'"{path}"' for path in paths))
    try:
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
        ]
        for name, value in HEADERS.items():
            command += ["-H", f"{name}: {value}"]
        done = subprocess.run(
            [*command, "-s", script.name, url],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    found = _DONE.search(done.stdout)
    if not found:
        raise RuntimeError(f"unexpected wrk output:\n{done.stdout}\n{done.stderr}")
    requests, elapsed, unit = int(found[1]), float(found[2]), found[3]
    elapsed *= {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]
    errors = []
    if (bad := _NON_2XX.search(done.stdout)) and int(bad[1]):
        errors.append(f"{bad[1]} answers that were not 200")
    if (sockets := _SOCKET_ERRORS.search(done.stdout)) and any(map(int, sockets.groups())):
        errors.append(sockets[0])
    return requests, elapsed, errors


def body(port: int, path: str) -> tuple[int, int]:
    """(bytes on the wire, bytes after gunzip) of one response."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} for {path}")
        plain = gzip.decompress(data) if response.getheader("Content-Encoding") == "gzip" else data
        return len(data), len(plain)
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=5, help="per kind and round")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench does it)")

    paths = {
        "guide": [f"/{page}" for page in PAGES],
        "constant": [f"/_bench/same-bytes/{page}" for page in PAGES],
    }
    requests = {"guide": 0, "constant": 0}
    seconds = {"guide": 0.0, "constant": 0.0}
    errors: list[str] = []
    with Gunicorn(workers=args.workers, app="_bench_app:create_app()") as server:
        sizes = {
            page: (body(server.port, f"/{page}"), body(server.port, f"/_bench/same-bytes/{page}"))
            for page in PAGES
        }
        # Warm both sides in every worker before the clock starts.
        for kind in ("guide", "constant"):
            wrk(server.url, paths[kind], 1, args.threads, args.connections)
        for number in range(args.rounds):
            order = ("guide", "constant") if number % 2 == 0 else ("constant", "guide")
            for kind in order:
                done, elapsed, failed = wrk(
                    server.url, paths[kind], args.seconds, args.threads, args.connections
                )
                requests[kind] += done
                seconds[kind] += elapsed
                errors += failed

    guide_rate = requests["guide"] / seconds["guide"]
    constant_rate = requests["constant"] / seconds["constant"]
    ratio = guide_rate / constant_rate
    same_size = all(guide == constant for guide, constant in sizes.values())
    print(
        f"guide page: wrk -t{args.threads} -c{args.connections}, {args.rounds} rounds x "
        f"{args.seconds:g} s per kind, gunicorn {args.workers} workers"
    )
    for page, ((wire, plain), _constant) in sizes.items():
        print(f"  /{page}: {plain:,} B, {wire:,} B gzipped")
    print("measure | figure | budget | ratio | pass/fail")
    print(row("guide page errors (wrk)", str(len(errors)), "0", "-", not errors))
    print(
        row(
            "constant route, same bytes as the guide page",
            "same" if same_size else f"differs: {sizes}",
            "same size",
            "-",
            same_size,
        )
    )
    print(row("guide page, requests/s (wrk)", f"{guide_rate:,.0f}", "(measured)", "-", True))
    print(
        row("constant bytes, requests/s (wrk)", f"{constant_rate:,.0f}", "(reference)", "-", True)
    )
    print(
        row(
            "guide page vs constant bytes",
            f"{guide_rate:,.0f} / {constant_rate:,.0f}",
            f">= {MIN_RATIO}",
            f"{ratio:.2f}",
            ratio >= MIN_RATIO,
        )
    )
    for error in errors[:5]:
        print(f"error: {error}")
    return 0 if ratio >= MIN_RATIO and not errors and same_size else 1


if __name__ == "__main__":
    sys.exit(main())
