// Facilitator mode: one step per screen, per-step countdown, pause, skip, then the log form.
//
// The page holds every step; this script shows one at a time. Everything that changes lives in
// localStorage as timestamps (never as counted ticks), so the session survives a reload, the phone
// sleeping and having no network: elapsed time is always "now minus when", minus time spent paused.
// One session at a time per phone. On a guide page this script only offers "Resume session".

import { nativeDigits } from "./digits.js";
import { ScreenWakeLock, bindStepGestures } from "./runner/screen.js";
import { FINISHED_KEY, SESSION_KEY, load, logUrl, sessionInProgress, store } from "./runner/session.js";

const FINISHED_SHOWN_FOR = 12 * 3600 * 1000; // a finished session's summary stays this long

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
}

function localDate(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

class Runner {
  constructor(root) {
    this.root = root;
    this.slug = root.dataset.guide;
    this.sections = [...root.querySelectorAll(".run-step")];
    this.ids = this.sections.map((section) => section.dataset.step);
    this.strings = JSON.parse(document.getElementById("runner-strings").textContent);
    this.rtl = document.documentElement.dir === "rtl";
    this.session = null;
    this.screen = null;
    this.ticker = null;
    this.wake = new ScreenWakeLock();
    const $ = (selector) => root.querySelector(selector);
    this.parts = {
      head: $(".run-head"),
      start: $(".run-start"),
      conflict: $(".run-conflict"),
      bar: $(".run-bar"),
      steps: $(".run-steps"),
      summary: $(".run-summary"),
      nav: $(".run-nav"),
    };
    this.el = {
      count: $(".run-count"),
      total: $(".run-total-time"),
      progress: $(".run-progress"),
      fill: $(".run-progress-fill"),
      clock: $(".run-clock"),
      timer: $(".run-timer"),
      timerLabel: $(".run-timer-label"),
      skippedBadge: $(".run-skipped"),
      pause: $(".run-pause"),
      previous: $(".run-previous"),
      skip: $(".run-skip"),
      next: $(".run-next"),
      nextLabel: $(".run-next-label"),
      nextArrow: $(".run-next .run-arrow"),
    };
  }

  boot() {
    document.documentElement.classList.add("runner-on");
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (button && !button.disabled) this.act(button.dataset.action);
    });
    bindStepGestures(this.root, {
      rtl: this.rtl,
      active: () => this.screen === "steps",
      move: (delta) => this.move(delta),
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") return;
      this.render();
      if (this.screen === "steps") this.keepAwake();
    });
    // Another tab of this phone started, ended or moved a session.
    window.addEventListener("storage", (event) => {
      if (event.key === SESSION_KEY || event.key === null) this.route();
    });
    this.route();
  }

  /** Pick the screen from what is stored: this guide running, another one running, or none. */
  route() {
    const session = sessionInProgress();
    if (session && session.guide === this.slug) {
      // The guide may have changed since the session began (a content update): keep what still fits.
      if (!this.ids.includes(session.current)) session.current = this.ids[0];
      session.spent = session.spent && typeof session.spent === "object" ? session.spent : {};
      session.seen = Array.isArray(session.seen) ? session.seen : [session.current];
      session.skipped = Array.isArray(session.skipped) ? session.skipped : [];
      this.session = session;
      this.show("steps");
      return;
    }
    this.session = null;
    if (session) {
      this.showConflict(session);
      return;
    }
    const finished = load(FINISHED_KEY);
    const recent = finished && Date.now() - finished.finishedAt < FINISHED_SHOWN_FOR;
    if (recent && finished.guide === this.slug) this.showSummary(finished);
    else this.show("start");
  }

  show(screen) {
    this.screen = screen;
    const visible = {
      start: ["head", "start"],
      conflict: ["head", "conflict"],
      steps: ["bar", "steps", "nav"],
      summary: ["head", "summary"],
    }[screen];
    for (const [name, part] of Object.entries(this.parts)) part.hidden = !visible.includes(name);
    document.documentElement.classList.toggle("runner-running", screen === "steps");
    clearInterval(this.ticker);
    this.ticker = null;
    if (screen === "steps") {
      // The interval only repaints; the times themselves come from stored timestamps.
      this.ticker = setInterval(() => this.render(), 1000);
      this.keepAwake();
      this.render(true);
    } else {
      this.wake.release();
    }
  }

  act(action) {
    const actions = {
      start: () => this.start(),
      replace: () => {
        store(SESSION_KEY, null);
        this.start();
      },
      restart: () => {
        store(FINISHED_KEY, null);
        this.start();
      },
      previous: () => this.move(-1),
      next: () => this.move(1),
      skip: () => this.toggleSkip(),
      pause: () => this.togglePause(),
      finish: () => this.finish(),
    };
    if (actions[action]) actions[action]();
  }

  start() {
    const now = Date.now();
    this.session = {
      v: 1,
      guide: this.slug,
      lang: this.root.dataset.lang,
      title: this.parts.head.querySelector("h1").textContent.trim(),
      titleLang: this.parts.head.querySelector("h1").lang,
      version: this.root.dataset.contentVersion,
      startedAt: now,
      enteredAt: now, // when the current step was entered (shifted forward by pauses)
      pausedAt: null,
      pausedTotal: 0,
      current: this.ids[0],
      spent: {}, // step id -> ms spent on it before it was last left
      seen: [this.ids[0]],
      skipped: [],
    };
    store(FINISHED_KEY, null);
    this.save();
    this.show("steps");
  }

  save() {
    store(SESSION_KEY, this.session);
  }

  /** The moment time stops counting: now, or when the pause began. */
  activeNow() {
    return this.session.pausedAt ?? Date.now();
  }

  stepElapsed(id) {
    const session = this.session;
    let ms = session.spent[id] || 0;
    if (id === session.current) ms += this.activeNow() - session.enteredAt;
    return Math.max(0, ms);
  }

  totalElapsed() {
    const session = this.session;
    return Math.max(0, this.activeNow() - session.startedAt - session.pausedTotal);
  }

  index() {
    return Math.max(0, this.ids.indexOf(this.session.current));
  }

  leaveCurrentStep() {
    const session = this.session;
    const at = this.activeNow();
    session.spent[session.current] =
      (session.spent[session.current] || 0) + Math.max(0, at - session.enteredAt);
    session.enteredAt = at;
  }

  move(delta) {
    if (!this.session || this.screen !== "steps") return;
    const target = this.index() + delta;
    if (target < 0 || target >= this.ids.length) return;
    this.leaveCurrentStep();
    this.session.current = this.ids[target];
    if (!this.session.seen.includes(this.session.current)) this.session.seen.push(this.session.current);
    this.save();
    this.render(true);
  }

  togglePause() {
    const session = this.session;
    const now = Date.now();
    if (session.pausedAt == null) {
      session.pausedAt = now;
    } else {
      const gap = Math.max(0, now - session.pausedAt);
      session.pausedTotal += gap;
      session.enteredAt += gap;
      session.pausedAt = null;
    }
    this.save();
    this.render();
  }

  toggleSkip() {
    const session = this.session;
    const id = session.current;
    if (session.skipped.includes(id)) {
      session.skipped = session.skipped.filter((other) => other !== id);
      this.save();
      this.render();
      return;
    }
    session.skipped.push(id);
    this.save();
    if (this.index() < this.ids.length - 1) this.move(1);
    else this.render();
  }

  finish() {
    const session = this.session;
    this.leaveCurrentStep();
    const summary = {
      guide: this.slug,
      lang: this.root.dataset.lang,
      heldOn: localDate(session.startedAt),
      finishedAt: Date.now(),
      // Whole minutes as a person would say them; a session is never logged as 0 minutes.
      minutes: Math.max(1, Math.round(this.totalElapsed() / 60000)),
      done: this.ids.filter((id) => session.seen.includes(id) && !session.skipped.includes(id)),
      skipped: this.ids.filter((id) => session.skipped.includes(id)),
      version: this.root.dataset.contentVersion,
    };
    store(FINISHED_KEY, summary);
    store(SESSION_KEY, null);
    this.session = null;
    if ("logbook" in this.root.dataset) {
      this.wake.release();
      window.location.assign(logUrl(this.root.dataset.logUrl, summary));
    } else {
      this.showSummary(summary);
    }
  }

  showSummary(summary) {
    const titleOf = (id) => {
      const section = this.sections[this.ids.indexOf(id)];
      return section ? section.querySelector(".run-step-title").textContent : id;
    };
    const list = (element, ids) => {
      element.replaceChildren(
        ...(ids.length ? ids : [null]).map((id) => {
          const item = document.createElement("li");
          item.textContent = id === null ? this.strings.none : titleOf(id);
          if (id !== null) item.dataset.step = id;
          return item;
        }),
      );
    };
    const part = this.parts.summary;
    part.querySelector(".run-summary-minutes").textContent = fill(this.strings.minutes, {
      minutes: this.digits(summary.minutes),
    });
    list(part.querySelector(".run-summary-done"), summary.done);
    list(part.querySelector(".run-summary-skipped"), summary.skipped);
    part.querySelector(".run-log-link").href = logUrl(this.root.dataset.logUrl, summary);
    this.show("summary");
    part.querySelector("h2").focus();
  }

  showConflict(other) {
    const title = this.parts.conflict.querySelector(".run-conflict-title");
    title.textContent = other.title || other.guide;
    if (other.titleLang) title.lang = other.titleLang;
    this.parts.conflict.querySelector(".run-conflict-resume").href =
      this.root.dataset.runUrl.replace("SLUG", encodeURIComponent(other.guide));
    this.show("conflict");
  }

  digits(value) {
    return nativeDigits(value);
  }

  clock(ms) {
    const seconds = Math.ceil(ms / 1000);
    const hours = Math.floor(seconds / 3600);
    const pad = (n) => String(n).padStart(2, "0");
    const mmss = `${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
    return this.digits(hours ? `${hours}:${mmss}` : mmss);
  }

  render(moved = false) {
    if (!this.session || this.screen !== "steps") return;
    const session = this.session;
    const index = this.index();
    const count = this.ids.length;
    const id = this.ids[index];
    const last = index === count - 1;
    this.sections.forEach((section, i) => {
      section.hidden = i !== index;
    });

    const countText = fill(this.strings.step_of, {
      n: this.digits(index + 1),
      total: this.digits(count),
    });
    this.el.count.textContent = countText;
    this.el.fill.style.inlineSize = `${((index + 1) / count) * 100}%`;
    this.el.progress.setAttribute("aria-valuemax", String(count));
    this.el.progress.setAttribute("aria-valuenow", String(index + 1));
    this.el.progress.setAttribute("aria-valuetext", countText);

    const paused = session.pausedAt != null;
    const left = Number(this.sections[index].dataset.minutes) * 60000 - this.stepElapsed(id);
    const over = left < 0;
    this.el.timer.textContent = over ? `+${this.clock(-left)}` : this.clock(left);
    this.el.timerLabel.textContent = paused
      ? this.strings.paused
      : over
        ? this.strings.over
        : this.strings.left;
    this.el.clock.classList.toggle("is-over", over);
    this.el.clock.classList.toggle("is-paused", paused);
    this.el.total.textContent = this.clock(this.totalElapsed());
    this.el.pause.textContent = paused ? this.strings.resume : this.strings.pause;
    this.el.pause.setAttribute("aria-pressed", String(paused));

    const skipped = session.skipped.includes(id);
    this.el.skippedBadge.hidden = !skipped;
    this.sections[index].classList.toggle("is-skipped", skipped);
    this.el.skip.textContent = skipped ? this.strings.unskip : this.strings.skip;
    this.el.previous.disabled = index === 0;
    this.el.next.dataset.action = last ? "finish" : "next";
    this.el.nextLabel.textContent = last ? this.strings.finish : this.strings.next;
    this.el.nextArrow.hidden = last;

    if (moved) {
      window.scrollTo(0, 0);
      this.sections[index].querySelector("h2").focus({ preventScroll: true });
    }
  }

  keepAwake() {
    this.wake.keep(() => this.screen === "steps");
  }
}

/** On a guide page: "Resume session" instead of "Run this session" while this guide is running. */
function offerResume() {
  const session = sessionInProgress();
  for (const resume of document.querySelectorAll("[data-runner-resume]")) {
    const running = Boolean(session && session.guide === resume.dataset.runnerResume);
    resume.hidden = !running;
    const run = resume.parentElement.querySelector("[data-runner-start]");
    if (run) run.hidden = running;
  }
}

const root = document.querySelector("[data-runner]");
if (root) new Runner(root).boot();
else offerResume();
