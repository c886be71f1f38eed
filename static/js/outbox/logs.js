// The phone's outbox, the logs: save, void, restore, settle a stale log, export, prune.
//
// A log that has ever been put in a request gets rev+1 when edited, so the server never sees two
// different contents under one (id, rev). The record's fields are the server's (record-rules.js).
// A log queued while offline asks for Background Sync: the service worker sends it when the
// connection returns, even with every page of the app closed.

import { RECORD_FIELDS } from '../record-rules.js';
import { changed, getDevice, nowIso, promised, readStore, writeStore } from './store.js';

const RETENTION_DAYS = 180; // acknowledged logs stay listed this long
export const SYNC_TAG = 'toolkit-outbox'; // the Background Sync tag sw.js listens for

/**
 * Ask the browser to wake the service worker when the connection returns (Background Sync, where
 * supported), so queued logs leave even if every page of the app is closed by then. Asked only
 * while offline: online, the open page sends and retries itself (one sender, one backoff).
 */
export async function requestBackgroundSync() {
  try {
    const registration = globalThis.registration // in the service worker itself
      || (navigator.serviceWorker && (await navigator.serviceWorker.getRegistration('/')));
    if (!registration || !registration.sync) return false;
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch {
    return false; // not supported, or not allowed: the pages' own triggers still send
  }
}

export async function allLogs() {
  const entries = await readStore('logs', (store) => promised(store.getAll()));
  return entries.sort((a, b) => (b.record.held_on || '').localeCompare(a.record.held_on || '')
    || (b.record.updated_at || '').localeCompare(a.record.updated_at || ''));
}

export async function getLog(id) {
  return (await readStore('logs', (store) => promised(store.get(id)))) || null;
}

/**
 * Save a log from the form. `fields` are the contract fields except id/rev/created/updated.
 * state: "draft" (stays on the phone) or "queued" (to be sent). A log that has ever been put in a
 * request gets rev+1, so the server never sees two different contents under one (id, rev).
 */
export async function saveLog(id, fields, state, base = undefined) {
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
export function sameRecord(a, b) {
  return JSON.stringify(pick(a || {})) === JSON.stringify(pick(b || {}));
}

/** Restore a voided log: a new revision with voided=false (the voided one stays in the history). */
export async function restoreLog(id) {
  const entry = await getLog(id);
  if (!entry) return null;
  const { id: _id, rev: _rev, created_at: _c, updated_at: _u, ...fields } = entry.record;
  return saveLog(id, { ...fields, voided: false }, entry.state === 'draft' ? 'draft' : 'queued');
}

/** Void a log entered by mistake: a new revision with voided=true, never a deletion. */
export async function voidLog(id) {
  const entry = await getLog(id);
  if (!entry) return null;
  const { id: _id, rev: _rev, created_at: _c, updated_at: _u, ...fields } = entry.record;
  return saveLog(id, { ...fields, voided: true }, entry.state === 'draft' ? 'draft' : 'queued');
}

/** Settle a stale log: send her edit over the server's (rev above the server's), or take theirs. */
export async function resolveStale(id, choice) {
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
export function pick(record) {
  const out = {};
  for (const key of RECORD_FIELDS) if (key in record) out[key] = record[key];
  return out;
}

/** The logs not yet received by the server, as the contract's export file. */
export async function exportUnsent() {
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
export async function pruneAcknowledged(now = Date.now()) {
  const limit = now - RETENTION_DAYS * 24 * 3600 * 1000;
  await writeStore('logs', async (store) => {
    const entries = await promised(store.index('state').getAll('acknowledged'));
    for (const entry of entries) {
      if (entry.acked_at && entry.acked_at < limit) store.delete(entry.id);
    }
  });
}
