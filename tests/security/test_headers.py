"""Private answers are never cached; HTTPS answers carry HSTS, with proxy headers trusted only as configured.

Issue #19 class 8.
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import Browser

COORDINATOR_PAGES = [
    "/coordinator/",
    "/coordinator/?district=Sialkot",
    "/coordinator/facilitators",
    "/coordinator/attention",
    "/coordinator/import",
    "/coordinator/password",
    "/coordinator/audit",
    "/coordinator/export/logs.csv",
    "/coordinator/export/aggregates.csv",
    "/coordinator/no-such-page",
]


def test_every_coordinator_page_and_export_says_no_store(production, admin):
    for path in [*COORDINATOR_PAGES, "/coordinator/login"]:
        answer = admin.request("GET", path)
        assert answer.status in (200, 404), (path, answer.status)
        assert answer.header("Cache-Control") == "no-store", path
    # The one-time code page, the signed-out redirect and the sign-in form too.
    page = admin.request("GET", "/coordinator/facilitators").text
    enrol = re.search(r'action="(/coordinator/facilitators/[0-9a-f-]+/enrol)"', page)
    if enrol is None:
        admin.post("/coordinator/facilitators", {"name": "Header Test", "country": "NP"})
        page = admin.request("GET", "/coordinator/facilitators").text
        enrol = re.search(r'action="(/coordinator/facilitators/[0-9a-f-]+/enrol)"', page)
    code_page = admin.post(enrol.group(1), {}, "/coordinator/facilitators")
    assert code_page.status == 200 and code_page.header("Cache-Control") == "no-store"
    signed_out = Browser(admin.server).request("GET", "/coordinator/facilitators")
    assert signed_out.status == 302 and signed_out.header("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/health", None),
        ("POST", "/api/v1/sync", b'{"records": []}'),
        ("POST", "/api/v1/enrol", b'{"code": "ACDE-FGHJ"}'),
        ("POST", "/api/v1/hub/people", b'{"facilitators": []}'),
        ("GET", "/api/v1/no-such-endpoint", None),
    ],
)
def test_every_api_answer_says_no_store(production, method, path, body):
    answer = Browser(production).request(
        method,
        path,
        body=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer not-a-token"},
    )
    assert answer.status < 500
    assert answer.header("Cache-Control") == "no-store", (path, answer.status)


def test_hsts_over_https_from_the_trusted_proxy_only(production):
    browser = Browser(production)
    https = browser.request("GET", "/coordinator/login", headers={"X-Forwarded-Proto": "https"})
    assert https.header("Strict-Transport-Security") == "max-age=31536000"
    for path in ("/", "/ne/", "/api/v1/health"):
        answer = browser.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        assert answer.header("Strict-Transport-Security"), path
    plain = browser.request("GET", "/coordinator/login")
    assert plain.header("Strict-Transport-Security") is None


def test_proxy_headers_are_ignored_when_no_proxy_is_configured(bare):
    browser = Browser(bare)
    answer = browser.request("GET", "/coordinator/login", headers={"X-Forwarded-Proto": "https"})
    assert answer.header("Strict-Transport-Security") is None
    # Nor does X-Forwarded-For give a client a new rate-limit count: all these share 127.0.0.1.
    statuses = [
        Browser(bare, f"203.0.113.{number}")
        .request(
            "POST",
            "/api/v1/enrol",
            body=json.dumps({"code": "nope"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        .status
        for number in range(21)
    ]
    assert statuses[-1] == 429
