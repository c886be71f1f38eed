"""`toolkit sync push --every`: push again and again, and after a failure retry sooner, backing off."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import click

from ..sync.record import iso, utc_now
from .progress import refused_warning
from .pushing import PushReport
from .upstream import PushError

FIRST_RETRY = 30.0  # seconds before the first retry of a failed `--every` push


def retry_delay(failures: int, interval: float) -> float:
    """Seconds to wait after `failures` failed pushes in a row: 30 s, 1 m, 2 m … at most `interval`."""
    first = min(FIRST_RETRY, interval)
    return min(interval, first * 2 ** min(failures - 1, 30))


def keep_pushing(
    push_once: Callable[[], PushReport],
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[..., None] = click.echo,
) -> None:
    """Push now and then every `interval` seconds; after a failure retry sooner, backing off.

    Never gives up (a service must keep trying); Ctrl-C (KeyboardInterrupt) ends it.
    """
    failures = 0
    while True:
        try:
            report = push_once()
        except (PushError, sqlite3.Error) as failure:
            failures += 1
            delay = retry_delay(failures, interval)
            echo(
                f"{iso(utc_now())} push failed ({failures} in a row): {failure} "
                f"Next try in {format_seconds(delay)}.",
                err=True,
            )
        else:
            failures = 0
            delay = interval
            echo(f"{iso(utc_now())} {report.summary()}")
            if report.refused:
                echo(refused_warning(report.refused), err=True)
        sleep(delay)


def format_seconds(seconds: float) -> str:
    """90 -> '1m30s'."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"
