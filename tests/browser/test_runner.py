"""Facilitator mode in a real browser, with time under the test's control (Playwright's clock API).

The session's times come from timestamps in localStorage, so a paused fake clock that jumps forward
stands in for a facilitator who talks for ten minutes, pauses, or lets the phone sleep.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from toolkit.languages import native_digits
from toolkit.library import library

T0 = dt.datetime(2026, 3, 10, 9, 0, 0)
GUIDE = "lw-our-work"
# lw-our-work in every language: (step id, minutes)
STEPS = [
    ("welcome", 10),
    ("energiser", 5),
    ("recap", 5),
    ("work-clock", 20),
    ("skills-map", 15),
    ("debrief", 10),
    ("facts-card", 5),
    ("feedback", 5),
]


def ui(app, lang: str, msgid: str, **values) -> str:
    """A UI string as the page shows it in `lang`."""
    with app.test_request_context(), force_locale(lang):
        return gettext(msgid, **values)


def step_of(app, lang: str, n: int) -> str:
    return ui(
        app,
        lang,
        "Step %(n)s of %(total)s",
        n=native_digits(n, lang),
        total=native_digits(len(STEPS), lang),
    )


def open_runner(page: Page, url: str, slug: str = GUIDE, lang: str = "en") -> None:
    """Open a runner with a fake clock that moves only when the test says so."""
    page.clock.install(time=T0)
    page.goto(f"{url}/{lang}/guides/{slug}/run")
    # Far enough ahead that a slow page load (a busy machine) never reaches it in real time.
    page.clock.pause_at(T0 + dt.timedelta(minutes=1))


def minutes(n: int) -> str:
    return f"{n:02d}:00"


def expect_step(page: Page, app, lang: str, n: int) -> None:
    expect(page.locator(".run-count")).to_have_text(step_of(app, lang, n))
    visible = page.locator(".run-step:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_have_attribute("data-step", STEPS[n - 1][0])


@pytest.mark.parametrize("lang", ["ur", "ne"])
def test_run_a_whole_session_with_a_skip_a_pause_and_a_reload(live_server, page, lang):
    app = live_server.app
    open_runner(page, live_server.url, lang=lang)
    timer, total = page.locator(".run-timer"), page.locator(".run-total-time")
    label = page.locator(".run-timer-label")
    page.get_by_role("button", name=ui(app, lang, "Start session")).click()
    expect_step(page, app, lang, 1)
    expect(timer).to_have_text(native_digits("10:00", lang))
    expect(page.locator(".run-previous")).to_be_disabled()

    page.clock.fast_forward("09:00")
    expect(timer).to_have_text(native_digits("01:00", lang))
    page.get_by_role("button", name=ui(app, lang, "Next")).click()
    expect_step(page, app, lang, 2)

    # Skip the energiser: it is marked and the runner moves on.
    page.get_by_role("button", name=ui(app, lang, "Skip this step")).click()
    expect_step(page, app, lang, 3)

    # Recap: four minutes, a ten-minute pause that does not count, then two more (one over time).
    page.clock.fast_forward("04:00")
    page.get_by_role("button", name=ui(app, lang, "Pause")).click()
    expect(label).to_have_text(ui(app, lang, "Paused"))
    page.clock.fast_forward("10:00")
    expect(timer).to_have_text(native_digits("01:00", lang))
    expect(total).to_have_text(native_digits("13:00", lang))
    page.get_by_role("button", name=ui(app, lang, "Resume")).click()
    page.clock.fast_forward("02:00")
    expect(timer).to_have_text("+" + native_digits("01:00", lang))
    expect(label).to_have_text(ui(app, lang, "over time"))
    expect(page.locator(".run-clock.is-over")).to_be_visible()
    page.get_by_role("button", name=ui(app, lang, "Next")).click()
    expect_step(page, app, lang, 4)

    # Halfway through the work clock the phone reloads the page: the session carries on.
    page.clock.fast_forward("10:00")
    page.reload()
    expect_step(page, app, lang, 4)
    expect(timer).to_have_text(native_digits("10:00", lang))
    expect(total).to_have_text(native_digits(minutes(9 + 6 + 10), lang))
    page.clock.fast_forward("10:00")

    for n in range(5, len(STEPS) + 1):
        page.get_by_role("button", name=ui(app, lang, "Next")).click()
        expect_step(page, app, lang, n)
        page.clock.fast_forward(minutes(STEPS[n - 1][1]))
    expect(total).to_have_text(native_digits("1:10:00", lang))
    page.get_by_role("button", name=ui(app, lang, "Finish session")).click()

    spent = 9 + 0 + 6 + 20 + 15 + 10 + 5 + 5
    done = [step for step, _ in STEPS if step != "energiser"]
    with app.app_context():
        version = library().version
    expected_query = {
        "guide": [GUIDE],
        "minutes": [str(spent)],
        "steps_done": [",".join(done)],
        "skipped": ["energiser"],
        "content_version": [version],
        "held_on": ["2026-03-10"],
    }
    # Finishing opens the log form, filled in from what the runner measured.
    page.wait_for_url(f"**/{lang}/log?*")
    assert parse_qs(urlsplit(page.url).query) == expected_query
    assert_log_form_prefilled(page, app, lang, spent, done, ["energiser"])

    # The session is over: the guide page offers a new run, not a resume.
    page.goto(f"{live_server.url}/{lang}/guides/{GUIDE}")
    expect(page.get_by_role("link", name=ui(app, lang, "Run this session"))).to_be_visible()
    expect(page.get_by_role("link", name=ui(app, lang, "Resume session"))).to_be_hidden()

    # Back in the runner (say the log page did not open), the summary keeps what was measured.
    page.get_by_role("link", name=ui(app, lang, "Run this session")).click()
    summary = page.locator(".run-summary")
    expect(summary).to_be_visible()
    expect(summary.locator(".run-summary-minutes")).to_have_text(
        ui(app, lang, "%(minutes)s minutes", minutes=native_digits(spent, lang))
    )
    steps_listed = "items => items.map(item => item.dataset.step)"
    assert summary.locator(".run-summary-done li").evaluate_all(steps_listed) == done
    assert summary.locator(".run-summary-skipped li").evaluate_all(steps_listed) == ["energiser"]
    log_link = summary.get_by_role("link", name=ui(app, lang, "Log this session"))
    href = log_link.get_attribute("href")
    assert urlsplit(href).path == f"/{lang}/log"
    assert parse_qs(urlsplit(href).query) == expected_query
    page.get_by_role("button", name=ui(app, lang, "Start a new session")).click()
    expect_step(page, app, lang, 1)
    expect(page.locator(".run-total-time")).to_have_text(native_digits("00:00", lang))


def assert_log_form_prefilled(page: Page, app, lang: str, spent: int, done, skipped) -> None:
    """The logbook's form shows what the runner measured: guide, date, minutes and steps."""
    expect(page.locator("#f-guide")).to_have_value(GUIDE)
    expect(page.locator("#f-minutes")).to_have_value(native_digits(spent, lang))
    expect(page.locator("#f-held_on")).to_have_value(T0.date().isoformat())
    boxes = page.locator("input[name=steps_done]")
    expect(boxes).to_have_count(len(STEPS))
    expect(page.locator("input[name=steps_done]:checked")).to_have_count(len(done))
    checked = boxes.evaluate_all("boxes => boxes.filter(box => box.checked).map(box => box.value)")
    assert checked == list(done)
    for step in skipped:
        expect(page.locator(f"input[name=steps_done][value={step}]")).not_to_be_checked()


def test_guide_page_offers_resume_and_one_session_runs_at_a_time(live_server, page):
    app = live_server.app
    open_runner(page, live_server.url, lang="ne")
    page.get_by_role("button", name=ui(app, "ne", "Start session")).click()
    page.get_by_role("button", name=ui(app, "ne", "Next")).click()
    expect_step(page, app, "ne", 2)

    page.goto(f"{live_server.url}/ne/guides/{GUIDE}")
    resume = page.get_by_role("link", name=ui(app, "ne", "Resume session"))
    expect(resume).to_be_visible()
    expect(page.get_by_role("link", name=ui(app, "ne", "Run this session"))).to_be_hidden()
    # Another guide's page still offers its own run (which then asks about the running one).
    page.goto(f"{live_server.url}/ne/guides/ng-agent")
    expect(page.get_by_role("link", name=ui(app, "ne", "Resume session"))).to_be_hidden()
    page.get_by_role("link", name=ui(app, "ne", "Run this session")).click()

    conflict = page.locator(".run-conflict")
    expect(conflict).to_be_visible()
    with app.app_context():
        running_title = library().get("ne", GUIDE)[0].title
        agent_steps = len(library().get("ne", "ng-agent")[0].steps)
    expect(conflict.locator(".run-conflict-title")).to_have_text(running_title)
    expect(page.locator(".run-bar")).to_be_hidden()
    back = conflict.get_by_role("link", name=ui(app, "ne", "Resume that session"))
    assert back.get_attribute("href") == f"/ne/guides/{GUIDE}/run"
    back.click()
    expect_step(page, app, "ne", 2)

    page.go_back()
    page.get_by_role("button", name=ui(app, "ne", "End it and start this one")).click()
    expect(page.locator(".run-count")).to_have_text(
        ui(
            app,
            "ne",
            "Step %(n)s of %(total)s",
            n=native_digits(1, "ne"),
            total=native_digits(agent_steps, "ne"),
        )
    )
    page.goto(f"{live_server.url}/ne/guides/{GUIDE}")
    expect(page.get_by_role("link", name=ui(app, "ne", "Resume session"))).to_be_hidden()


@pytest.mark.parametrize(
    ("lang", "forward", "back"),
    [
        ("en", "ArrowRight", "ArrowLeft"),
        ("ne", "ArrowRight", "ArrowLeft"),
        ("ur", "ArrowLeft", "ArrowRight"),
    ],
)
def test_keyboard_moves_in_the_reading_direction(live_server, page, lang, forward, back):
    app = live_server.app
    open_runner(page, live_server.url, lang=lang)
    page.get_by_role("button", name=ui(app, lang, "Start session")).click()
    page.keyboard.press(back)
    expect_step(page, app, lang, 1)
    page.keyboard.press(forward)
    expect_step(page, app, lang, 2)
    page.keyboard.press(forward)
    expect_step(page, app, lang, 3)
    page.keyboard.press(back)
    expect_step(page, app, lang, 2)
    for _ in range(len(STEPS) + 2):
        page.keyboard.press(forward)
    # The keyboard never finishes a session by accident: the last step waits for the button.
    expect_step(page, app, lang, len(STEPS))
    expect(page.get_by_role("button", name=ui(app, lang, "Finish session"))).to_be_visible()


def swipe(page: Page, cdp, from_x: int, to_x: int, y: int = 400, dy: int = 0) -> None:
    """A real one-finger swipe through Chromium's input pipeline (touch events, as on a phone)."""
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": from_x, "y": y}]}
    )
    for i in range(1, 6):
        x = from_x + (to_x - from_x) * i / 5
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchMove", "touchPoints": [{"x": x, "y": y + dy * i / 5}]},
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.mark.parametrize(("lang", "rtl"), [("ne", False), ("ur", True)])
def test_swipe_moves_in_the_reading_direction(live_server, browser, lang, rtl):
    app = live_server.app
    context = browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        open_runner(page, live_server.url, lang=lang)
        page.get_by_role("button", name=ui(app, lang, "Start session")).click()
        expect_step(page, app, lang, 1)
        # Finger moves from the right edge to the left: the next page in Nepali, back in Urdu.
        right_to_left = (300, 60)
        left_to_right = (60, 300)
        forward, back = (left_to_right, right_to_left) if rtl else (right_to_left, left_to_right)
        swipe(page, cdp, *forward)
        expect_step(page, app, lang, 2)
        swipe(page, cdp, *forward)
        expect_step(page, app, lang, 3)
        swipe(page, cdp, *back)
        expect_step(page, app, lang, 2)
        # A mostly vertical drag scrolls; it does not turn the page.
        swipe(page, cdp, 200, 140, y=450, dy=-250)
        expect_step(page, app, lang, 2)
    finally:
        context.close()


def test_over_time_cue_appears_only_when_the_step_runs_over(live_server, page):
    app = live_server.app
    open_runner(page, live_server.url, lang="en")
    page.get_by_role("button", name="Start session").click()
    clock = page.locator(".run-clock")
    page.clock.fast_forward("09:59")
    expect(page.locator(".run-timer")).to_have_text("00:01")
    expect(page.locator(".run-timer-label")).to_have_text(ui(app, "en", "left in this step"))
    expect(clock).not_to_have_class("run-clock is-over")
    background = clock.evaluate("el => getComputedStyle(el).backgroundColor")
    page.clock.fast_forward("00:02")
    expect(page.locator(".run-timer")).to_have_text("+00:01")
    expect(page.locator(".run-timer-label")).to_have_text("over time")
    expect(clock).to_have_class("run-clock is-over")
    assert clock.evaluate("el => getComputedStyle(el).backgroundColor") != background
    # The next step starts with its own full time and no cue.
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".run-timer")).to_have_text("05:00")
    expect(clock).to_have_class("run-clock")


WAKE_LOCK_STUB = """
window.__wakeLocks = [];
Object.defineProperty(navigator, "wakeLock", { configurable: true, value: {
  request(type) {
    if (window.__refuseWakeLock) return Promise.reject(new DOMException("no", "NotAllowedError"));
    const sentinel = { type, released: false, release() { this.released = true; return Promise.resolve(); } };
    window.__wakeLocks.push(sentinel);
    return Promise.resolve(sentinel);
  },
}});
"""


@pytest.mark.parametrize("refuse", [False, True])
def test_screen_stays_awake_while_running_and_a_refusal_does_no_harm(live_server, page, refuse):
    page.add_init_script(WAKE_LOCK_STUB + ("window.__refuseWakeLock = true;" if refuse else ""))
    open_runner(page, live_server.url, lang="en")
    locks = "() => window.__wakeLocks.map(lock => [lock.type, lock.released])"
    assert page.evaluate(locks) == []  # nothing held before the session starts
    page.get_by_role("button", name="Start session").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".run-count")).to_have_text("Step 2 of 8")
    if refuse:
        assert page.evaluate(locks) == []
        return
    page.wait_for_function("window.__wakeLocks.length === 1")
    assert page.evaluate(locks) == [["screen", False]]
    for _ in range(len(STEPS) - 2):
        page.get_by_role("button", name="Next").click()
    # Finishing lets the screen sleep again (checked before the log page replaces this one).
    page.evaluate(
        "window.addEventListener('pagehide', () => sessionStorage.setItem('locks', "
        "JSON.stringify(window.__wakeLocks.map(l => l.released))))"
    )
    page.get_by_role("button", name="Finish session").click()
    page.wait_for_url("**/en/log?*")
    assert page.evaluate("sessionStorage.getItem('locks')") == "[true]"
