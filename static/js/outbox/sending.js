// The phone's outbox, sending: batches to POST /api/v1/sync, the server's answers, retries, status.
//
// A log reaches the server exactly once whatever the network does, because the server is idempotent
// on (id, rev, content) and this file never marks a log as received unless the server said so for
// that very revision. A timeout, a dropped connection or an error answer leaves the log queued.
// The pages and the service worker (Background Sync) send with this very code. After a sync, the
// server's counts of what was asked elsewhere are kept for the pages to show offline.

import { MAX_BATCH_BYTES, MAX_RECORDS } from '../record-rules.js';
import { allLogs, pick, requestBackgroundSync } from './logs.js';
import { changed, getDevice, getKey, nowIso, promised, putKey, writeStore } from './store.js';

const SYNC_URL = '/api/v1/sync';
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
const ELSEWHERE_URL = '/api/v1/themes';
const ELSEWHERE_MAX_AGE_MS = 60 * 60 * 1000;

let running = null; // this tab's sync in progress
let again = false; // a trigger arrived while syncing: run once more afterwards
let attempt = 0; // failed attempts in a row, for the backoff
let retryTimer = null;
let batchLimit = MAX_RECORDS;

function timeoutMs() {
  return globalThis.TOOLKIT_SYNC_TIMEOUT_MS || 30000;
}

export class SyncError extends Error {
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
export async function postJson(url, headers, payload) {
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

/** {pending, attention, drafts, lastSuccessAt, lastError, nextTryAt, syncing, device} */
export async function syncSummary() {
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

/**
 * Send every queued log. Runs on page load, on `online`, after a save and on "Sync now".
 * One sync at a time across tabs (Web Locks); the server is idempotent anyway.
 */
export function sync() {
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

/** The service worker's "sync" event: send the outbox; fail (so the browser retries) on error. */
export async function syncInWorker() {
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
export function syncWhenOnline() {
  attempt = 0;
  return sync();
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

/** Mark up to MAX_RECORDS queued logs (≤ MAX_BATCH_BYTES) as "sent"; return [{id, rev, record}]. */
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

/**
 * What women in other sessions asked about (toolkit/elsewhere.py): the server's suppressed theme
 * counts for her country and district, kept on the phone so the pages show them offline. Asked
 * after a sync that sent something, or when the saved answer is over an hour old.
 */
export async function refreshElsewhere(device, sent) {
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

export async function getElsewhere() {
  return (await getKey('elsewhere')) || null;
}
