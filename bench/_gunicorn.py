"""Helpers shared by the benches (not a bench: bench/run.py skips files starting with "_").

`Gunicorn` runs the toolkit from the project's virtualenv on 127.0.0.1 with a temporary instance folder,
so no instance/config.py of the developer's is read, and stops it however the bench ends.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def row(measure: str, figure: str, budget: str, ratio: str, passed: bool) -> str:
    """One line of the benches' table: `measure | figure | budget | ratio | pass/fail`."""
    return f"{measure} | {figure} | {budget} | {ratio} | {'pass' if passed else 'FAIL'}"


class Gunicorn:
    """`with Gunicorn(workers=2) as server:` … `server.url`; config goes to the temporary
    instance/config.py. The database is a fresh, migrated SQLite file in the same folder, or
    `database=` an existing one (kept when the server stops). gunicorn runs with the repository's
    gunicorn.conf.py (production settings); `app` may name bench/_bench_app.py's factory, which adds
    the bench-only routes. `args`: more gunicorn options."""

    def __init__(
        self,
        workers: int = 2,
        app: str = "toolkit:create_app()",
        database: str | None = None,
        args: tuple = (),
        **config,
    ):
        self.workers = workers
        self.app = app
        self.args = list(args)
        self.config = config
        self.directory = tempfile.mkdtemp(prefix="toolkit-bench-")
        self.database = database or os.path.join(self.directory, "bench.sqlite")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        from toolkit.db import init_db

        init_db(self.database)
        settings = {"SECRET_KEY": "bench-only", "DATABASE": self.database, **self.config}
        with open(os.path.join(self.directory, "config.py"), "w", encoding="utf-8") as file:
            for name, value in settings.items():
                file.write(f"{name} = {value!r}\n")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TOOLKIT_") and key != "GUNICORN_CMD_ARGS"  # the developer's
        }
        env["TOOLKIT_INSTANCE"] = self.directory
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--pythonpath",
                str(ROOT / "bench"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                *self.args,
                self.app,
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/api/v1/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master process)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)
