// Facilitator mode, the stored session: what runs on this phone, kept in localStorage as timestamps.
// No side effects: app.js imports it too (no update is applied while a session is in progress).

export const SESSION_KEY = "toolkit.runner.session";
export const FINISHED_KEY = "toolkit.runner.finished";

export function load(key) {
  try {
    const value = JSON.parse(localStorage.getItem(key) || "null");
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

export function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage blocked or full: the session still runs in memory on this page.
  }
}

/** The session in progress on this phone, or null. Other scripts use this (no update mid-session). */
export function sessionInProgress() {
  const session = load(SESSION_KEY);
  return session && session.v === 1 && typeof session.guide === "string" ? session : null;
}

/** The log form's address, prefilled with what the session did. */
export function logUrl(base, summary) {
  const query = [
    ["guide", summary.guide],
    ["minutes", String(summary.minutes)],
    ["steps_done", summary.done.join(",")],
    ["skipped", summary.skipped.join(",")],
    ["content_version", summary.version],
    ["held_on", summary.heldOn],
  ]
    // Step ids are ASCII slugs: commas stay readable, everything else is encoded.
    .map(([key, value]) => `${key}=${value.split(",").map(encodeURIComponent).join(",")}`)
    .join("&");
  return `${base}?${query}`;
}
