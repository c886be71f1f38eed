"""Guide page throughput against a constant-bytes route of the same size, on the same gunicorn.

    .venv/bin/python bench/guide_page.py [--rounds 6] [--requests 500] [--clients 4] [--workers 2]

One gunicorn (gunicorn.conf.py, as docs/DEPLOY.md runs it) serving bench/_bench_app.py's app, which
adds `/_bench/same-bytes/<lang>/guides/<slug>`: the guide page's own bytes, rendered once
and served as a constant through the same hooks and compression. A bounded
pool of client threads (http.client, keep-alive when the server allows it; gzip asked, like a phone)
fetches the guide pages of ng-agent in ne, en and ur, then the constant route for the same pages, in
alternating rounds, so both sides see the same machine load.

Budget (DESIGN.md): guide page requests/s ≥ 0.8 × the constant route's. Prints
`measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gunicorn import Gunicorn, row  # noqa: E402

MIN_RATIO = 0.8
PAGES = ("ne/guides/ng-agent", "en/guides/ng-agent", "ur/guides/ng-agent")
REQUEST_TIMEOUT = 30
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "ne"}


def fetch_all(port: int, paths: list[str], clients: int) -> tuple[float, list[str]]:
    """Fetch every path once with `clients` threads sharing one queue: (seconds, errors)."""
    errors: list[str] = []
    lock = threading.Lock()
    position = [0]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            while True:
                with lock:
                    if position[0] >= len(paths):
                        return
                    path = paths[position[0]]
                    position[0] += 1
                try:
                    connection.request("GET", path, headers=HEADERS)
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        raise RuntimeError(f"HTTP {response.status} for {path}")
                except Exception as failure:  # noqa: BLE001 - counted, and the run goes on
                    connection.close()
                    with lock:
                        errors.append(f"{type(failure).__name__}: {failure}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT * len(paths))
    return time.perf_counter() - began, errors


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
    parser.add_argument("--requests", type=int, default=500, help="per kind and round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()

    guide_paths = [f"/{PAGES[n % len(PAGES)]}" for n in range(args.requests)]
    constant_paths = [f"/_bench/same-bytes{path}" for path in guide_paths]
    seconds = {"guide": 0.0, "constant": 0.0}
    errors: list[str] = []
    with Gunicorn(workers=args.workers, app="_bench_app:create_app()") as server:
        sizes = {}
        for page in PAGES:
            sizes[page] = (
                body(server.port, f"/{page}"),
                body(server.port, f"/_bench/same-bytes/{page}"),
            )
        # Warm both sides in every worker before the clock starts.
        for paths in (guide_paths, constant_paths):
            fetch_all(server.port, paths[: 20 * args.workers], args.clients)
        for number in range(args.rounds):
            order = ("guide", "constant") if number % 2 == 0 else ("constant", "guide")
            for kind in order:
                paths = guide_paths if kind == "guide" else constant_paths
                elapsed, failed = fetch_all(server.port, paths, args.clients)
                seconds[kind] += elapsed
                errors += failed

    total = args.rounds * args.requests
    guide_rate = total / seconds["guide"]
    constant_rate = total / seconds["constant"]
    ratio = guide_rate / constant_rate
    same_size = all(guide == constant for guide, constant in sizes.values())
    print(
        f"guide page: {args.rounds} rounds x {args.requests} requests per kind, {args.clients} "
        f"clients, gunicorn {args.workers} workers"
    )
    for page, ((wire, plain), _constant) in sizes.items():
        print(f"  /{page}: {plain:,} B, {wire:,} B gzipped")
    print("measure | figure | budget | ratio | pass/fail")
    print(row("guide page errors", str(len(errors)), "0", "-", not errors))
    print(
        row(
            "constant route, same bytes as the guide page",
            "same" if same_size else f"differs: {sizes}",
            "same size",
            "-",
            same_size,
        )
    )
    print(row("guide page, requests/s", f"{guide_rate:,.0f}", "(measured)", "-", True))
    print(row("constant bytes, requests/s", f"{constant_rate:,.0f}", "(reference)", "-", True))
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
