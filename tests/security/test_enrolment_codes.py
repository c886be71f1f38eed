"""Enrolment codes on the deployed server: a keyed hash, never in a URL that reaches a log, never Host.

Issue #19 class 10.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import urllib.parse

import segno

from .conftest import BASE_URL, PASSWORD, Browser, query

_names = itertools.count(1)


def issue_code(admin: Browser, headers: dict | None = None) -> tuple[str, str]:
    """Add a facilitator, issue her a code on the web page: (code, the page's HTML)."""
    name = f"Codes Test {next(_names)}"
    admin.post("/coordinator/facilitators", {"name": name, "country": "NP"})
    page = admin.request("GET", "/coordinator/facilitators").text
    action = re.search(
        rf"{re.escape(name)}.*?action=\"(/coordinator/facilitators/[0-9a-f-]+/enrol)\"", page, re.S
    ).group(1)
    answer = admin.post(action, {}, "/coordinator/facilitators", headers=headers)
    assert answer.status == 200
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", answer.text).group(1)
    return code, answer.text


def test_a_stored_code_cannot_be_found_from_the_database_alone(production, admin):
    code, _page = issue_code(admin)
    raw = code.replace("-", "")
    stored = {row[0] for row in query(production.database, "SELECT code_hash FROM enrolments")}
    # Neither the plain SHA-256 used before nor any unkeyed hash of the code is stored.
    for candidate in (raw, code, raw.lower()):
        for name in ("sha256", "sha1", "md5", "sha512", "blake2b"):
            assert hashlib.new(name, candidate.encode()).hexdigest() not in stored
    # The key is beside the database, private, never inside it.
    key_file = production.directory / "toolkit-codes.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    key = key_file.read_text().strip()
    dump = "\n".join(
        str(row)
        for table in ("enrolments", "devices", "coordinators")
        for row in query(production.database, f"SELECT * FROM {table}")
    )
    assert key not in dump and raw not in dump
    # The code still works, once.
    body = json.dumps({"code": code}).encode()
    phone = Browser(production)
    answer = phone.request(
        "POST", "/api/v1/enrol", body=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status == 200


def test_the_code_travels_in_the_fragment_of_a_link_built_from_base_url(production, admin):
    code, page = issue_code(
        admin, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    )
    assert "evil.example" not in page
    link = html.unescape(re.search(r'<p class="link">([^<]+)</p>', page).group(1))
    assert link == f"{BASE_URL}/ne/enrol#code={code}"
    parts = urllib.parse.urlsplit(link)
    assert code not in parts.path + parts.query  # what a browser sends, and a log keeps
    # The QR code carries exactly this link: the same SVG as segno draws for it.
    drawn = segno.make(link, error="m").svg_inline(scale=5, title=code)
    assert drawn in page


def test_without_base_url_there_is_no_link_and_never_the_host_header(bare):
    admin = Browser(bare)
    assert admin.login("asha", PASSWORD).status == 302
    code, page = issue_code(admin, headers={"Host": "evil.example"})
    assert "evil.example" not in page
    assert "/enrol#code=" not in page and "<svg" not in page
    assert "BASE_URL" in page  # says what the administrator must set


def test_the_enrol_page_is_the_same_without_a_code_in_its_address(production):
    browser = Browser(production)
    plain = browser.request("GET", "/ne/enrol")
    assert plain.status == 200
    # The page reads the code from location.hash, never from the query string.
    script = browser.request("GET", "/static/js/enrol.js").text
    assert "location.hash" in script and "location.search" not in script
