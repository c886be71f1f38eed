// The Facilitator Toolkit service worker, rendered by toolkit/pwa.py from the precache manifests that
// build.py wrote. A new build is a new worker: it installs beside the old one, then waits until a page
// asks it to take over (static/js/app.js never asks while facilitator mode is open).
//
// Never touched: non-GET requests (sync, forms) and other origins. Never cached: redirects, errors.
// A module worker (app.js registers it with type "module"): it sends the outbox with the pages' own
// ES modules. Their URLs are the ones the pages import (no ?v=), so one download serves both, and a
// change to one of them is an update of the worker (the browser compares imported scripts too).
import { SYNC_TAG } from {{ (static_prefix ~ "js/outbox/logs.js")|tojson }};
import { syncInWorker } from {{ (static_prefix ~ "js/outbox/sending.js")|tojson }};
// What those two import, listed here too: the browser then fetches the whole graph at once instead
// of one round trip per level (on a slow link, a first install starts that much sooner).
import {{ (static_prefix ~ "js/outbox/store.js")|tojson }};
import {{ (static_prefix ~ "js/record-rules.js")|tojson }};

const VERSION = {{ version|tojson }};
const APP_VERSION = {{ app_version|tojson }};
const CONTENT_VERSION = {{ content_version|tojson }};
// language → [{url, hash}]: every page and static file that language needs offline.
const PACKS = {{ packs|tojson }};
const HASH_LENGTH = {{ hash_length }};
const STATIC = {{ static_prefix|tojson }};

const PREFIX = "toolkit-pack-";
const CACHE = PREFIX + VERSION;
const STATE_CACHE = "toolkit-state"; // not versioned: what the worker remembers across updates
const STATE_URL = "/__toolkit-state"; // a cache key, never requested from the server
const HASH_HEADER = "X-Toolkit-Hash"; // the hash of the bytes a cached response holds
const LANGUAGES = Object.keys(PACKS);
const PAGES = new Set(
  Object.values(PACKS).flatMap((pack) => pack.map((entry) => entry.url).filter((url) => !url.startsWith(STATIC))),
);
const RUN_PAGE = /^\/[^/]+\/guides\/[^/]+\/run$/; // facilitator mode
const REFRESHED_PAGE = /^\/[^/]+\/(guides\/[^/]+)?$/; // home and guide pages: refreshed in the background
const LOG_RECORD = /^(\/[^/]+\/log)\/[^/]+$/; // /<lang>/log/<id> is served from the /<lang>/log shell
// Spoken scripts: not in the packs. A guide's audio is kept only when asked, in its own cache that
// outlives updates (clip URLs carry the text hash and recording id, so a URL never changes its bytes).
const AUDIO_CACHE = "toolkit-audio";
const AUDIO_MANIFEST = /^\/[^/]+\/guides\/[^/]+\/audio\.json$/;
const AUDIO_CLIP = /^\/[^/]+\/guides\/[^/]+\/audio\/[^/]+$/;

function languageOf(pathname) {
  const code = pathname.split("/")[1];
  return LANGUAGES.includes(code) ? code : null;
}

function union(...lists) {
  return [...new Set(lists.flat().filter((lang) => LANGUAGES.includes(lang)))];
}

// --- What the worker remembers: the last language opened and the languages kept offline. ---

let stateQueue = Promise.resolve();

async function readState() {
  const saved = await (await caches.open(STATE_CACHE)).match(STATE_URL);
  const state = saved ? await saved.json() : {};
  return { last: state.last || null, kept: state.kept || [] };
}

function updateState(change) {
  stateQueue = stateQueue.then(async () => {
    const state = await readState();
    Object.assign(state, typeof change === "function" ? change(state) : change);
    const cache = await caches.open(STATE_CACHE);
    await cache.put(STATE_URL, new Response(JSON.stringify(state), { headers: { "Content-Type": "application/json" } }));
  });
  return stateQueue;
}

// --- Saving responses. ---

function cacheable(response) {
  return response.status === 200 && response.type === "basic" && !response.redirected;
}

async function sha256(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, HASH_LENGTH);
}

/** Store the body as received (already decoded), labelled with its hash so an update can reuse it. */
async function store(cache, key, response, body = null, hash = null) {
  body = body || (await response.arrayBuffer());
  const headers = new Headers(response.headers);
  for (const name of ["Content-Encoding", "Content-Length", "Vary", "Set-Cookie"]) headers.delete(name);
  headers.set(HASH_HEADER, hash || (await sha256(body)));
  await cache.put(key, new Response(body, { status: 200, statusText: "OK", headers }));
}

async function fetchCacheable(url, mode) {
  const response = await fetch(url, { cache: mode });
  if (!cacheable(response)) throw new Error(`${url}: ${response.status}`);
  return response;
}

/** One precache entry: kept if this cache has it, copied from an older cache if unchanged, else fetched. */
async function saveEntry(cache, entry, olderCaches) {
  const have = await cache.match(entry.url);
  if (have && have.headers.get(HASH_HEADER) === entry.hash) return;
  for (const older of olderCaches) {
    const saved = await older.match(entry.url);
    if (saved && saved.headers.get(HASH_HEADER) === entry.hash) return cache.put(entry.url, saved);
  }
  // Versioned static URLs never change, so the HTTP cache may answer.
  if (entry.url.includes("?v=")) return store(cache, entry.url, await fetchCacheable(entry.url, "default"));
  // Anything else the page has usually just downloaded (its modules, fonts, the page itself): take the
  // HTTP cache's copy when it is the manifest's version, which saves a round trip per file on a slow
  // link; a stale or missing copy is asked of the server again.
  const kept = await fetch(entry.url, { cache: "only-if-cached", mode: "same-origin" }).catch(() => null);
  if (kept && cacheable(kept)) {
    const body = await kept.arrayBuffer();
    if ((await sha256(body)) === entry.hash) return store(cache, entry.url, kept, body, entry.hash);
  }
  await store(cache, entry.url, await fetchCacheable(entry.url, "no-cache"));
}

/**
 * Save every page and file the languages need, telling the open pages how far it got ("Saving for
 * offline: 23 of 48"). Rejects if any fails (an update then fails whole); `tolerant` (a first
 * install, where nothing older could serve) keeps what arrived so the page can resume the rest.
 */
async function savePacks(langs, { tolerant = false } = {}) {
  const cache = await caches.open(CACHE);
  const names = (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== CACHE);
  const olderCaches = await Promise.all(names.map((name) => caches.open(name)));
  const entries = new Map();
  for (const lang of langs) for (const entry of PACKS[lang] || []) entries.set(entry.url, entry);
  const progress = { done: 0, failed: 0, total: entries.size };
  const results = await Promise.allSettled(
    [...entries.values()].map(async (entry) => {
      try {
        await saveEntry(cache, entry, olderCaches);
        progress.done += 1;
      } catch (error) {
        progress.failed += 1;
        throw error;
      } finally {
        reportProgress(progress);
      }
    }),
  );
  const failure = results.find((result) => result.status === "rejected");
  if (failure && !tolerant) throw failure.reason;
}

/** Tell every window of this origin how far saving got (app.js shows it near the top). */
async function reportProgress({ done, failed, total }) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: "pack-progress", done, failed, total });
}

async function status(lang) {
  const cache = await caches.open(CACHE);
  const pack = PACKS[lang] || [];
  const missing = [];
  for (const entry of pack) if (!(await cache.match(entry.url))) missing.push(entry.url);
  const { kept } = await readState();
  return {
    version: VERSION,
    appVersion: APP_VERSION,
    contentVersion: CONTENT_VERSION,
    languages: LANGUAGES,
    kept,
    total: pack.length,
    missing,
  };
}

// --- Lifecycle. ---

self.addEventListener("install", (event) => {
  // The languages kept before (an update keeps them all) and those of the pages open now.
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.map((client) => languageOf(new URL(client.url).pathname));
      const { kept, last } = await readState();
      const langs = union(kept, open, [last]);
      // A first install keeps what arrived if the connection drops: the page resumes the rest.
      const first = !(await caches.keys()).some((name) => name.startsWith(PREFIX));
      await savePacks(langs, { tolerant: first });
      await updateState((state) => ({ kept: union(state.kept, langs) }));
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const port = event.ports[0];
  const reply = (value) => port && port.postMessage(value);
  const { type, lang = null, langs = [] } = event.data || {};
  const work = (async () => {
    if (type === "status") {
      reply(await status(lang));
    } else if (type === "keep") {
      try {
        await savePacks(union(langs));
        await updateState((state) => ({ kept: union(state.kept, langs) }));
        reply({ ok: true, ...(await status(lang)) });
      } catch (error) {
        reply({ ok: false, error: String(error), ...(await status(lang)) });
      }
    } else if (type === "keep-download" || type === "download-status") {
      reply(await keptDownload(type, event.data.url));
    } else if (type === "keep-audio") {
      reply(await keepAudio(event.data.url).catch((error) => ({ ok: false, error: String(error) })));
    } else if (type === "drop-audio") {
      reply(await dropAudio(event.data.url));
    } else if (type === "audio-status") {
      reply(await audioStatus(event.data.url));
    } else if (type === "skip-waiting") {
      // Never under a session: a window in facilitator mode keeps the old version.
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      if (windows.some((client) => RUN_PAGE.test(new URL(client.url).pathname))) {
        reply({ applied: false });
      } else {
        await self.skipWaiting();
        reply({ applied: true });
      }
    }
  })();
  event.waitUntil(work);
});

// --- Background Sync: the outbox leaves when the connection returns, even with every page closed. ---
// The same code as the pages' (outbox/sending.js), so a log is sent exactly as they would send it.

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(syncInWorker());
});

// --- Requests: small named strategies (squoosh style). ---

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (KEPT_DOWNLOAD.test(url.pathname)) event.respondWith(openDownload(event, url));
  else if (request.mode === "navigate") event.respondWith(openPage(event, url));
  else if (AUDIO_MANIFEST.test(url.pathname)) event.respondWith(audioManifest(event, url));
  else if (AUDIO_CLIP.test(url.pathname)) event.respondWith(audioClip(event.request, url));
  else if (url.pathname.startsWith(STATIC)) event.respondWith(staticFile(event, url));
});

/** Pages: cache first (home and guide pages refreshed in the background), else network, else offline. */
async function openPage(event, url) {
  const lang = languageOf(url.pathname);
  if (lang) event.waitUntil(updateState({ last: lang }));
  if (url.pathname === "/") return openRoot(event.request);
  const key = url.pathname.replace(LOG_RECORD, "$1");
  const cache = await caches.open(CACHE);
  const saved = await cache.match(key);
  if (saved) {
    if (REFRESHED_PAGE.test(key)) event.waitUntil(refresh(cache, key));
    return saved;
  }
  try {
    const response = await fetch(event.request);
    if (cacheable(response) && PAGES.has(key) && key === url.pathname) {
      event.waitUntil(store(cache, key, response.clone()));
    }
    return response;
  } catch {
    return offlinePage(lang);
  }
}

// --- Optional downloads ("Keep materials offline"): kept apart from the language packs, so the packs
// stay within their size budget and an update never deletes what a facilitator chose to keep. ---

const DOWNLOADS = "toolkit-downloads";
const KEPT_DOWNLOAD = /^\/[^/]+\/guides\/[^/]+\/materials\.pdf$/;

/** "keep-download" saves the URL; "download-status" says whether it is saved. */
async function keptDownload(type, url) {
  const path = new URL(url, self.location.origin).pathname;
  if (!KEPT_DOWNLOAD.test(path)) return { ok: false, kept: false };
  const cache = await caches.open(DOWNLOADS);
  if (type === "keep-download") {
    try {
      const response = await fetch(path, { cache: "no-cache" });
      if (!cacheable(response)) throw new Error(`${path}: ${response.status}`);
      await store(cache, path, response);
    } catch (error) {
      return { ok: false, kept: Boolean(await cache.match(path)), error: String(error) };
    }
  }
  return { ok: true, kept: Boolean(await cache.match(path)) };
}

/** A kept download: the network first (it may have changed, and the saved copy is refreshed), the
 * saved copy when offline. Not kept: the network only. */
async function openDownload(event, url) {
  const cache = await caches.open(DOWNLOADS);
  const saved = await cache.match(url.pathname);
  try {
    const response = await fetch(event.request);
    if (saved && cacheable(response)) event.waitUntil(store(cache, url.pathname, response.clone()));
    return response;
  } catch (error) {
    if (saved) return saved;
    if (event.request.mode === "navigate") return offlinePage(languageOf(url.pathname));
    throw error;
  }
}

/** `/`: the server redirects to the remembered language; offline, the last language opened here. */
async function openRoot(request) {
  try {
    return await fetch(request); // a redirect: passed through, never cached
  } catch {
    const { last } = await readState();
    const cache = await caches.open(CACHE);
    for (const code of [last, ...LANGUAGES]) {
      if (code && (await cache.match(`/${code}/`))) return Response.redirect(`/${code}/`, 302);
    }
    return offlinePage(null);
  }
}

async function refresh(cache, key) {
  try {
    const response = await fetch(key, { cache: "no-cache" });
    if (cacheable(response)) await store(cache, key, response);
  } catch {
    // Offline: the saved page stays.
  }
}

async function offlinePage(lang) {
  const { last } = await readState();
  const cache = await caches.open(CACHE);
  for (const code of [lang, last, ...LANGUAGES]) {
    const page = code && (await cache.match(`/${code}/offline`));
    if (page) return page;
  }
  return new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

/** Static files: cache first. A `?v=` that differs from the saved file's hash asks the network. */
async function staticFile(event, url) {
  const { request } = event;
  const cache = await caches.open(CACHE);
  const exact = await cache.match(request);
  if (exact) return exact;
  const saved = await cache.match(request, { ignoreSearch: true });
  const version = url.searchParams.get("v");
  if (saved && (!version || saved.headers.get(HASH_HEADER) === version)) return saved;
  try {
    const response = await fetch(request);
    if (cacheable(response)) event.waitUntil(store(cache, request.url, response.clone()));
    return response;
  } catch (error) {
    if (saved) return saved; // offline: an older version beats none
    throw error;
  }
}

// --- Spoken scripts: kept per guide on request, answered with byte ranges. ---

function clipPrefix(manifestUrl) {
  return manifestUrl.replace(/audio\.json$/, "audio/");
}

/** The guide's clips in the audio cache, by URL path. */
async function keptClips(cache, manifestUrl) {
  const prefix = clipPrefix(manifestUrl);
  return (await cache.keys()).filter((request) => new URL(request.url).pathname.startsWith(prefix));
}

/** Save the guide's approved audio: fetch only clips not saved yet, drop those no longer listed. */
async function keepAudio(manifestUrl) {
  const response = await fetch(manifestUrl, { cache: "no-cache" });
  if (!cacheable(response)) throw new Error(`${manifestUrl}: ${response.status}`);
  const manifest = await response.clone().json();
  const cache = await caches.open(AUDIO_CACHE);
  const wanted = new Set(Object.values(manifest.clips).map((clip) => clip.url));
  for (const url of wanted) {
    if (await cache.match(url)) continue;
    const clip = await fetch(url); // whole file, no Range
    if (!cacheable(clip)) throw new Error(`${url}: ${clip.status}`);
    await cache.put(url, clip);
  }
  for (const request of await keptClips(cache, manifestUrl)) {
    if (!wanted.has(new URL(request.url).pathname)) await cache.delete(request);
  }
  await cache.put(manifestUrl, response);
  return { ok: true, ...(await audioStatus(manifestUrl)) };
}

async function dropAudio(manifestUrl) {
  const cache = await caches.open(AUDIO_CACHE);
  for (const request of await keptClips(cache, manifestUrl)) await cache.delete(request);
  await cache.delete(manifestUrl);
  return audioStatus(manifestUrl);
}

async function audioStatus(manifestUrl) {
  const cache = await caches.open(AUDIO_CACHE);
  const saved = await cache.match(manifestUrl);
  if (!saved) return { kept: false, bytes: 0 };
  let bytes = 0;
  for (const request of await keptClips(cache, manifestUrl)) {
    bytes += (await (await cache.match(request)).blob()).size;
  }
  return { kept: true, bytes, version: (await saved.json()).version };
}

/** audio.json: the network first (a kept guide whose list changed is updated in the background). */
async function audioManifest(event, url) {
  const cache = await caches.open(AUDIO_CACHE);
  try {
    const response = await fetch(event.request);
    const saved = cacheable(response) && (await cache.match(url.pathname));
    if (saved && (await saved.clone().json()).version !== (await response.clone().json()).version) {
      event.waitUntil(keepAudio(url.pathname).catch(() => {})); // only the changed clips are fetched
    }
    return response;
  } catch (error) {
    const saved = await cache.match(url.pathname);
    if (saved) return saved;
    throw error;
  }
}

/** A clip: from the audio cache when kept (with the Range the media element asks for), else the network. */
async function audioClip(request, url) {
  const saved = await (await caches.open(AUDIO_CACHE)).match(url.pathname);
  if (!saved) return fetch(request);
  return rangeResponse(saved, request.headers.get("Range"));
}

/** 200 with the whole body, or 206 with the asked bytes and Content-Range (Chromium seeks with these). */
async function rangeResponse(saved, range) {
  const body = await saved.arrayBuffer();
  const total = body.byteLength;
  const type = saved.headers.get("Content-Type") || "application/octet-stream";
  const match = /^bytes=(\d*)-(\d*)$/.exec((range || "").trim());
  if (!match || (match[1] === "" && match[2] === "")) {
    return new Response(body, {
      status: 200,
      headers: { "Content-Type": type, "Content-Length": String(total), "Accept-Ranges": "bytes" },
    });
  }
  let start;
  let end;
  if (match[1] === "") {
    start = Math.max(0, total - Number(match[2])); // the last N bytes
    end = total - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? total - 1 : Math.min(Number(match[2]), total - 1);
  }
  if (start >= total || start > end) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${total}` } });
  }
  return new Response(body.slice(start, end + 1), {
    status: 206,
    headers: {
      "Content-Type": type,
      "Content-Length": String(end - start + 1),
      "Content-Range": `bytes ${start}-${end}/${total}`,
      "Accept-Ranges": "bytes",
    },
  });
}
