"""The coordinator area: login, CSRF, rate limit, escaping, suppression, CSV exports, retention."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import PASSWORD, add_log, login
from toolkit.coordinator import purge_notes
from toolkit.db import connect
from toolkit.languages import LANGUAGES


def test_every_coordinator_route_needs_a_login(app, client):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/coordinator/")]
    assert len(rules) >= 5
    for rule in rules:
        if rule.endpoint == "coordinator.login":
            continue
        # Values each segment's converter accepts, so the login check is what answers.
        url = re.sub(r"<lang:[^>]+>", "en", rule.rule)
        url = re.sub(r"<id:[^>]+>", "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", url)
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", url)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
        assert response.headers["Location"].startswith("/coordinator/login"), url


def test_login_and_logout(client, coordinator):
    assert login(client, password="wrong password!").status_code == 401
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/coordinator/"
    assert client.get("/coordinator/").status_code == 200
    client.post("/coordinator/logout")
    assert client.get("/coordinator/").status_code == 302


def test_login_never_redirects_off_site(client, coordinator):
    response = client.post(
        "/coordinator/login?next=//evil.example/", data={"username": "asha", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/coordinator/"


def test_passwords_are_stored_as_scrypt_hashes(app, coordinator):
    db = connect(app.config["DATABASE"])
    stored = next(db["coordinators"].rows)["password_hash"]
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_forms_without_csrf_token_are_rejected(make_app, coordinator, app):
    strict = make_app(DATABASE=app.config["DATABASE"])
    client = strict.test_client()
    response = client.post("/coordinator/login", data={"username": "asha", "password": PASSWORD})
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_login_attempts_are_rate_limited(make_app, coordinator, app):
    limited = make_app(
        DATABASE=app.config["DATABASE"], WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute"
    )
    client = limited.test_client()
    codes = [login(client, password=f"guess number {i}").status_code for i in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_security_headers_on_every_page(client):
    for url in ("/en/", "/coordinator/login", "/ne/guides/ng-agent"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_dashboard_suppresses_small_counts_and_escapes_text(app, client, coordinator):
    for _ in range(6):
        add_log(app.config["DATABASE"])
    add_log(app.config["DATABASE"], district="<script>alert(1)</script>", participants=3)
    login(client)
    html = client.get("/coordinator/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;5" in html  # the one-session district is hidden
    assert 'class="bars"' in html and "<script" not in html.split("<main")[1]


def test_dashboard_in_the_coordinators_language(app, client, coordinator):
    db = connect(app.config["DATABASE"])
    db["coordinators"].update(next(db["coordinators"].rows)["id"], {"lang": "ur"})
    db.conn.close()
    login(client)
    html = client.get("/coordinator/").get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html


def test_aggregate_csv_is_suppressed_utf8_with_bom(app, client, coordinator):
    for _ in range(6):
        add_log(app.config["DATABASE"], district="سیالکوٹ")
    add_log(app.config["DATABASE"], district="ओकारा")
    login(client)
    response = client.get("/coordinator/export/aggregates.csv")
    body = response.data
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert "سیالکوٹ,6" in text
    assert "ओकारा,<5" in text


def test_log_csv_leaves_notes_out_unless_chosen_and_neutralises_formulas(app, client, coordinator):
    add_log(app.config["DATABASE"], notes='=HYPERLINK("http://x")', market_info="+fees 90000")
    login(client)
    page = client.get("/coordinator/export/logs.csv").get_data(as_text=True)
    assert "Free-text notes are left out" in page
    without = client.post("/coordinator/export/logs.csv").data.decode("utf-8-sig")
    assert "HYPERLINK" not in without and "notes" not in without.splitlines()[0]
    assert "'+fees 90000" in without
    with_notes = client.post("/coordinator/export/logs.csv", data={"include_notes": "y"})
    text = with_notes.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_purge_notes_clears_old_notes_and_their_revisions(app):
    import datetime as dt

    old = add_log(app.config["DATABASE"], held_on="2025-01-10", notes="old note")
    new = add_log(app.config["DATABASE"], held_on="2026-11-01", notes="new note")
    db = connect(app.config["DATABASE"])
    revision = dict(next(db["session_logs"].rows_where("id = ?", [old])))
    revision["log_id"] = revision.pop("id")
    revision.pop("conflict", None)
    db["session_log_revisions"].insert(
        {**revision, "superseded_at": "x", "reason": "edit"}, alter=True
    )
    purged = purge_notes(db, 180, today=dt.date(2026, 11, 23))
    assert purged == 2
    assert db["session_logs"].get(old)["notes"] == ""
    assert db["session_logs"].get(new)["notes"] == "new note"
    assert next(db["session_log_revisions"].rows)["notes"] == ""


def test_cli_creates_coordinators_and_resets_passwords(runner, app):
    result = runner.invoke(
        args=["create-coordinator", "meena", "--role", "admin", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-coordinator", "meena", "--password", PASSWORD])
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["set-password", "meena", "--password", "short"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    result = runner.invoke(args=["set-password", "meena", "--password", "another long one"])
    assert result.exit_code == 0
    client = app.test_client()
    assert login(client, "meena", "another long one").status_code == 302


# --- facilitators, phones, import, attention ---------------------------------------------------

from tests.helpers import enrol as enrol_phone  # noqa: E402
from tests.helpers import make_log, send  # noqa: E402


def test_add_facilitator_issue_code_with_qr_and_phone_enrols(app, client, coordinator):
    app.config["BASE_URL"] = "https://toolkit.example.org"
    login(client)
    response = client.post(
        "/coordinator/facilitators", data={"name": "Sita Tamang", "country": "NP"}
    )
    assert response.status_code == 302
    html = client.get("/coordinator/facilitators").get_data(as_text=True)
    facilitator_id = re.search(r"/coordinator/facilitators/([0-9a-f-]{36})/enrol", html).group(1)
    page = client.post(f"/coordinator/facilitators/{facilitator_id}/enrol").get_data(as_text=True)
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", page).group(1)
    assert "<svg" in page and f"https://toolkit.example.org/ne/enrol#code={code}" in page
    answer = client.post("/api/v1/enrol", json={"code": code}).get_json()
    assert answer["facilitator"]["name"] == "Sita Tamang"


def test_revoked_phone_can_no_longer_sync(app, client, coordinator):
    phone = enrol_phone(app, client)
    login(client)
    response = client.post(f"/coordinator/devices/{phone['device_id']}/revoke")
    assert response.status_code == 302
    assert "Withdrawn" in client.get("/coordinator/facilitators").get_data(as_text=True)
    assert send(client, phone, make_log()).status_code == 403


def test_import_of_unsent_logs_is_idempotent_and_reports_invalid_records(app, client, coordinator):
    import io

    phone = enrol_phone(app, client)
    records = [make_log(), make_log(), make_log(participants=-3)]
    payload = json.dumps(
        {
            "records": records,
            "device_id": phone["device_id"],
            "facilitator_id": phone["facilitator"]["id"],
        }
    ).encode()
    login(client)

    def upload():
        return client.post(
            "/coordinator/import",
            data={"file": (io.BytesIO(payload), "unsent.json"), "facilitator": ""},
            content_type="multipart/form-data",
        )

    first = upload().get_data(as_text=True)
    assert first.count(">stored<") == 2 and ">not stored<" in first and "participants:" in first
    second = upload().get_data(as_text=True)
    assert second.count(">already on the server<") == 2
    db = connect(app.config["DATABASE"])
    assert db["session_logs"].count == 2


def test_import_rejects_a_file_that_is_not_an_export(client, coordinator):
    import io

    login(client)
    response = client.post(
        "/coordinator/import",
        data={"file": (io.BytesIO(b"name,phone\nx,y"), "contacts.csv"), "facilitator": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "not an unsent-logs file" in response.get_data(as_text=True)


def test_conflict_is_listed_and_resolved_keeping_both_versions(app, client, coordinator):
    phone = enrol_phone(app, client)
    record = make_log(participants=12)
    send(client, phone, record)
    assert (
        send(client, phone, {**record, "participants": 15}).get_json()["results"][0]["status"]
        == "conflict"
    )
    login(client)
    page = client.get("/coordinator/attention").get_data(as_text=True)
    assert "Use the other version" in page
    copy_hash = re.search(r'name="copy_hash" value="([0-9a-f]+)"', page).group(1)
    response = client.post(
        "/coordinator/attention",
        data={"log_id": record["id"], "copy_rev": "1", "copy_hash": copy_hash, "choice": "copy"},
    )
    assert response.status_code == 302
    db = connect(app.config["DATABASE"])
    current = db["session_logs"].get(record["id"])
    assert (current["rev"], current["participants"], current["conflict"]) == (2, 15, 0)
    kept = {(r["rev"], r["participants"]) for r in db["session_log_revisions"].rows}
    assert {(1, 12), (1, 15)} <= kept
    assert "Nothing needs attention" in client.get("/coordinator/attention").get_data(as_text=True)


def test_report_pdf_shows_suppressed_figures_in_the_coordinators_language(
    app, client, coordinator, caplog, tmp_path
):
    import logging
    import subprocess

    for _ in range(6):
        add_log(app.config["DATABASE"])
    add_log(app.config["DATABASE"], district="Okara", held_on="2026-09-10")
    login(client)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = client.get("/coordinator/export/report.pdf?start=2026-09&end=2026-10")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert [r for r in caplog.records if r.name.startswith("weasyprint")] == []
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Session report" in text and "2026-09 to 2026-10" in text
    assert "Sessions by district" in text and "<5" in text
    db = connect(app.config["DATABASE"])
    db["coordinators"].update(next(db["coordinators"].rows)["id"], {"lang": "ne"})
    db.conn.close()
    nepali = client.get("/coordinator/export/report.pdf")
    pdf.write_bytes(nepali.data)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Devanagari" in fonts


def test_names_and_notes_with_markup_are_escaped_on_every_page(app, client, coordinator):
    from toolkit.enrolment import create_facilitator

    db = connect(app.config["DATABASE"])
    create_facilitator(db, "<img src=x onerror=alert(1)>", "PK")
    db.conn.close()
    phone = enrol_phone(app, client)
    record = make_log(notes="<script>alert('n')</script>", market_info="<b>fees</b>")
    send(client, phone, record)
    send(client, phone, {**record, "notes": "<script>alert('m')</script>"})  # a conflict
    login(client)
    for url in ("/coordinator/facilitators", "/coordinator/attention", "/coordinator/"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html, url
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/coordinator/facilitators").get_data(
        as_text=True
    )
    assert "&lt;script&gt;alert(" in client.get("/coordinator/attention").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "nepal", "pakistan"), [("en", "Nepal", "Pakistan"), ("ne", "नेपाल", "पाकिस्तान")]
)
def test_facilitators_page_names_each_country_in_the_coordinators_language(
    app, client, coordinator, lang, nepal, pakistan
):
    login(client)
    for name, country in (("Sita Tamang", "NP"), ("Nasreen Akhtar", "PK")):
        client.post("/coordinator/facilitators", data={"name": name, "country": country})
    client.post("/coordinator/language", data={"lang": lang})
    html = client.get("/coordinator/facilitators").get_data(as_text=True)
    sep = LANGUAGES[lang].separator
    assert f'Sita Tamang <span class="muted">{sep}{nepal}</span>' in html
    assert f'Nasreen Akhtar <span class="muted">{sep}{pakistan}</span>' in html
