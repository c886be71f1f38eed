"""Coordinator sessions on the deployed server: cookie flags, revocation, lifetimes, the secret key, next=.

Issue #19 classes 1, 2, 3 and 11.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import stat
import subprocess
import sys
import textwrap
import uuid

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from .conftest import (
    PASSWORD,
    ROOT,
    Browser,
    add_coordinator,
    query,
    sha256,
    toolkit_cli,
)

PRIVATE = ("/coordinator/", "/coordinator/export/aggregates.csv", "/coordinator/facilitators")


def opens(browser: Browser, cookies: dict, path: str = "/coordinator/") -> bool:
    """Does this copy of the cookies open the page (200), or send the visitor to sign in?"""
    answer = browser.request("GET", path, cookies=cookies)
    assert answer.status in (200, 302), answer.status
    if answer.status == 302:
        assert "/coordinator/login" in answer.header("Location")
    return answer.status == 200


def session_cookie_line(answer) -> str:
    [line] = [c for c in answer.headers.get_all("Set-Cookie") if c.startswith("session=")]
    return line


def signer(secret: str):
    app = Flask("forger")
    app.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(app)


# --- class 1: cookie flags ------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["production", "bare"])
def test_session_cookie_is_secure_httponly_samesite_and_ends_within_a_day(request, which):
    server = request.getfixturevalue(which)
    browser = Browser(server)
    answer = browser.login("asha")
    assert answer.status == 302
    flags = [part.strip().lower() for part in session_cookie_line(answer).split(";")]
    assert "secure" in flags
    assert "httponly" in flags
    assert "samesite=lax" in flags
    expires = next(part for part in flags if part.startswith("expires="))
    ends = email.utils.parsedate_to_datetime(expires.partition("=")[2])
    assert ends - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24, minutes=1)


# --- class 2: sessions end on the server ----------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(production):
    browser = Browser(production)
    assert browser.login("asha").status == 302
    stolen = dict(browser.cookies)
    for path in PRIVATE:
        assert opens(browser, stolen, path)
    assert browser.logout().status == 302
    for path in PRIVATE:
        assert not opens(browser, stolen, path), path


def test_set_password_on_the_command_line_ends_every_session_of_that_coordinator(production):
    add_coordinator(production.database, "bina")
    laptop, phone, other = Browser(production), Browser(production), Browser(production)
    for browser, user in ((laptop, "bina"), (phone, "bina"), (other, "asha")):
        assert browser.login(user).status == 302
    copies = [dict(laptop.cookies), dict(phone.cookies)]
    toolkit_cli(production, "set-password", "bina", "--password", "a new long password")
    for copy in copies:
        assert not opens(laptop, copy)
    assert opens(other, dict(other.cookies))  # someone else's session is untouched
    assert Browser(production).login("bina", PASSWORD).status == 401
    assert Browser(production).login("bina", "a new long password").status == 302


def test_password_reset_by_an_admin_on_the_web_ends_the_sessions_too(production, admin):
    add_coordinator(production.database, "chandra")
    victim = Browser(production)
    assert victim.login("chandra").status == 302
    stolen = dict(victim.cookies)
    answer = admin.post(
        "/coordinator/password",
        {"username": "chandra", "password": "another long one", "confirm": "another long one"},
    )
    assert answer.status == 302
    assert not opens(victim, stolen)


def test_a_withdrawn_account_loses_its_sessions_and_cannot_sign_in(production):
    add_coordinator(production.database, "deepa")
    browser = Browser(production)
    assert browser.login("deepa").status == 302
    stolen = dict(browser.cookies)
    toolkit_cli(production, "withdraw-coordinator", "deepa")
    assert not opens(browser, stolen)
    assert Browser(production).login("deepa").status == 401


def _age(database: str, username: str, created_hours: float, seen_hours: float) -> None:
    now = dt.datetime.now(dt.UTC)
    query(
        database,
        "UPDATE coordinator_sessions SET created_at = ?, last_seen_at = ? WHERE coordinator_id = "
        "(SELECT id FROM coordinators WHERE username = ?)",
        [
            (now - dt.timedelta(hours=created_hours)).isoformat(timespec="seconds"),
            (now - dt.timedelta(hours=seen_hours)).isoformat(timespec="seconds"),
            username,
        ],
    )


def test_sessions_end_after_8_hours_idle_and_24_hours_in_all(production):
    add_coordinator(production.database, "esha")
    browser = Browser(production)
    assert browser.login("esha").status == 302
    cookies = dict(browser.cookies)
    _age(production.database, "esha", created_hours=20, seen_hours=7.9)
    assert opens(browser, cookies)  # used 7.9 h ago, signed in 20 h ago: still open
    _age(production.database, "esha", created_hours=9, seen_hours=8.1)
    assert not opens(browser, cookies)  # idle too long

    assert browser.login("esha").status == 302
    cookies = dict(browser.cookies)
    _age(production.database, "esha", created_hours=24.1, seen_hours=0)
    assert not opens(browser, cookies)  # in use all along, but signed in more than 24 h ago


def test_only_a_hash_of_the_session_id_is_stored(production):
    add_coordinator(production.database, "farah")
    browser = Browser(production)
    assert browser.login("farah").status == 302
    data = signer("test").loads(browser.cookies["session"])  # the suite's configured SECRET_KEY
    assert set(data) <= {"sid", "_permanent", "csrf_token", "_fresh"}
    stored = {
        row[0] for row in query(production.database, "SELECT id_hash FROM coordinator_sessions")
    }
    assert sha256(data["sid"]) in stored
    raw = b""
    for path in (production.database, production.database + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as handle:
                raw += handle.read()
    assert data["sid"].encode() not in raw


# --- class 3: no built-in secret key --------------------------------------------------------------


def test_without_a_configured_key_the_server_generates_a_private_one(bare):
    key_file = bare.directory / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 64 and key != "dev-only-change-me"
    # A cookie minted with the key once printed in the source opens nothing.
    [(coordinator_id,)] = query(
        bare.database, "SELECT id FROM coordinators WHERE username = 'asha'"
    )
    browser = Browser(bare)
    for payload in (
        {"coordinator_id": coordinator_id},
        {"sid": "x", "coordinator_id": coordinator_id},
    ):
        forged = {"session": signer("dev-only-change-me").dumps(payload)}
        assert not opens(browser, forged)
    # And with no configuration at all, signing in works on both workers (`make run`).
    assert browser.login("asha").status == 302
    assert all(opens(browser, dict(browser.cookies)) for _ in range(8))


def test_workers_starting_at_once_all_use_the_same_generated_key(tmp_path):
    """gunicorn without --preload (`make run`): every worker reaches for the key at the same moment."""
    instance = tmp_path / "instance"
    program = textwrap.dedent(
        """
        import sys
        from toolkit.security import instance_secret_key  # what create_app calls
        print("ready", flush=True)
        sys.stdin.readline()  # all at once: the test says go when every process is ready
        print(instance_secret_key(sys.argv[1]))
        """
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program, str(instance)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert keys == {(instance / "secret_key").read_text().strip()}
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in instance.iterdir() if p.name.startswith(".")] == []  # no leftovers


def test_the_published_key_is_refused_with_a_message_saying_what_to_do(tmp_path):
    from toolkit import create_app

    with pytest.raises(RuntimeError, match="Remove SECRET_KEY"):
        create_app({"SECRET_KEY": "dev-only-change-me", "DATABASE": str(tmp_path / "t.sqlite")})


# --- class 11: redirect targets -------------------------------------------------------------------

UNSAFE_TARGETS = [
    "/coordinator/\r\nSet-Cookie: stolen=1",
    "/coordinator/\nLocation: https://evil.example",
    "//evil.example/coordinator/",
    "https://evil.example/coordinator/",
    "/coordinator/\\\\evil.example",
    "/\\evil.example",
    "/coordinator//evil.example",
    "/coordinator/../../evil",
    "/coordinator/%2e%2e/%2E%2E/evil",
    "/coordinator/%5c%5cevil.example",
    "javascript:alert(1)",
    "/coordinator/\t/x",
    "/coordinator/\x00",
    "",
]


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_unsafe_next_targets_redirect_to_the_dashboard(production, target):
    answer = Browser(production).login("asha", next_path=target)
    assert answer.status == 302
    assert answer.header("Location") in ("/coordinator/", "http://127.0.0.1/coordinator/")
    assert "stolen" not in str(answer.headers)


def test_a_safe_next_target_is_kept(production):
    answer = Browser(production).login("asha", next_path="/coordinator/facilitators?x=1")
    assert answer.status == 302
    assert answer.header("Location").endswith("/coordinator/facilitators?x=1")


def test_language_change_never_follows_a_foreign_referrer(production, admin):
    token = admin.csrf_token("/coordinator/")
    answer = admin.request(
        "POST",
        "/coordinator/language",
        form={"csrf_token": token, "lang": "ne"},
        headers={"Referer": "https://evil.example/phish"},
    )
    assert answer.status == 302
    assert "evil" not in answer.header("Location")


def test_a_login_cookie_of_a_missing_session_is_just_signed_out(production):
    forged = {"session": signer("test").dumps({"sid": str(uuid.uuid4())})}
    assert not opens(Browser(production), forged)
