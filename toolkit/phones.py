"""What a coordinator reads to tell phones apart: system and browser from enrolment, and a nickname.

No Flask import. The label comes from the User-Agent the phone sent when it was enrolled: only the
names of its system and browser ("Android", "Chrome"), never a model or version, so it says no more
about the phone than a coordinator sees across the table.
"""

from __future__ import annotations

import re

import sqlite_utils

# First match wins: Android phones say "Linux" too, Chrome-based browsers say "Chrome" and "Safari".
SYSTEMS = [
    ("KaiOS", r"KAIOS"),
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"),
    ("Linux", r"Linux|X11"),
]
BROWSERS = [
    ("Samsung Internet", r"SamsungBrowser"),
    ("UC Browser", r"UCBrowser"),
    ("Opera", r"OPR/|Opera"),
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
]
NICKNAME_LENGTH = 40


def _first(table: list[tuple[str, str]], user_agent: str) -> str | None:
    return next((name for name, pattern in table if re.search(pattern, user_agent, re.I)), None)


def describe_user_agent(user_agent: str | None) -> tuple[str | None, str | None]:
    """(system, browser) names from a User-Agent header; None for what it does not say."""
    text = (user_agent or "")[:512]
    return _first(SYSTEMS, text), _first(BROWSERS, text)


def record_enrolled_client(
    db: sqlite_utils.Database, device_id: str, user_agent: str | None
) -> None:
    """Keep the system and browser a phone was enrolled with (shown on the phones page)."""
    system, browser = describe_user_agent(user_agent)
    db.execute(
        "UPDATE devices SET client_system = ?, client_browser = ? WHERE id = ?",
        [system, browser, device_id],
    )
    db.conn.commit()


def client_label(device: dict, separator: str) -> str:
    """ "Android — Chrome": the names joined by the language's separator ('' when unknown)."""
    names = [device.get("client_system"), device.get("client_browser")]
    return separator.join(name for name in names if name)


def set_nickname(db: sqlite_utils.Database, device_id: str, nickname: str) -> bool:
    """Name a phone as the coordinator knows it ("Sita's red phone"); '' clears it."""
    cleaned = " ".join(nickname.split())[:NICKNAME_LENGTH] or None
    cursor = db.execute("UPDATE devices SET nickname = ? WHERE id = ?", [cleaned, device_id])
    db.conn.commit()
    return cursor.rowcount > 0
