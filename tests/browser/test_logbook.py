"""The phone's logbook in a real browser: offline saving, sync exactly once, faults, two tabs.

Without a service worker the page must be loaded while online; the tests go offline afterwards
(context.set_offline) and check what reaches the server's SQLite.
"""

from __future__ import annotations

import datetime as dt
import json

import nepali_datetime
import pytest
from playwright.sync_api import Page, expect

from ..faults import install as install_faults
from .conftest import enrol, fill_log, open_logbook, rows, save, start_server

TIMEOUT = 20_000  # ms: retries back off with jitter


def badges(page: Page, state: str):
    return page.locator(f"[data-log-list] .badge[data-state='{state}']")


def acknowledged(page: Page, log_id: str, rev: int):
    """The list's badge saying the server has this revision of the log."""
    return page.locator(
        f"[data-log-id='{log_id}'][data-rev='{rev}'] .badge[data-state='acknowledged']"
    )


def log_ids(page: Page) -> set[str]:
    items = page.locator("[data-log-list] [data-log-id]")
    return {items.nth(i).get_attribute("data-log-id") for i in range(items.count())}


@pytest.fixture
def server(tmp_path):
    live = start_server(tmp_path)
    live.faults = install_faults(live.app)  # tests/faults.py: no fault switch in the product
    yield live
    live.stop()


def test_three_logs_offline_survive_reload_then_sync_once(server, page: Page, errors):
    context = page.context
    enrol(page, server)
    open_logbook(page, server)
    context.set_offline(True)
    for participants in ("11", "12", "13"):
        fill_log(page, participants=participants)
        save(page)
    expect(badges(page, "queued")).to_have_count(3)
    expect(page.locator("[data-sync-summary]")).to_have_attribute("data-pending", "3")
    expect(page.locator("[data-sync-error]")).to_have_attribute("data-code", "offline")
    ids = log_ids(page)

    # Back on the network but the server failing: the reload must still show them queued. (A fault
    # on the server, not page.route: the service worker sends the outbox too, past page routes.)
    server.faults.extend(["fail-before"] * 50)
    context.set_offline(False)
    page.reload()
    expect(page.locator("[data-logbook]")).to_have_attribute("data-ready", "true")
    expect(badges(page, "queued")).to_have_count(3)
    assert log_ids(page) == ids
    assert rows(server) == []

    server.faults.clear()
    context.set_offline(True)
    context.set_offline(False)  # the `online` event starts a sync
    expect(badges(page, "acknowledged")).to_have_count(3, timeout=TIMEOUT)
    stored = rows(server)
    assert sorted(row["id"] for row in stored) == sorted(ids)
    assert sorted(row["participants"] for row in stored) == [11, 12, 13]
    assert {row["rev"] for row in stored} == {1}
    assert rows(server, "SELECT * FROM session_log_revisions") == []
    expect(page.locator("[data-sync-summary]")).to_have_attribute("data-pending", "0")
    expect(page.locator("[data-sync-error]")).to_be_hidden()


def sync_answers(page: Page) -> list:
    """Every answer of /api/v1/sync the page receives: (status code, body or None)."""
    answers: list = []

    def record(response):
        if response.url.endswith("/api/v1/sync"):
            try:
                answers.append((response.status, response.json()))
            except Exception:  # a dropped connection has no body
                answers.append((response.status, None))

    page.on("response", record)
    return answers


def test_server_error_on_first_attempt_is_retried_and_stored_once(server, page: Page, errors):
    enrol(page, server)
    open_logbook(page, server)
    answers = sync_answers(page)
    server.faults.append("fail-before")
    fill_log(page)
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    assert [status for status, _ in answers] == [500, 200]
    assert answers[1][1]["results"][0]["status"] == "created"
    assert len(rows(server)) == 1
    assert server.faults == []


def test_answer_lost_after_commit_is_retried_unchanged_without_duplicate(
    server, page: Page, errors
):
    enrol(page, server)
    open_logbook(page, server)
    answers = sync_answers(page)
    server.faults.append("drop-after-commit")
    fill_log(page)
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    statuses = [body["results"][0]["status"] for status, body in answers if body]
    assert statuses[-1] == "unchanged"  # the retry found it already stored
    assert "created" not in statuses  # the answer that said so was lost
    stored = rows(server)
    assert len(stored) == 1 and stored[0]["rev"] == 1
    assert rows(server, "SELECT * FROM session_log_revisions") == []


def test_timeout_is_never_shown_as_success(server, page: Page, errors):
    page.add_init_script("window.TOOLKIT_SYNC_TIMEOUT_MS = 1500")
    enrol(page, server)
    open_logbook(page, server)
    server.faults.append("slow:4")
    fill_log(page)
    save(page)
    expect(page.locator("[data-sync-error]")).to_have_attribute("data-code", "timeout")
    assert badges(page, "acknowledged").count() == 0
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    assert len(rows(server)) == 1


@pytest.mark.parametrize("web_locks", [True, False], ids=["web-locks", "no-web-locks"])
def test_two_tabs_syncing_at_once_store_each_log_once(server, page: Page, errors, web_locks):
    context = page.context
    if not web_locks:  # older browsers: both tabs really send at once; the server must cope
        context.add_init_script("delete Navigator.prototype.locks")
    enrol(page, server)
    open_logbook(page, server)
    other = context.new_page()
    open_logbook(other, server)
    context.set_offline(True)
    for participants in ("5", "6", "7"):
        fill_log(page, participants=participants)
        save(page)
    expect(badges(other, "queued")).to_have_count(3)  # the other tab sees them too
    context.set_offline(False)  # both tabs get `online` at the same moment
    page.locator("[data-sync-now]").click()
    other.locator("[data-sync-now]").click()
    expect(badges(page, "acknowledged")).to_have_count(3, timeout=TIMEOUT)
    expect(badges(other, "acknowledged")).to_have_count(3, timeout=TIMEOUT)
    stored = rows(server)
    assert len(stored) == 3
    assert sorted(row["id"] for row in stored) == sorted(log_ids(page))
    assert rows(server, "SELECT * FROM session_log_revisions") == []


def test_native_digits_are_accepted(server, page: Page, errors):
    enrol(page, server, lang="ne")
    open_logbook(page, server, lang="ne")
    fill_log(page, participants="१४")
    page.fill("#f-minutes", "७५")
    page.fill("#f-referral-legal-aid", "२")
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    (row,) = rows(server)
    assert (row["participants"], row["minutes"], row["returnees"]) == (14, 75, None)
    assert json.loads(row["referrals"]) == {"legal-aid": 2}
    # Shown back in the page's digits.
    expect(page.locator("[data-log-list]")).to_contain_text("१४")


def test_urdu_digits_and_a_bad_number_get_a_message_in_urdu(server, page: Page, errors):
    enrol(page, server, lang="ur", country="PK")
    open_logbook(page, server, lang="ur")
    fill_log(page, participants="۱۲x")
    page.locator("[data-save]").click()
    error = page.locator("#err-participants")
    expect(error).to_be_visible()
    assert any("\u0600" <= char <= "\u06ff" for char in error.inner_text())
    assert page.locator("[data-log-list] [data-log-id]").count() == 0
    page.fill("#f-participants", "۱۲")
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    assert rows(server)[0]["participants"] == 12


def test_phone_number_in_notes_must_be_confirmed(server, page: Page, errors):
    enrol(page, server)
    open_logbook(page, server)
    fill_log(page, notes="Her sister said call 98412 34567 about the agent")
    page.locator("[data-save]").click()
    dialog = page.locator("[data-confirm]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("98412 34567")
    dialog.locator("[data-confirm-cancel]").click()
    expect(dialog).to_be_hidden()
    assert page.locator("[data-log-list] [data-log-id]").count() == 0
    assert rows(server) == []

    page.fill("#f-notes", "The agent asked for a fee; women were worried.")
    save(page)  # nothing that looks like a number or a name: no question asked
    (log_id,) = log_ids(page)
    expect(acknowledged(page, log_id, rev=1)).to_have_count(1, timeout=TIMEOUT)
    page.locator(f"[data-open='{log_id}']").click()
    page.fill("#f-notes", "सीता दिदी आउनुभयो")
    page.locator("[data-save]").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("सीता दिदी")
    dialog.locator("[data-confirm-ok]").click()
    expect(acknowledged(page, log_id, rev=2)).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("[data-log-list] .log-item")).to_have_count(1)
    assert rows(server)[0]["notes"] == "सीता दिदी आउनुभयो"


def test_edit_after_acknowledged_sends_next_revision_and_void_keeps_it(server, page: Page, errors):
    enrol(page, server)
    open_logbook(page, server)
    expect(page.locator("[data-void]")).to_be_hidden()  # a new log has nothing to void
    fill_log(page, participants="9")
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    (log_id,) = log_ids(page)

    page.locator(f"[data-open='{log_id}']").click()
    expect(page).to_have_url(f"{server.url}/en/log/{log_id}")
    expect(page.locator("#f-participants")).to_have_value("9")
    page.fill("#f-participants", "10")
    page.locator("[data-save]").click()
    expect(acknowledged(page, log_id, rev=2)).to_have_count(1, timeout=TIMEOUT)
    (row,) = rows(server)
    assert (row["rev"], row["participants"]) == (2, 10)

    page.locator(f"[data-open='{log_id}']").click()
    page.locator("[data-void]").click()
    page.locator("[data-confirm-ok]").click()
    expect(page.locator("[data-log-list] .badge.voided")).to_have_count(1)
    expect(acknowledged(page, log_id, rev=3)).to_have_count(1, timeout=TIMEOUT)
    (row,) = rows(server)
    assert (row["rev"], row["voided"]) == (3, 1)
    kept = rows(server, "SELECT rev FROM session_log_revisions ORDER BY rev")
    assert [r["rev"] for r in kept] == [1, 2]


def test_the_edit_page_is_opened_from_the_phone_on_a_fresh_load(server, page: Page, errors):
    enrol(page, server)
    open_logbook(page, server)
    fill_log(page, participants="21")
    save(page)
    (log_id,) = log_ids(page)
    page.goto(f"{server.url}/en/log/{log_id}")
    expect(page.locator("#f-participants")).to_have_value("21")
    expect(page.locator("[data-void]")).to_be_visible()


def test_stale_edit_is_kept_beside_the_servers_version(server, page: Page, errors):
    enrol(page, server)
    open_logbook(page, server)
    fill_log(page, participants="8")
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    (log_id,) = log_ids(page)
    # Someone else (a coordinator's correction, another device) stored rev 5 meanwhile.
    page.evaluate(
        """async (id) => {
          const {getDevice} = await import('/static/js/outbox/store.js');
          const {getLog, pick} = await import('/static/js/outbox/logs.js');
          const device = await getDevice();
          const entry = await getLog(id);
          const record = {...pick(entry.record), rev: 5, participants: 30};
          await fetch('/api/v1/sync', {method: 'POST', headers: {'Content-Type': 'application/json',
            Authorization: `Bearer ${device.token}`}, body: JSON.stringify({records: [record]})});
        }""",
        log_id,
    )
    page.locator(f"[data-open='{log_id}']").click()
    page.fill("#f-participants", "9")
    page.locator("[data-save]").click()
    expect(badges(page, "needs-attention")).to_have_count(1, timeout=TIMEOUT)
    page.locator(f"[data-open='{log_id}']").click()
    attention = page.locator("[data-attention]")
    expect(attention.locator("table.compare")).to_contain_text("30")
    expect(attention.locator("table.compare")).to_contain_text("9")
    attention.locator("button").first.click()  # send my edit
    expect(acknowledged(page, log_id, rev=6)).to_have_count(1, timeout=TIMEOUT)
    (row,) = rows(server)
    assert (row["rev"], row["participants"]) == (6, 9)


def test_export_unsent_logs_downloads_the_contract_file(server, page: Page, errors):
    open_logbook(page, server)  # not enrolled: logs wait on the phone
    fill_log(page, district="Sindhupalchok")
    save(page)
    expect(badges(page, "queued")).to_have_count(1)
    expect(page.locator("[data-sync-enrol]")).to_be_visible()
    with page.expect_download() as download_info:
        page.locator("[data-export]").click()
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    (record,) = data["records"]
    assert record["guide"] == "ng-agent" and record["rev"] == 1 and record["participants"] == 12
    assert set(record) <= {
        "id",
        "rev",
        "guide",
        "lang",
        "content_version",
        "app_version",
        "held_on",
        "minutes",
        "district",
        "venue_type",
        "participants",
        "returnees",
        "steps_done",
        "themes",
        "requested",
        "referrals",
        "market_info",
        "notes",
        "voided",
        "created_at",
        "updated_at",
    }


def test_prefill_from_facilitator_mode(server, page: Page, errors):
    open_logbook(
        page,
        server,
        query="?guide=lw-our-work&minutes=70&steps_done=welcome,feedback&skipped=feedback"
        "&content_version=abc123&held_on=2026-01-05",
    )
    expect(page.locator("#f-guide")).to_have_value("lw-our-work")
    expect(page.locator("#f-minutes")).to_have_value("70")
    expect(page.locator("#f-held_on")).to_have_value("2026-01-05")
    expect(page.locator("input[name=steps_done][value=welcome]")).to_be_checked()
    expect(page.locator("input[name=steps_done][value=feedback]")).not_to_be_checked()


def test_district_list_follows_the_facilitators_country(server, page: Page, errors):
    enrol(page, server, lang="en", country="PK")
    open_logbook(page, server)
    options = page.locator("#f-district option").all_inner_texts()
    assert "Lahore" in options and "Sindhupalchok" not in options


def test_pin_lock_hides_the_logs(server, page: Page, errors):
    open_logbook(page, server)
    fill_log(page, district="Sindhupalchok")
    save(page)
    page.locator("[data-pin-settings] summary").click()
    page.fill("#pin-new", "४५६७")
    page.fill("#pin-again", "4567")
    page.locator("[data-pin-form] button[type=submit]").click()
    page.locator("[data-pin-lock]").click()
    expect(page.locator("[data-lock]")).to_be_visible()
    expect(page.locator("[data-logbook-body]")).to_be_hidden()
    assert page.locator("[data-log-list] [data-log-id]").count() == 0
    page.reload()
    expect(page.locator("[data-lock]")).to_be_visible()
    page.fill("#unlock-pin", "1111")
    page.locator("[data-unlock-form] button").click()
    expect(page.locator("#unlock-error")).to_be_visible()
    page.fill("#unlock-pin", "4567")
    page.locator("[data-unlock-form] button").click()
    expect(page.locator("[data-logbook-body]")).to_be_visible()
    expect(page.locator("[data-log-list] [data-log-id]")).to_have_count(1)
    stored = page.evaluate(
        "async () => { const o = await import('/static/js/outbox/device.js'); return o.hasPin(); }"
    )
    assert stored is True


def test_bikram_sambat_entry_agrees_with_the_server(server, page: Page, errors):
    open_logbook(page, server, lang="ne")
    days = [dt.date(2026, 11, 20), dt.date(2024, 4, 13), dt.date(2030, 3, 14), dt.date(2000, 1, 1)]
    days += [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(0, 400, 7)]
    converted = page.evaluate(
        """async (days) => {
          const {adToBs} = await import('/static/js/bs-date.js');
          return days.map((day) => adToBs(day));
        }""",
        [day.isoformat() for day in days],
    )
    for day, bs in zip(days, converted, strict=True):
        expected = nepali_datetime.date.from_datetime_date(day)
        assert (bs["year"], bs["month"], bs["day"]) == (expected.year, expected.month, expected.day)
    # Typing a BS date (in Devanagari digits) sets the AD date.
    page.fill("[data-bs-year]", "२०८३")
    page.select_option("[data-bs-month]", "8")
    page.fill("[data-bs-day]", "४")
    expect(page.locator("#f-held_on")).to_have_value("2026-11-20")


PRIVACY_CASES = [
    ("Call 98412 34567 about the agent", ["98412 34567"], []),
    ("९८४१२३४५६७ मा फोन गर्नु", ["९८४१२३४५६७"], []),
    ("۰۳۰۰۱۲۳۴۵۶۷ پر فون", ["۰۳۰۰۱۲۳۴۵۶۷"], []),
    ("+977-1-4412345", ["+977-1-4412345"], []),
    ("Mrs Sharma spoke first", [], ["Mrs Sharma"]),
    ("Sita Devi asked about the fee", [], ["Sita Devi"]),
    ("सीता दिदी आउनुभयो", [], ["सीता दिदी"]),
    ("श्रीमती गुरुङले सोध्नुभयो", [], ["श्रीमती गुरुङले"]),
    ("آمنہ بی بی نے پوچھا", [], ["آمنہ بی بی نے"]),
    ("محترمہ فاطمہ نے بتایا", [], ["محترمہ فاطمہ"]),
    # What notes normally say must not raise the warning, or she learns to click it away.
    ("The agent asked Rs 1500000 for Qatar", [], []),
    ("एजेन्टले रु. 1500000 माग्यो", [], []),
    ("Met on 2026-11-20; 14 women, 3 returnees", [], []),
    ("सबै दिदीबहिनीहरू आउनुभयो", [], []),
    ("सबै दिदी खुसी हुनुहुन्थ्यो", [], []),
    ("سب باجی آئیں", [], []),
    ("रोजीरोटीको कुरा भयो", [], []),
]


def test_privacy_check_flags_numbers_and_names_not_ordinary_notes(server, page: Page, errors):
    open_logbook(page, server)
    found = page.evaluate(
        """async (texts) => {
          const {privacyFindings} = await import('/static/js/privacy-check.js');
          return texts.map((text) => privacyFindings(text));
        }""",
        [text for text, _phones, _names in PRIVACY_CASES],
    )
    for (text, phones, names), result in zip(PRIVACY_CASES, found, strict=True):
        assert (result["phones"], result["names"]) == (phones, names), text


def test_a_log_the_server_rejects_needs_attention_with_the_servers_reason(
    server, page: Page, errors
):
    enrol(page, server)
    open_logbook(page, server)
    fill_log(page)
    save(page)
    (log_id,) = log_ids(page)
    expect(acknowledged(page, log_id, rev=1)).to_have_count(1, timeout=TIMEOUT)
    # A district this server does not know (a list changed since the phone was set up).
    page.evaluate(
        """async (id) => {
          const {getLog, saveLog} = await import('/static/js/outbox/logs.js');
          const {sync} = await import('/static/js/outbox/sending.js');
          const entry = await getLog(id);
          const {id: _i, rev: _r, created_at: _c, updated_at: _u, ...fields} = entry.record;
          await saveLog(id, {...fields, district: 'Atlantis'}, 'queued');
          await sync();
        }""",
        log_id,
    )
    expect(badges(page, "needs-attention")).to_have_count(1, timeout=TIMEOUT)
    assert rows(server)[0]["district"] != "Atlantis"  # nothing of it stored
    page.locator(f"[data-open='{log_id}']").click()
    expect(page.locator("[data-attention]")).to_contain_text("Atlantis")
    expect(page.locator("#err-district")).to_be_visible()
    page.select_option("#f-district", "Dolakha")
    page.locator("[data-save]").click()
    expect(acknowledged(page, log_id, rev=3)).to_have_count(1, timeout=TIMEOUT)
    assert rows(server)[0]["district"] == "Dolakha"


def test_the_phone_refuses_what_the_server_would_with_the_servers_numbers(
    server, page: Page, errors
):
    """The limits come from toolkit/sync/record.py (record-rules.js): over them, the phone says the number."""
    from toolkit.sync.record import MAX_COUNT, MAX_MINUTES, MAX_TEXT

    enrol(page, server)
    open_logbook(page, server)
    fill_log(page, participants=str(MAX_COUNT + 1))
    page.fill("#f-minutes", str(MAX_MINUTES + 1))
    # Typing stops at the textarea's maxlength; a pasted or scripted value does not.
    page.locator("#f-notes").evaluate("(box, n) => { box.value = 'a'.repeat(n); }", MAX_TEXT + 1)
    page.locator("[data-save]").click()
    expect(page.locator("#err-minutes")).to_contain_text(str(MAX_MINUTES))
    expect(page.locator("#err-participants")).to_contain_text(str(MAX_COUNT))
    expect(page.locator("#err-notes")).to_contain_text(str(MAX_TEXT))
    assert page.locator("[data-log-list] [data-log-id]").count() == 0
    page.fill("#f-minutes", str(MAX_MINUTES))
    page.fill("#f-participants", str(MAX_COUNT))
    page.locator("#f-notes").evaluate("(box, n) => { box.value = 'a'.repeat(n); }", MAX_TEXT)
    save(page)
    expect(badges(page, "acknowledged")).to_have_count(1, timeout=TIMEOUT)
    (row,) = rows(server)
    assert (row["minutes"], row["participants"], len(row["notes"])) == (
        MAX_MINUTES,
        MAX_COUNT,
        MAX_TEXT,
    )
