"""The facilitator's phone in the field (#16), at 360×640 in Nepali and Urdu: dates, two tabs, sync
from any page and Background Sync, voids, enrolment, first install.

One server per module. Its WSGI wrapper can fail the next sync requests, slow the worker's fetches
or drop every request, so faults are made where they happen, not inside the toolkit package.

TOOLKIT_SCREENSHOTS=docs/screenshots writes the screenshots the issue asks for while the tests run.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from pathlib import Path

import nepali_datetime
import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    CONTROLLED,
    LiveServer,
    fill_log,
    new_code,
    open_logbook,
    precached_app,
    rows,
    save,
)

TIMEOUT = 30_000
LANGS = ["ne", "ur"]
COUNTRY = {"ne": "NP", "ur": "PK"}
ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = os.environ.get("TOOLKIT_SCREENSHOTS")


class FaultyServer(LiveServer):
    """The toolkit on 127.0.0.1 with faults a phone meets: failed syncs, a slow link, a dropped one."""

    def __init__(self, app):
        self.fail_syncs = 0  # answer the next N sync requests with 500 (nothing stored)
        self.slow_fetches = 0.0  # seconds each worker fetch holds the line (one at a time)
        self.down = False  # every request fails, as when the Wi-Fi goes
        self._line = threading.Lock()
        inner = app.wsgi_app

        def faulty(environ, start_response):
            path = environ["PATH_INFO"]
            if self.down:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"down"]
            if path == "/api/v1/sync" and self.fail_syncs > 0:
                self.fail_syncs -= 1
                start_response("500 Internal Server Error", [("Content-Type", "application/json")])
                return [b'{"error": "test fault"}']
            if self.slow_fetches and environ.get("HTTP_SEC_FETCH_DEST") == "empty":
                with self._line:
                    time.sleep(self.slow_fetches)
            return inner(environ, start_response)

        app.wsgi_app = faulty
        super().__init__(app)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("phone")
    # CSRF off: the coordinator's login from the in-process client.
    app = precached_app(tmp, ROOT / "content", tmp / "build", WTF_CSRF_ENABLED=False)
    live = FaultyServer(app).start()
    yield live
    live.stop()


@pytest.fixture(autouse=True)
def no_faults(server):
    server.fail_syncs, server.slow_fetches, server.down = 0, 0.0, False
    yield
    server.fail_syncs, server.slow_fetches, server.down = 0, 0.0, False


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))


def strings(page: Page) -> dict:
    """The logbook's messages in the page's language (the page's JSON block)."""
    return page.evaluate("JSON.parse(document.getElementById('logbook-data').textContent).strings")


def pwa_strings(page: Page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('pwa-strings').textContent)")


def native(lang: str, number) -> str:
    digits = {"ne": "०१२३४५६७८९", "ur": "۰۱۲۳۴۵۶۷۸۹"}[lang]
    return "".join(digits[int(ch)] if ch.isdigit() else ch for ch in str(number))


def say(template: str, **values) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def pattern(template: str) -> re.Pattern:
    """A %(name)s template as a regular expression matching any digits in its places."""
    parts = re.split(r"%\(\w+\)s", template)
    return re.compile(r"[0-9०-९۰-۹]+".join(re.escape(part) for part in parts))


def outbox_log(page: Page, log_id: str) -> dict | None:
    return page.evaluate(
        "(id) => import('/static/js/outbox/logs.js').then((m) => m.getLog(id))", log_id
    )


def unique_name() -> str:
    """Facilitators' names are unique on a server, and this module's tests share one."""
    return f"Asha {uuid.uuid4().hex[:8]}"


def enrol_phone(page: Page, server, lang: str) -> None:
    code = new_code(server, unique_name(), COUNTRY[lang])
    page.goto(f"{server.url}/{lang}/enrol#code={code}")
    page.locator("[data-enrol-form] button[type=submit]").click()
    expect(page.locator("[data-enrol]")).to_have_attribute("data-enrolled", "true")


def saved_log_id(page: Page) -> str:
    return page.locator("[data-log-list] [data-log-id]").first.get_attribute("data-log-id")


# ---------------------------------------------------------------- 1. dates


def test_bikram_sambat_typed_digit_by_digit_blocks_a_day_that_does_not_exist(
    server, page: Page, errors
):
    """कार्तिक ३२ shows the message beside the field, blocks Save and never leaves Kartik 3 stored."""
    enrol_phone(page, server, "ne")
    open_logbook(page, server, "ne")
    S = strings(page)
    fill_log(page)
    year, month = 2082, 7
    days_in_month = nepali_datetime._days_in_month(year, month)
    assert days_in_month < 32
    page.fill("[data-bs-year]", "")
    page.locator("[data-bs-year]").press_sequentially(native("ne", year), delay=30)
    page.select_option("[data-bs-month]", str(month))
    page.fill("[data-bs-day]", "")
    page.locator("[data-bs-day]").press_sequentially(native("ne", 3), delay=30)
    kartik_3 = nepali_datetime.date(year, month, 3).to_datetime_date().isoformat()
    expect(page.locator("#f-held_on")).to_have_value(kartik_3)
    page.locator("[data-bs-day]").press_sequentially(native("ne", 2), delay=30)  # now ३२
    error = page.locator("#err-bs_date")
    expect(error).to_have_text(S["bad_date"])
    expect(page.locator("#f-held_on")).to_have_value("")  # never the first keystroke's date
    page.locator("[data-save]").click()
    expect(error).to_be_visible()
    expect(page.locator("[data-log-list] [data-log-id]")).to_have_count(0)
    # Beside the field: the message sits inside the BS date group, under the day.
    assert page.locator("[data-bs-date] #err-bs_date").count() == 1

    page.fill("[data-bs-day]", "")
    page.locator("[data-bs-day]").press_sequentially(native("ne", 15), delay=30)
    expected = nepali_datetime.date(year, month, 15).to_datetime_date().isoformat()
    expect(page.locator("#f-held_on")).to_have_value(expected)
    expect(error).to_be_hidden()
    save(page)
    log_id = saved_log_id(page)
    expect(
        page.locator(f"[data-log-id='{log_id}'] .badge[data-state='acknowledged']")
    ).to_have_count(1, timeout=TIMEOUT)
    stored = rows(server, "SELECT held_on FROM session_logs WHERE id = ?", (log_id,))
    assert stored == [{"held_on": expected}]


def test_an_incomplete_date_blocks_save_with_the_message_beside_it_in_urdu(
    server, page: Page, errors
):
    """Urdu has no BS fields: a date typed digit by digit is stored as typed, an unfinished one blocks."""
    enrol_phone(page, server, "ur")
    open_logbook(page, server, "ur")
    S = strings(page)
    fill_log(page)
    date = page.locator("#f-held_on")
    date.fill("")
    date.focus()  # the month segment first (Chromium, en-US order: month, day, year)
    date.press_sequentially("1120", delay=30)  # month and day, no year yet
    page.locator("[data-save]").click()
    expect(page.locator("#err-held_on")).to_have_text(S["required_date"])
    expect(page.locator("[data-log-list] [data-log-id]")).to_have_count(0)
    date.focus()
    date.press_sequentially("11202026", delay=30)
    expect(date).to_have_value("2026-11-20")
    save(page)
    log_id = saved_log_id(page)
    expect(
        page.locator(f"[data-log-id='{log_id}'] .badge[data-state='acknowledged']")
    ).to_have_count(1, timeout=TIMEOUT)
    assert rows(server, "SELECT held_on FROM session_logs WHERE id = ?", (log_id,)) == [
        {"held_on": "2026-11-20"}
    ]
    expect(page.locator(f"[data-log-id='{log_id}'] .log-meta")).to_contain_text(native("ur", 2026))


# ---------------------------------------------------------------- 2. two tabs


@pytest.mark.parametrize("lang", LANGS)
def test_the_same_log_edited_in_two_tabs_is_never_silently_lost(server, page: Page, errors, lang):
    open_logbook(page, server, lang)
    S = strings(page)
    fill_log(page, participants="12")
    save(page)
    log_id = saved_log_id(page)
    other = page.context.new_page()
    other.goto(f"{server.url}/{lang}/log/{log_id}")
    expect(other.locator("[data-logbook]")).to_have_attribute("data-ready", "true")
    page.goto(f"{server.url}/{lang}/log/{log_id}")
    expect(page.locator("[data-logbook]")).to_have_attribute("data-ready", "true")

    page.fill("#f-participants", "20")
    page.locator("[data-save]").click()
    expect(page.locator("[data-form-message]")).to_have_text(S["saved"])
    # The other tab is told at once (BroadcastChannel), with both versions side by side.
    box = other.locator("[data-attention][data-reason='other-tab']")
    expect(box).to_contain_text(S["other_tab"])
    expect(box.locator("table.compare")).to_contain_text(native(lang, 20))

    other.fill("#f-participants", "30")
    other.locator("[data-save]").click()
    expect(box.locator("table.compare")).to_contain_text(native(lang, 30))
    expect(box.locator("table.compare")).to_contain_text(native(lang, 20))
    assert outbox_log(other, log_id)["record"]["participants"] == 20  # nothing overwritten yet
    other.locator("[data-keep-typed]").click()
    expect(other.locator("[data-form-message]")).to_have_text(S["saved"])
    entry = outbox_log(other, log_id)
    assert entry["record"]["participants"] == 30 and entry["state"] == "queued"
    other.close()


# ---------------------------------------------------------------- 3. sync from anywhere


@pytest.mark.parametrize("lang", LANGS)
def test_a_guide_page_sends_the_outbox_and_its_header_says_so(server, page: Page, errors, lang):
    enrol_phone(page, server, lang)
    open_logbook(page, server, lang)
    S = strings(page)
    page.context.set_offline(True)
    fill_log(page)
    save(page)
    log_id = saved_log_id(page)
    line = page.locator("[data-sync-line]")
    expect(line.locator("[data-sync-line-summary]")).to_contain_text(
        say(S["pending"], n=native(lang, 1))
    )
    page.close()
    server.fail_syncs = 1000
    page = page.context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.set_offline(False)
    page.goto(f"{server.url}/{lang}/guides/ng-agent")  # reading a guide, not the logbook
    line = page.locator("[data-sync-line]")
    # The server fails: the header says so in plain words, in her language; then it is sent.
    expect(line.locator("[data-sync-line-error]")).to_have_text(S["err_server"], timeout=TIMEOUT)
    expect(line.locator("[data-sync-line-summary]")).to_contain_text(
        say(S["pending"], n=native(lang, 1))
    )
    server.fail_syncs = 0
    expect(line.locator("[data-sync-line-summary]")).to_contain_text(S["all_sent"], timeout=TIMEOUT)
    expect(line.locator("[data-sync-line-error]")).to_be_hidden()
    last_sync = S["last_sync"].split("{time}")[0]
    expect(line.locator("[data-sync-line-summary]")).to_contain_text(last_sync)
    assert len(rows(server, "SELECT id FROM session_logs WHERE id = ?", (log_id,))) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_background_sync_sends_the_outbox_with_every_page_closed(server, page: Page, errors, lang):
    page.goto(f"{server.url}/{lang}/")
    page.evaluate(CONTROLLED)
    page.wait_for_selector("[data-offline][data-state=ready]", timeout=60_000)
    enrol_phone(page, server, lang)
    open_logbook(page, server, lang)
    S = strings(page)
    page.context.set_offline(True)
    fill_log(page)
    save(page)
    log_id = saved_log_id(page)
    tags = page.evaluate("navigator.serviceWorker.ready.then((r) => r.sync.getTags())")
    assert "toolkit-outbox" in tags  # asked for while offline
    page.goto(f"{server.url}/{lang}/")  # the home page, offline, from the worker's cache
    expect(page.locator("[data-sync-line-summary]")).to_contain_text(
        say(S["pending"], n=native(lang, 1))
    )
    page.evaluate("document.fonts.ready")
    shot(page, f"home-offline-unsent-{lang}.png")

    # Close every page of the app; the connection returns; the browser fires the sync event.
    context = page.context
    blank = context.new_page()
    page.close()
    context.set_offline(False)
    cdp = context.new_cdp_session(blank)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        blank.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == f"{server.url}/")
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": server.url,
            "registrationId": registration["registrationId"],
            "tag": "toolkit-outbox",
            "lastChance": False,
        },
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if rows(server, "SELECT id FROM session_logs WHERE id = ?", (log_id,)):
            break
        blank.wait_for_timeout(200)
    assert len(rows(server, "SELECT id FROM session_logs WHERE id = ?", (log_id,))) == 1


# ---------------------------------------------------------------- 4. voids


@pytest.mark.parametrize("lang", LANGS)
def test_void_dialog_has_two_different_verbs_and_a_voided_log_is_read_only(
    server, page: Page, errors, lang
):
    open_logbook(page, server, lang)
    S = strings(page)
    fill_log(page)
    save(page)
    log_id = saved_log_id(page)
    page.locator(f"[data-open='{log_id}']").click()
    page.locator("[data-void]").click()
    dialog = page.locator("[data-confirm]")
    keep, void = dialog.locator("[data-confirm-cancel]"), dialog.locator("[data-confirm-ok]")
    expect(keep).to_have_text(S["keep_log"])
    expect(void).to_have_text(S["void_yes"])
    assert S["keep_log"] != S["void_yes"] and S["keep_log"] not in S["void_yes"]
    verb = S["void_yes"].split()[-2]  # रद्द / منسوخ: not "cancel" beside "cancel the log"
    assert verb not in S["keep_log"]
    colours = [b.evaluate("(node) => getComputedStyle(node).backgroundColor") for b in (keep, void)]
    assert colours[0] != colours[1]
    page.evaluate("document.fonts.ready")
    shot(page, f"void-dialog-{lang}.png")
    void.click()
    expect(page.locator(f"[data-log-id='{log_id}'] .badge.voided")).to_have_text(S["voided"])

    page.goto(f"{server.url}/{lang}/log/{log_id}")
    expect(page.locator("[data-logbook]")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-voided-marker]")).to_have_text(S["voided_marker"])
    expect(page.locator("#f-participants")).to_be_disabled()
    expect(page.locator("[data-save]")).to_be_disabled()
    rev = outbox_log(page, log_id)["record"]["rev"]
    page.locator("[data-restore]").click()
    expect(page.locator("[data-form-message]")).to_have_text(S["restored_done"])
    expect(page.locator("#f-participants")).to_be_enabled()
    entry = outbox_log(page, log_id)
    assert entry["record"]["voided"] is False and entry["record"]["rev"] >= rev
    assert entry["state"] == "queued"


# ---------------------------------------------------------------- 5. enrolment


@pytest.mark.parametrize("lang", LANGS)
def test_enrolment_code_typed_with_native_digits_spaces_and_lower_case(
    server, page: Page, errors, lang
):
    page.goto(f"{server.url}/{lang}/enrol")
    expect(page.locator("[data-enrol]")).to_have_attribute("data-ready", "true")
    S = strings(page)
    note = page.locator("[data-enrol-message]")
    page.fill("#enrol-code", "zzzz zzzz")
    page.locator("[data-enrol-form] button[type=submit]").click()
    expect(note).to_have_attribute("data-kind", "error")
    expect(note).to_contain_text(S["enrol_failed"].split("{error}")[0].strip())
    failed = note.evaluate(
        "(n) => [getComputedStyle(n).backgroundColor, getComputedStyle(n, '::before').content]"
    )

    code = new_code(server, unique_name(), COUNTRY[lang])
    while not re.search(r"\d", code):  # a code with a digit, so a native digit is typed
        code = new_code(server, unique_name(), COUNTRY[lang])
    raw = code.replace("-", "")
    typed = f"{native(lang, raw[:4]).lower()} {native(lang, raw[4:]).lower()}"
    assert re.search(r"[०-९۰-۹]", typed)
    page.fill("#enrol-code", typed)
    page.locator("[data-enrol-form] button[type=submit]").click()
    expect(page.locator("[data-enrol]")).to_have_attribute("data-enrolled", "true")
    expect(note).to_have_attribute("data-kind", "ok")
    done = note.evaluate(
        "(n) => [getComputedStyle(n).backgroundColor, getComputedStyle(n, '::before').content]"
    )
    assert failed[0] != done[0] and "✕" in failed[1] and "✓" in done[1]


# ---------------------------------------------------------------- 6. first install


@pytest.mark.parametrize("lang", LANGS)
def test_first_install_shows_progress_near_the_top_and_resumes_after_a_drop(
    server, page: Page, errors, lang
):
    server.slow_fetches = 0.08  # one file at a time, like a slow link: progress is visible
    page.goto(f"{server.url}/{lang}/")
    P = pwa_strings(page)
    page.evaluate("window.__not_reloaded = true")
    box = page.locator("[data-install-progress]")
    text = box.locator("[data-install-progress-text]")
    expect(text).to_have_text(pattern(P["progress"]), timeout=TIMEOUT)
    assert box.bounding_box()["y"] < 200  # near the top, not seven screens down
    page.evaluate("document.fonts.ready")
    shot(page, f"first-install-progress-{lang}.png")
    page.wait_for_timeout(1000)  # some files saved, then the connection drops
    server.down = True
    expect(box).to_have_attribute("data-state", "dropped", timeout=TIMEOUT)
    expect(text).to_have_text(pattern(P["dropped"]))
    server.down = False
    server.slow_fetches = 0.0
    # Resumed by itself, without a reload: the language is ready and the box goes away.
    expect(page.locator("[data-offline][data-state=ready]")).to_be_visible(timeout=60_000)
    expect(box).to_be_hidden()
    assert page.evaluate("window.__not_reloaded === true")


# ---------------------------------------------------------------- 7. identifying text

IDENTIFYING = {
    "ne": ["सीता दिदीले भनिन्", "गीता तामाङले सोधिन्", "सीताले भनिन्"],
    "ur": ["شازیہ نے کہا", "شازیہ باجی نے بتایا", "نسرین خان نے پوچھا"],
}
# Everyday notes that must pass, or she learns to click the warning away.
ORDINARY = [
    "उनले भनिन् एजेन्टले रु. 150000 माग्यो",
    "सबै दिदीबहिनीहरू आउनुभयो",
    "गाउँका दिदीले भनिन्",
    "महिलाले सोधिन्",
    "انہوں نے کہا کہ ایجنٹ نے 150000 روپے مانگے",
    "سب باجی آئیں",
    "خاتون نے پوچھا",
    "Met on 2026-11-20; 14 women, 3 returnees; Rs 1500000 for Qatar",
]
PHONES = ["९८४१२३४५६७", "۰۳۰۰۱۲۳۴۵۶۷", "+977-1-4412345", "0300 1234567"]


def test_the_phone_and_the_server_apply_one_rule_set(server, page: Page, errors):
    """The same answers from privacy-check.js (browser) and toolkit/identifying.py (server)."""
    from toolkit.identifying import findings

    open_logbook(page, server, "ne")
    corpus = [*IDENTIFYING["ne"], *IDENTIFYING["ur"], *ORDINARY, *PHONES, "Sita Devi said"]
    corpus += [f"{a} — {b}" for a, b in zip(ORDINARY, PHONES * 2, strict=False)]
    browser = page.evaluate(
        """async (texts) => {
          const {privacyFindings} = await import('/static/js/privacy-check.js');
          return texts.map((text) => privacyFindings(text));
        }""",
        corpus,
    )
    assert browser == [findings(text) for text in corpus]
    assert all(findings(text)["names"] for text in IDENTIFYING["ne"] + IDENTIFYING["ur"])
    assert not any(findings(text)["names"] or findings(text)["phones"] for text in ORDINARY)
    assert all(findings(text)["phones"] for text in PHONES)


@pytest.mark.parametrize("lang", LANGS)
def test_everyday_phrasing_of_a_name_is_caught_and_the_server_flags_what_was_let_through(
    server, page: Page, errors, lang
):
    from toolkit.coordinator import create_coordinator
    from toolkit.db import connect

    enrol_phone(page, server, lang)
    open_logbook(page, server, lang)
    S = strings(page)
    note = IDENTIFYING[lang][0]
    fill_log(page, notes=note)
    page.locator("[data-save]").click()
    dialog = page.locator("[data-confirm]")
    expect(dialog.locator("[data-confirm-title]")).to_have_text(S["privacy_title"])
    expect(dialog.locator("[data-confirm-matches]")).to_contain_text(S["privacy_name"])
    dialog.locator("[data-confirm-ok]").click()  # she says it identifies no one: it is sent
    expect(page.locator("[data-log-list] [data-log-id]")).to_have_count(1)
    log_id = saved_log_id(page)
    expect(
        page.locator(f"[data-log-id='{log_id}'] .badge[data-state='acknowledged']")
    ).to_have_count(1, timeout=TIMEOUT)
    # The server flags it for the coordinator, computed from what it already has: no new column.
    db = connect(server.app.config["DATABASE"])
    username = f"coord-{uuid.uuid4().hex[:6]}"
    create_coordinator(db, username, "a long enough password 1", role="admin", lang="en")
    columns = {column.name for column in db["session_logs"].columns}
    db.conn.close()
    assert not {"flag", "flags", "review", "identifying"} & columns
    client = server.app.test_client()
    client.post(
        "/coordinator/login", data={"username": username, "password": "a long enough password 1"}
    )
    html = client.get("/coordinator/identifying").get_data(as_text=True)
    assert f'data-review-log="{log_id}"' in html
    assert note.split()[0] in html


# ---------------------------------------------------------------- 9. what women elsewhere ask about


def add_sessions(server, country: str, themes: list[str], n: int, district: str) -> None:
    """Logs from other facilitators of the country, as the server would hold them."""
    import datetime as dt
    import json

    from toolkit.db import connect
    from toolkit.enrolment import create_facilitator

    db = connect(server.app.config["DATABASE"])
    facilitator = create_facilitator(db, unique_name(), country)["id"]
    for _ in range(n):
        db["session_logs"].insert(
            {
                "id": str(uuid.uuid4()),
                "rev": 1,
                "device_id": str(uuid.uuid4()),
                "facilitator_id": facilitator,
                "guide": "lw-our-work",
                "lang": "ne",
                "held_on": dt.date.today().isoformat(),
                "minutes": 60,
                "district": district,
                "venue_type": "school",
                "participants": 10,
                "themes": json.dumps(themes),
                "voided": 0,
            },
            alter=False,
        )
    db.conn.close()


@pytest.mark.parametrize("lang", LANGS)
def test_what_women_elsewhere_asked_shows_offline_and_small_cells_stay_hidden(
    server, page: Page, errors, lang
):
    country = COUNTRY[lang]
    district = "Kathmandu" if lang == "ne" else "Lahore"
    add_sessions(server, country, ["organising", "documents-passport"], 6, district)
    add_sessions(server, country, ["stigma"], 2, district)  # a small cell
    page.goto(f"{server.url}/{lang}/")
    page.evaluate(CONTROLLED)
    page.wait_for_selector("[data-offline][data-state=ready]", timeout=60_000)
    enrol_phone(page, server, lang)
    open_logbook(page, server, lang)
    S = strings(page)
    labels = page.evaluate(
        "JSON.parse(document.getElementById('logbook-data').textContent).theme_labels"
    )
    fill_log(page, district=district)
    save(page)
    log_id = saved_log_id(page)
    expect(
        page.locator(f"[data-log-id='{log_id}'] .badge[data-state='acknowledged']")
    ).to_have_count(1, timeout=TIMEOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not page.evaluate(
        "import('/static/js/outbox/sending.js').then((m) => m.getElsewhere())"
    ):
        page.wait_for_timeout(100)
    page.context.set_offline(True)
    for path in (f"/{lang}/", f"/{lang}/guides/ng-agent"):
        page.goto(server.url + path)
        spot = page.locator("[data-elsewhere]")
        expect(spot).to_be_visible()
        expect(spot).to_contain_text(S["elsewhere"].split("{themes}")[0].strip())
        expect(spot).to_contain_text(labels["organising"])
        expect(spot).to_contain_text(labels["documents-passport"])
        assert labels["stigma"] not in spot.text_content()
    # On the guide page it sits in the feedback step.
    assert page.locator("#feedback [data-elsewhere]").count() == 1
    page.context.set_offline(False)


# ---------------------------------------------------------------- 10. tap targets

SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, select, input, textarea, summary, [role=button]')]
  .filter((node) => node.getClientRects().length && getComputedStyle(node).visibility !== 'hidden')
  // A checkbox is tapped through its label (the whole row), and links inside running text are
  // exempt (WCAG 2.5.8): only the controls a thumb has to hit on their own are measured.
  .map((node) => node.closest('label.check') || node)
  .filter((node) => !node.closest('.block, .lead, .guide-facts, .hint'))
  .map((node) => {
    const box = node.getBoundingClientRect();
    return [node.tagName, (node.textContent || node.name || '').trim().slice(0, 40),
      Math.round(box.width), Math.round(box.height)];
  })
  .filter(([, , width, height]) => width < 44 || height < 44)"""


@pytest.mark.parametrize("lang", LANGS)
def test_every_control_is_at_least_44_px(server, page: Page, lang):
    small = []
    for path in ("/", "/guides/ng-agent", "/guides/ng-agent/run", "/log", "/enrol", "/offline"):
        page.goto(f"{server.url}/{lang}{path}")
        page.evaluate("document.fonts.ready")
        small += [(path, *found) for found in page.evaluate(SMALL_TARGETS)]
    assert small == []
