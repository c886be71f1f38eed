"""Single-flight rendering: one render per cache key, and at most a few renders at once, server-wide.

An anonymous visitor can ask for a PDF that is not in the cache yet (an A5 booklet, or any PDF after a
content change before `build.py` ran). Rendering the Urdu booklet takes tens of seconds of CPU: six
such requests at once used to take every worker and block `/api/v1/health`. So:

- a render holds a lock file for its cache key: a second request for the same PDF, in this worker or
  another, does not render it again but is told to come back ("being prepared");
- a render also holds one of `slots` slot lock files: when all are taken, further misses are told to
  come back instead of queueing up CPU work.

Locks are `fcntl.flock` on files in the cache folder: they work across gunicorn's worker processes
and threads, need no server, and are released by the kernel when a worker dies (even by kill -9).
No Flask import.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class Busy(Exception):
    """This render cannot start now: the same one is under way, or every slot is taken."""


def _try_lock(path: Path) -> int | None:
    """An open, exclusively flocked file descriptor for `path`, or None if someone holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _release(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


class RenderGate:
    """`with gate.turn("ur-booklets-a5"):` … render …; raises Busy when it cannot start now."""

    def __init__(self, directory: Path | str, slots: int = 1):
        self.directory = Path(directory)
        self.slots = max(1, int(slots))

    @contextlib.contextmanager
    def turn(self, name: str) -> Iterator[None]:
        """Hold the lock of `name` and one render slot for the duration of the block."""
        self.directory.mkdir(parents=True, exist_ok=True)
        key = _try_lock(self.directory / f"key-{_UNSAFE.sub('_', name)}.lock")
        if key is None:
            raise Busy(name)
        try:
            slot = next(
                (
                    fd
                    for fd in (
                        _try_lock(self.directory / f"slot-{n}.lock") for n in range(self.slots)
                    )
                    if fd is not None
                ),
                None,
            )
            if slot is None:
                raise Busy(name)
            try:
                yield
            finally:
                _release(slot)
        finally:
            _release(key)
