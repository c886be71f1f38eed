// Offline: register the service worker, show what is saved on this phone, offer updates safely.
//
// The worker (/sw.js, rendered from toolkit/templates/pwa/sw.js) answers three messages: "status"
// (what of a language is saved), "keep" (save languages) and "skip-waiting" (apply a waiting update).
// An update is never applied in facilitator mode: not on the runner page, not while a session is in
// progress on this phone, and the worker itself refuses while any window shows a runner page.

const script = document.querySelector("script[data-sw]");
const strings = JSON.parse(document.getElementById("pwa-strings")?.textContent || "{}");
const lang = document.documentElement.lang;
const KEEP_TIMEOUT = 10 * 60 * 1000; // saving a language on a slow connection takes a while
let applyingUpdate = false;
// Imported beside the worker's registration, not before it: a static import would hold the
// registration back on a first visit.
const digitsModule = import("./digits.js");
let nativeDigits;

function fill(template, values) {
  return (template || "").replace(/%\((\w+)\)s/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

function digits(text) {
  return nativeDigits(text, lang);
}

function onRunnerPage() {
  return Boolean(document.querySelector("[data-runner]")) || document.body.dataset.mode === "run";
}

/** Send the worker a message and wait for its answer on a private channel. */
function ask(worker, message, timeout = 30000) {
  return new Promise((resolve, reject) => {
    if (!worker) {
      reject(new Error("no service worker"));
      return;
    }
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error("no answer from the service worker")), timeout);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

// --- "Update available" ---

async function offerUpdate(registration) {
  const banner = document.querySelector("[data-update-banner]");
  if (!banner || onRunnerPage()) return; // never interrupt facilitator mode, not even with a banner
  // Only when an update waits (never on a first visit); runner/session.js, not runner.js itself.
  const { sessionInProgress } = await import("./runner/session.js");
  const button = banner.querySelector("[data-update-apply]");
  const note = banner.querySelector("[data-update-note]");
  const refuse = () => {
    applyingUpdate = false;
    button.hidden = true;
    note.textContent = strings.finish_first;
    note.hidden = false;
  };
  banner.hidden = false;
  if (sessionInProgress()) refuse();
  button.onclick = async () => {
    if (sessionInProgress() || onRunnerPage()) return refuse();
    const waiting = registration.waiting;
    if (!waiting) return;
    applyingUpdate = true;
    button.disabled = true;
    const answer = await ask(waiting, { type: "skip-waiting" }).catch(() => ({ applied: false }));
    button.disabled = false;
    if (!answer.applied) refuse(); // a window in facilitator mode is open
  };
}

function watchForUpdates(registration) {
  const track = (worker) => {
    if (!worker) return;
    const check = () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(registration);
    };
    worker.addEventListener("statechange", check);
    check();
  };
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration);
  track(registration.installing);
  registration.addEventListener("updatefound", () => track(registration.installing));
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (applyingUpdate) window.location.reload(); // only when asked: never reload under the user
  });
}

// --- First install: progress near the top of every page, and resuming after a dropped connection ---

const RESUME_FIRST_MS = 2000;
const RESUME_MAX_MS = 60000;
let resumeDelay = RESUME_FIRST_MS;
let resumeTimer = null;
let onLanguageState = () => {}; // the home page's "On this phone" box, when there is one

function progressBox() {
  return document.querySelector("[data-install-progress]");
}

/** "Saving for offline: 23 of 48", from the worker's pack-progress messages. */
function showProgress({ done, total }) {
  const box = progressBox();
  if (!box || !total) return;
  box.hidden = false;
  box.dataset.state = "saving";
  box.querySelector("[data-install-progress-text]").textContent = fill(strings.progress, {
    done: digits(done),
    total: digits(total),
  });
  const bar = box.querySelector("[data-install-progress-bar]");
  bar.max = total;
  bar.value = done;
}

/** The connection dropped: say what is missing, and try again by itself (no reload). */
function showDropped(state, retry) {
  const box = progressBox();
  if (!box) return;
  box.hidden = false;
  box.dataset.state = "dropped";
  box.querySelector("[data-install-progress-text]").textContent = fill(strings.dropped, {
    n: digits(state.missing.length),
    total: digits(state.total),
  });
  clearTimeout(resumeTimer);
  resumeTimer = setTimeout(retry, resumeDelay);
  resumeDelay = Math.min(RESUME_MAX_MS, resumeDelay * 2);
}

function hideProgress() {
  const box = progressBox();
  if (box) {
    box.hidden = true;
    box.dataset.state = "ready";
  }
  clearTimeout(resumeTimer);
  resumeDelay = RESUME_FIRST_MS;
}

/**
 * Make this page's language ready offline on any page (not only the home page): ask the worker
 * for what is missing, save it, and resume when the connection returns or after a pause.
 */
async function keepLanguageReady(registration, onState = onLanguageState) {
  onLanguageState = onState;
  const worker = registration.active;
  let state = await ask(worker, { type: "status", lang });
  if (state.missing.length) {
    showProgress({ done: state.total - state.missing.length, total: state.total });
    state = await ask(worker, { type: "keep", langs: [lang], lang }, KEEP_TIMEOUT).catch(() => state);
  }
  onState(state);
  if (state.missing.length === 0) hideProgress();
  else showDropped(state, () => keepLanguageReady(registration, onState).catch(() => {}));
  return state;
}

function listenForProgress() {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "pack-progress" && progressBox()?.dataset.state !== "ready") showProgress(data);
  });
  navigator.serviceWorker.startMessages();
}

// --- The home page: what is saved on this phone ---

function formatSize(bytes) {
  if (bytes < 1e6) return fill(strings.kb, { n: digits(Math.max(1, Math.round(bytes / 1e3))) });
  if (bytes < 1e9) return fill(strings.mb, { n: digits((bytes / 1e6).toFixed(1)) });
  return fill(strings.gb, { n: digits((bytes / 1e9).toFixed(1)) });
}

/** Titles of the guides on this page whose page or runner is among `missing` URLs. */
function missingGuides(missing) {
  const titles = new Set();
  for (const url of missing) {
    const link = document.querySelector(`.guide-card a[href="${url.replace(/\/run$/, "")}"]`);
    if (link) titles.add(link.textContent.trim());
  }
  return [...titles];
}

function showSaved(section, state) {
  const text = section.querySelector("[data-offline-state]");
  const missingBox = section.querySelector("[data-offline-missing]");
  const list = section.querySelector("[data-offline-missing-list]");
  const ready = state.missing.length === 0;
  section.dataset.state = ready ? "ready" : "missing";
  text.textContent = ready
    ? strings.ready
    : fill(strings.missing, { n: digits(state.missing.length), total: digits(state.total) });
  list.replaceChildren(
    ...missingGuides(state.missing).map((title) => {
      const item = document.createElement("li");
      item.textContent = title;
      return item;
    }),
  );
  missingBox.hidden = ready || list.children.length === 0;
}

async function saveLanguage(section, registration) {
  const text = section.querySelector("[data-offline-state]");
  const first = await ask(registration.active, { type: "status", lang });
  if (first.missing.length) {
    section.dataset.state = "saving";
    text.textContent = strings.saving;
  }
  return keepLanguageReady(registration, (state) => showSaved(section, state));
}

async function showStorage(section) {
  if (!navigator.storage) return;
  const estimate = section.querySelector("[data-storage-estimate]");
  const persist = section.querySelector("[data-storage-persist]");
  if (navigator.storage.estimate) {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    estimate.textContent = fill(strings.storage, { used: formatSize(usage), quota: formatSize(quota) });
  }
  if (navigator.storage.persist) {
    // Chromium grants this to installed or often-used sites; headless Chromium answers false.
    const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
    persist.dataset.persisted = String(persisted);
    persist.textContent = persisted ? strings.persisted : strings.not_persisted;
  }
}

function offerOtherLanguages(section, registration, state) {
  const button = section.querySelector("[data-keep-others]");
  const note = section.querySelector("[data-keep-state]");
  const others = state.languages.filter((code) => code !== lang);
  const showKept = () => {
    button.hidden = true;
    note.textContent = strings.kept;
  };
  if (others.every((code) => state.kept.includes(code))) return showKept();
  button.onclick = async () => {
    button.disabled = true;
    note.textContent = strings.keeping;
    // A waiting update keeps them too, or they would be missing once it takes over.
    let answer = { ok: true };
    for (const worker of [registration.waiting, registration.active].filter(Boolean)) {
      const reply = await ask(worker, { type: "keep", langs: others, lang }, KEEP_TIMEOUT).catch(
        () => ({ ok: false }),
      );
      if (!reply.ok) answer = reply;
    }
    button.disabled = false;
    if (answer.ok) showKept();
    else note.textContent = strings.keep_failed;
  };
}

async function showOfflineStatus(registration) {
  const section = document.querySelector("[data-offline]");
  if (!section) return keepLanguageReady(registration);
  section.querySelector("[data-offline-panel]").hidden = false;
  const retry = section.querySelector("[data-offline-retry]");
  const save = async () => {
    try {
      return await saveLanguage(section, registration);
    } catch {
      section.dataset.state = "missing";
      return null;
    }
  };
  retry.onclick = save;
  const state = await save();
  if (state) offerOtherLanguages(section, registration, state);
  await showStorage(section);
}

function showUnsupported() {
  const section = document.querySelector("[data-offline]");
  if (!section) return;
  section.querySelector("[data-offline-panel]").hidden = false;
  section.dataset.state = "unsupported";
  section.querySelector("[data-offline-state]").textContent = strings.unsupported;
  section.querySelector(".offline-keep").hidden = true;
}

async function start() {
  // Service workers exist only in a secure context (HTTPS, or 127.0.0.1 in tests): see docs/DEPLOY.md.
  if (!("serviceWorker" in navigator) || !script) return showUnsupported();
  // A module worker: it imports the outbox's ES modules to send on Background Sync.
  const registration = await navigator.serviceWorker.register(script.dataset.sw, {
    scope: "/",
    type: "module",
    updateViaCache: "none",
  });
  ({ nativeDigits } = await digitsModule);
  watchForUpdates(registration);
  listenForProgress();
  window.addEventListener("online", () => {
    resumeDelay = RESUME_FIRST_MS;
    if (progressBox()?.dataset.state === "dropped") {
      clearTimeout(resumeTimer);
      resumeTimer = setTimeout(() => keepLanguageReady(registration).catch(() => {}), 0);
    }
  });
  await navigator.serviceWorker.ready;
  await showOfflineStatus(registration);
}

start().catch(() => showUnsupported());
