"""No configuration value switches a test fault or a bench route on in production (issue #19,
class 13): they live in tests/faults.py and bench/_bench_app.py, which wrap the app from outside.

A production gunicorn is started with the old switches in its instance config (TESTING, SYNC_FAULTS,
BENCH_ROUTES) and in its environment: sync still stores the batch and the bench route does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import enrol_phone, make_log, stored_ids

ROOT = Path(__file__).resolve().parents[2]


def test_fault_and_bench_switches_in_the_config_do_nothing(server, monkeypatch):
    token = enrol_phone(server.database)
    monkeypatch.setenv("TEST_SYNC_FAULTS", '["fail-before", "fail-before"]')  # tests/faults.py's
    server.workers = 2
    server.start(
        TESTING=True,
        SYNC_FAULTS=["fail-before", "drop-after-commit", "slow:30"],
        BENCH_ROUTES=True,
    )
    logs = [make_log() for _ in range(3)]
    for log in logs:
        status, answer = server.sync(token, [log], timeout=10)
        assert status == 200 and answer["results"][0]["status"] == "created"
    assert sorted(stored_ids(server.database)) == sorted(log["id"] for log in logs)
    assert server.request("GET", "/_bench/same-bytes/ne/guides/ng-agent")[0] == 404


def test_the_product_package_has_no_test_or_bench_machinery():
    switches = re.compile(r"SYNC_FAULTS|BENCH_ROUTES|_bench|fail-before|drop-after-commit")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "toolkit").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if switches.search(line)
    ]
    assert not found, found
    assert not (ROOT / "toolkit" / "bench_routes.py").exists()
