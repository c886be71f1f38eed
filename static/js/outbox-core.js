// The phone's outbox: session logs in IndexedDB, and sync to POST /api/v1/sync.
//
// A classic script, so the service worker can importScripts() it and send the outbox on Background
// Sync with the very same code; pages import it through outbox.js (an ES module re-exporting it).
//
// A log reaches the server exactly once whatever the network does, because the server is idempotent
// on (id, rev, content) and this file never marks a log as received unless the server said so for
// that very revision. A timeout, a dropped connection or an error answer leaves the log queued.
//
// Stores: "logs" (one entry per log: {id, record, state, reason, errors, server, sent_rev, ...}) and
// "device" (key/value: the enrolment, the sync status, the PIN hash).

(function outboxCore(global) {
  'use strict';

  const DB_NAME = 'toolkit';
  const DB_VERSION = 1;
  const SYNC_URL = '/api/v1/sync';
  const SYNC_TAG = 'toolkit-outbox'; // the Background Sync tag sw.js listens for
  const ELSEWHERE_URL = '/api/v1/themes';
  const ELSEWHERE_MAX_AGE_MS = 60 * 60 * 1000;
  const MAX_BATCH = 200; // DESIGN.md: at most 200 records and 1 MB per request
  const MAX_BATCH_BYTES = 900 * 1024;
  const RETENTION_DAYS = 180; // acknowledged logs stay listed this long
  const BACKOFF_BASE_MS = 1000;
  const BACKOFF_MAX_MS = 5 * 60 * 1000;
  const PIN_ITERATIONS = 150000;
  const UNLOCK_KEY = 'toolkit.logbook.unlocked';
  const UNLOCK_MS = 15 * 60 * 1000;

  const STATES = ['draft', 'queued', 'sent', 'acknowledged', 'needs-attention'];
  const RECORD_FIELDS = [
    'id', 'rev', 'guide', 'lang', 'content_version', 'app_version', 'held_on', 'minutes', 'district',
    'venue_type', 'participants', 'returnees', 'steps_done', 'themes', 'requested', 'referrals',
    'market_info', 'notes', 'voided', 'created_at', 'updated_at',
  ];

  // ---------------------------------------------------------------- digits

  const NATIVE_DIGITS = ['०१२३४५६७८९', '۰۱۲۳۴۵۶۷۸۹', '٠١٢٣٤٥٦٧٨٩'];

  /** Devanagari, Urdu and Arabic-Indic digits to 0-9 (as toolkit.languages.ascii_digits). */
  function asciiDigits(text) {
    let out = '';
    for (const ch of String(text)) {
      let mapped = ch;
      for (const set of NATIVE_DIGITS) {
        const index = set.indexOf(ch);
        if (index >= 0) mapped = String(index);
      }
      out += mapped;
    }
    return out;
  }

  /** 0-9 written in the given digit set (the page's language). */
  function nativeDigits(text, digits) {
    if (!digits) return String(text);
    return String(text).replace(/[0-9]/g, (d) => digits[Number(d)]);
  }

  // ---------------------------------------------------------------- IndexedDB

  let dbPromise = null;

  function promised(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function done(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new DOMException('aborted', 'AbortError'));
    });
  }

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains('logs')) {
            db.createObjectStore('logs', { keyPath: 'id' }).createIndex('state', 'state');
          }
          if (!db.objectStoreNames.contains('device')) db.createObjectStore('device');
        };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => db.close(); // let a newer page upgrade the schema
          resolve(db);
        };
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error('IndexedDB blocked by another tab'));
      });
    }
    return dbPromise;
  }

  /** Run `fn(store)` in one transaction; `fn` may only await IndexedDB requests (else it commits). */
  async function inTransaction(name, mode, fn) {
    const db = await openDb();
    const tx = db.transaction(name, mode);
    const finished = done(tx);
    let result;
    try {
      result = await fn(tx.objectStore(name));
    } catch (error) {
      finished.catch(() => {});
      try { tx.abort(); } catch { /* already finished */ }
      throw error;
    }
    await finished;
    return result;
  }

  function readStore(name, fn) {
    return inTransaction(name, 'readonly', fn);
  }

  function writeStore(name, fn) {
    return inTransaction(name, 'readwrite', fn);
  }

  async function getKey(key) {
    return readStore('device', (store) => promised(store.get(key)));
  }

  async function putKey(key, value) {
    await writeStore('device', (store) => promised(store.put(value, key)));
    changed();
  }

  // ---------------------------------------------------------------- change notices (this and other tabs)

  const listeners = new Set();
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('toolkit-outbox') : null;
  if (channel) channel.onmessage = () => listeners.forEach((fn) => fn());

  function changed() {
    listeners.forEach((fn) => fn());
    if (channel) channel.postMessage('changed');
  }

  /** Call `fn` whenever logs, the enrolment or the sync status change, in this tab or another. */
  function subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  // ---------------------------------------------------------------- device (enrolment)

  /** {token, device_id, facilitator: {id, name, country}, server, enrolled_at} or null. */
  async function getDevice() {
    return (await getKey('enrolment')) || null;
  }

  async function setDevice(device) {
    await putKey('enrolment', { ...device, enrolled_at: nowIso() });
  }

  /** A code as typed (४/۴ digits, spaces, lower case) as the server's letters: "ACDE-FGHJ". */
  function normaliseCode(code) {
    const raw = asciiDigits(code).toUpperCase().replace(/[\s\-\u2010\u2011\u2013]+/g, '');
    return raw.length === 8 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : raw;
  }

  /** Exchange a one-time code for a device token (POST /api/v1/enrol) and keep it on the phone. */
  async function enrol(code, lang) {
    const { status, body } = await postJson(
      '/api/v1/enrol', { 'Accept-Language': lang }, { code: normaliseCode(code) },
    );
    if (status !== 200 || !body || !body.token) {
      throw new SyncError('enrol', body && body.error ? body.error : `HTTP ${status}`, { status });
    }
    await setDevice({
      token: body.token,
      device_id: body.device_id,
      facilitator: body.facilitator,
      server: location.origin,
      lang, // the service worker sends in her language too (Background Sync)
    });
    return getDevice();
  }

  /** The district and place type of her last log, to start the next one with. */
  async function getFormDefaults() {
    return (await getKey('form-defaults')) || null;
  }

  async function setFormDefaults(defaults) {
    await writeStore('device', (store) => promised(store.put(defaults, 'form-defaults')));
  }

  // ---------------------------------------------------------------- logs

  function nowIso() {
    return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  async function allLogs() {
    const entries = await readStore('logs', (store) => promised(store.getAll()));
    return entries.sort((a, b) => (b.record.held_on || '').localeCompare(a.record.held_on || '')
      || (b.record.updated_at || '').localeCompare(a.record.updated_at || ''));
  }

  async function getLog(id) {
    return (await readStore('logs', (store) => promised(store.get(id)))) || null;
  }

  /**
   * Save a log from the form. `fields` are the contract fields except id/rev/created/updated.
   * state: "draft" (stays on the phone) or "queued" (to be sent). A log that has ever been put in a
   * request gets rev+1, so the server never sees two different contents under one (id, rev).
   */
  async function saveLog(id, fields, state, base = undefined) {
    let conflict = null;
    const entry = await writeStore('logs', async (store) => {
      const old = await promised(store.get(id));
      // The form was filled from `base`; if the phone's copy changed since (another tab, a window, the
      // server's version taken), saving would silently drop that change: keep both, let her choose.
      if (base !== undefined && old && !sameRecord(old.record, base)) {
        conflict = old;
        return null;
      }
      const now = nowIso();
      let rev = old ? old.record.rev : 1;
      if (old && (old.sent_rev || 0) >= rev) rev += 1;
      if (old && old.server && old.server.rev >= rev) rev = old.server.rev + 1;
      const record = {
        ...fields,
        id,
        rev,
        created_at: old ? old.record.created_at : now,
        updated_at: now,
      };
      const next = {
        ...(old || {}),
        id,
        record,
        state,
        reason: null,
        errors: null,
        server: null,
        sent_rev: old ? old.sent_rev || 0 : 0,
        saved_at: Date.now(),
      };
      await promised(store.put(next));
      return next;
    });
    if (conflict) return { conflict };
    changed();
    // Offline now: ask to be woken when the connection returns (online, the pages send it at once).
    if (state === 'queued' && navigator.onLine === false) requestBackgroundSync();
    return entry;
  }

  /** The same record content (every contract field), whatever the sync state around it. */
  function sameRecord(a, b) {
    return JSON.stringify(pick(a || {})) === JSON.stringify(pick(b || {}));
  }

  /** Restore a voided log: a new revision with voided=false (the voided one stays in the history). */
  async function restoreLog(id) {
    const entry = await getLog(id);
    if (!entry) return null;
    const { id: _id, rev: _rev, created_at: _c, updated_at: _u, ...fields } = entry.record;
    return saveLog(id, { ...fields, voided: false }, entry.state === 'draft' ? 'draft' : 'queued');
  }

  /** Void a log entered by mistake: a new revision with voided=true, never a deletion. */
  async function voidLog(id) {
    const entry = await getLog(id);
    if (!entry) return null;
    const { id: _id, rev: _rev, created_at: _c, updated_at: _u, ...fields } = entry.record;
    return saveLog(id, { ...fields, voided: true }, entry.state === 'draft' ? 'draft' : 'queued');
  }

  /** Settle a stale log: send her edit over the server's (rev above the server's), or take theirs. */
  async function resolveStale(id, choice) {
    const entry = await getLog(id);
    if (!entry || !entry.server) return entry;
    if (choice === 'mine') {
      const { id: _id, rev: _rev, created_at: _c, updated_at: _u, ...fields } = entry.record;
      return saveLog(id, fields, 'queued');
    }
    const record = pick(entry.server);
    await writeStore('logs', (store) => promised(store.put({
      ...entry, record, state: 'acknowledged', reason: null, errors: null, server: null,
      sent_rev: Math.max(entry.sent_rev || 0, record.rev), acked_at: Date.now(),
    })));
    changed();
    return getLog(id);
  }

  /** Only the contract's fields, in the contract's order (unknown keys make a record invalid). */
  function pick(record) {
    const out = {};
    for (const key of RECORD_FIELDS) if (key in record) out[key] = record[key];
    return out;
  }

  /** The logs not yet received by the server, as the contract's export file. */
  async function exportUnsent() {
    const device = await getDevice();
    const entries = (await allLogs()).filter((e) => ['queued', 'sent', 'needs-attention'].includes(e.state));
    return {
      records: entries.map((e) => pick(e.record)),
      exported_at: nowIso(),
      device_id: device ? device.device_id : null,
      facilitator_id: device && device.facilitator ? device.facilitator.id : null,
    };
  }

  /** Drop acknowledged logs older than the retention period (the server has them). */
  async function pruneAcknowledged(now = Date.now()) {
    const limit = now - RETENTION_DAYS * 24 * 3600 * 1000;
    await writeStore('logs', async (store) => {
      const entries = await promised(store.index('state').getAll('acknowledged'));
      for (const entry of entries) {
        if (entry.acked_at && entry.acked_at < limit) store.delete(entry.id);
      }
    });
  }

  // ---------------------------------------------------------------- sync status

  /** {pending, attention, drafts, lastSuccessAt, lastError, nextTryAt, syncing, device} */
  async function syncSummary() {
    const [entries, status, device] = await Promise.all([allLogs(), getKey('sync'), getDevice()]);
    const count = (...states) => entries.filter((e) => states.includes(e.state)).length;
    return {
      pending: count('queued', 'sent'),
      attention: count('needs-attention'),
      drafts: count('draft'),
      lastSuccessAt: status ? status.last_success_at : null,
      lastError: status ? status.last_error : null,
      nextTryAt: status ? status.next_try_at : null,
      syncing: running !== null,
      device,
    };
  }

  async function setStatus(patch) {
    const old = (await getKey('sync')) || {};
    await putKey('sync', { ...old, ...patch });
  }

  // ---------------------------------------------------------------- sync

  let running = null; // this tab's sync in progress
  let again = false; // a trigger arrived while syncing: run once more afterwards
  let attempt = 0; // failed attempts in a row, for the backoff
  let retryTimer = null;
  let batchLimit = MAX_BATCH;

  function timeoutMs() {
    return globalThis.TOOLKIT_SYNC_TIMEOUT_MS || 30000;
  }

  class SyncError extends Error {
    constructor(code, detail, { retry = true, status = null } = {}) {
      super(detail || code);
      this.code = code;
      this.detail = detail || '';
      this.retry = retry;
      this.status = status;
    }
  }

  /**
   * POST and read the JSON answer within the time limit: {status, body}. A timeout (AbortController)
   * or a broken connection throws, so it can never be taken for an answer.
   */
  async function postJson(url, headers, payload) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs());
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(payload),
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
      const text = await response.text();
      let body = null;
      try { body = JSON.parse(text); } catch { body = null; }
      return { status: response.status, body };
    } catch (error) {
      if (error.name === 'AbortError') throw new SyncError('timeout');
      throw new SyncError(navigator.onLine === false ? 'offline' : 'network', error.message);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Send every queued log. Runs on page load, on `online`, after a save and on "Sync now".
   * One sync at a time across tabs (Web Locks); the server is idempotent anyway.
   */
  function sync() {
    if (running) {
      again = true;
      return running;
    }
    clearTimeout(retryTimer);
    retryTimer = null;
    running = (async () => {
      let result = null;
      try {
        do {
          again = false;
          if (navigator.locks) {
            result = await navigator.locks.request('toolkit-sync', () => syncAll());
          } else {
            result = await syncAll();
          }
        } while (again);
        return result;
      } finally {
        running = null;
        changed();
      }
    })();
    changed();
    return running;
  }

  /**
   * Ask the browser to wake the service worker when the connection returns (Background Sync, where
   * supported), so queued logs leave even if every page of the app is closed by then. Asked only
   * while offline: online, the open page sends and retries itself (one sender, one backoff).
   */
  async function requestBackgroundSync() {
    try {
      const registration = global.registration // in the service worker itself
        || (navigator.serviceWorker && (await navigator.serviceWorker.getRegistration('/')));
      if (!registration || !registration.sync) return false;
      await registration.sync.register(SYNC_TAG);
      return true;
    } catch {
      return false; // not supported, or not allowed: the pages' own triggers still send
    }
  }

  /** The service worker's "sync" event: send the outbox; fail (so the browser retries) on error. */
  async function syncInWorker() {
    const result = await sync();
    if (result && result.error && result.error !== 'token' && result.error !== 'revoked') {
      throw new Error(`sync failed: ${result.error}`);
    }
    return result;
  }

  /** Sync again soon after a failure: exponential backoff with jitter, capped. */
  function scheduleRetry() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    attempt += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => sync(), delay);
    return Date.now() + delay;
  }

  /** The `online` event: the network is back, so try now rather than after the backoff. */
  function syncWhenOnline() {
    attempt = 0;
    return sync();
  }

  /**
   * What women in other sessions asked about (toolkit/elsewhere.py): the server's suppressed theme
   * counts for her country and district, kept on the phone so the pages show them offline. Asked
   * after a sync that sent something, or when the saved answer is over an hour old.
   */
  async function refreshElsewhere(device, sent) {
    const saved = await getKey('elsewhere');
    if (saved && !sent && Date.now() - (saved.fetched || 0) < ELSEWHERE_MAX_AGE_MS) return;
    const defaults = await getKey('form-defaults');
    const district = defaults && defaults.district ? `?district=${encodeURIComponent(defaults.district)}` : '';
    try {
      const response = await fetch(`${ELSEWHERE_URL}${district}`, {
        headers: { Authorization: `Bearer ${device.token}` }, cache: 'no-store', credentials: 'omit',
      });
      if (!response.ok) return;
      const body = await response.json();
      if (!body || !Array.isArray(body.themes)) return;
      await putKey('elsewhere', { ...body, fetched: Date.now() });
    } catch {
      // offline or an old server: keep what was saved
    }
  }

  async function getElsewhere() {
    return (await getKey('elsewhere')) || null;
  }

  async function syncAll() {
    const device = await getDevice();
    if (!device || !device.token) return { sent: 0, enrolled: false };
    let sent = 0;
    for (;;) {
      const batch = await takeBatch();
      if (batch.length === 0) break;
      try {
        const results = await postBatch(device, batch);
        const settled = await applyResults(batch, results);
        sent += batch.length;
        attempt = 0;
        await setStatus({ last_success_at: nowIso(), last_error: null, next_try_at: null });
        // Some went back to the queue (edited meanwhile, or an answer we do not know): they go on
        // the next trigger, never in a tight loop.
        if (settled < batch.length) break;
      } catch (error) {
        await releaseBatch(batch);
        const failure = error instanceof SyncError ? error : new SyncError('other', String(error));
        if (failure.code === 'too_large' && batchLimit > 1) batchLimit = Math.ceil(batch.length / 2);
        const nextTry = failure.retry ? scheduleRetry() : null;
      if (failure.retry && navigator.onLine === false) requestBackgroundSync();
        await setStatus({
          last_error: { code: failure.code, detail: failure.detail, at: nowIso() },
          next_try_at: nextTry ? new Date(nextTry).toISOString() : null,
        });
        return { sent, error: failure.code };
      }
    }
    await refreshElsewhere(device, sent);
    return { sent, enrolled: true };
  }

  /** Mark up to 200 queued logs (≤ ~1 MB) as "sent" and return [{id, rev, record}]. */
  async function takeBatch() {
    const batch = await writeStore('logs', async (store) => {
      const queued = await promised(store.index('state').getAll('queued'));
      // "sent" left over from a closed tab or a crash: the answer never came, so send again.
      // (Only one sync holds the lock, so no other request is carrying them now.)
      const leftover = await promised(store.index('state').getAll('sent'));
      const entries = [...leftover, ...queued].sort((a, b) => (a.saved_at || 0) - (b.saved_at || 0));
      const taken = [];
      let bytes = 0;
      for (const entry of entries) {
        const record = pick(entry.record);
        const size = JSON.stringify(record).length * 3;
        if (taken.length >= batchLimit || (taken.length > 0 && bytes + size > MAX_BATCH_BYTES)) break;
        bytes += size;
        taken.push({ id: entry.id, rev: record.rev, record });
        store.put({ ...entry, state: 'sent', sent_rev: Math.max(entry.sent_rev || 0, record.rev) });
      }
      return taken;
    });
    if (batch.length) changed();
    return batch;
  }

  /** Put a batch whose request failed back in the queue (unless she has edited it meanwhile). */
  async function releaseBatch(batch) {
    await writeStore('logs', async (store) => {
      for (const item of batch) {
        const entry = await promised(store.get(item.id));
        if (entry && entry.state === 'sent' && entry.record.rev === item.rev) {
          store.put({ ...entry, state: 'queued' });
        }
      }
    });
    changed();
  }

  async function postBatch(device, batch) {
    const lang = (typeof document !== 'undefined' && document.documentElement.lang) || device.lang || 'en';
    const meta = batch[0].record;
    const { status, body } = await postJson(
      SYNC_URL,
      { Authorization: `Bearer ${device.token}`, 'Accept-Language': lang },
      {
        records: batch.map((item) => item.record),
        app_version: meta.app_version,
        content_version: meta.content_version,
      },
    );
    if (status === 200 && body && Array.isArray(body.results)
        && body.results.length === batch.length) {
      return body.results;
    }
    const detail = body && body.error ? body.error : `HTTP ${status}`;
    if (status === 200) throw new SyncError('other', 'unexpected answer from the server');
    if (status === 401) throw new SyncError('token', detail, { retry: false });
    if (status === 403) throw new SyncError('revoked', detail, { retry: false });
    if (status === 413) throw new SyncError('too_large', detail);
    if (status === 429) throw new SyncError('busy', detail);
    if (status === 400) throw new SyncError('rejected', detail, { retry: false });
    if (status >= 500) throw new SyncError('server', detail);
    throw new SyncError('other', detail);
  }

  /** Apply the server's answer, record by record (results are in the order of the records). */
  async function applyResults(batch, results) {
    let settled = 0;
    await writeStore('logs', async (store) => {
      for (let i = 0; i < batch.length; i += 1) {
        const item = batch[i];
        const result = results[i] || {};
        const entry = await promised(store.get(item.id));
        // Edited since it was sent: the newer revision is queued and will be sent on its own.
        if (!entry || entry.record.rev !== item.rev || entry.state !== 'sent') continue;
        if (['created', 'updated', 'unchanged'].includes(result.status)) {
          store.put({ ...entry, state: 'acknowledged', reason: null, errors: null, server: null,
            acked_rev: item.rev, acked_at: Date.now() });
          settled += 1;
        } else if (['stale', 'conflict', 'invalid'].includes(result.status)) {
          store.put({ ...entry, state: 'needs-attention', reason: result.status,
            errors: result.errors || null, server: result.current || null });
          settled += 1;
        } else {
          store.put({ ...entry, state: 'queued' }); // an answer we do not understand: keep it
        }
      }
    });
    changed();
    return settled;
  }

  // ---------------------------------------------------------------- PIN lock

  function toBase64(bytes) {
    return btoa(String.fromCharCode(...new Uint8Array(bytes)));
  }

  async function pinHash(pin, salt, iterations) {
    const key = await crypto.subtle.importKey(
      'raw', new TextEncoder().encode(asciiDigits(pin)), 'PBKDF2', false, ['deriveBits'],
    );
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256,
    );
    return toBase64(bits);
  }

  function pinAvailable() {
    return Boolean(globalThis.crypto && crypto.subtle);
  }

  async function hasPin() {
    return Boolean(await getKey('pin'));
  }

  /** Store a salted PBKDF2 hash of the PIN (never the PIN). */
  async function setPin(pin) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const hash = await pinHash(pin, salt, PIN_ITERATIONS);
    await putKey('pin', { salt: toBase64(salt), hash, iterations: PIN_ITERATIONS });
    markUnlocked();
  }

  async function checkPin(pin) {
    const stored = await getKey('pin');
    if (!stored) return true;
    const salt = Uint8Array.from(atob(stored.salt), (c) => c.charCodeAt(0));
    const ok = (await pinHash(pin, salt, stored.iterations)) === stored.hash;
    if (ok) markUnlocked();
    return ok;
  }

  async function clearPin() {
    await writeStore('device', (store) => promised(store.delete('pin')));
    changed();
  }

  function markUnlocked() {
    sessionStorage.setItem(UNLOCK_KEY, String(Date.now()));
  }

  function lockNow() {
    sessionStorage.removeItem(UNLOCK_KEY);
  }

  /** Unlocked in this tab within the last 15 minutes of use. */
  function isUnlocked() {
    const at = Number(sessionStorage.getItem(UNLOCK_KEY) || 0);
    return Date.now() - at < UNLOCK_MS;
  }

  global.ToolkitOutbox = {
    STATES,
    RECORD_FIELDS,
    asciiDigits,
    nativeDigits,
    openDb,
    subscribe,
    getDevice,
    setDevice,
    normaliseCode,
    enrol,
    getFormDefaults,
    setFormDefaults,
    allLogs,
    getLog,
    saveLog,
    sameRecord,
    restoreLog,
    voidLog,
    resolveStale,
    pick,
    exportUnsent,
    pruneAcknowledged,
    syncSummary,
    SyncError,
    sync,
    syncWhenOnline,
    pinAvailable,
    hasPin,
    setPin,
    checkPin,
    clearPin,
    markUnlocked,
    lockNow,
    isUnlocked,
    requestBackgroundSync,
    syncInWorker,
    getElsewhere,
    SYNC_TAG,
  };
})(globalThis);
