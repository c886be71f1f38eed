// The phone's outbox, storage: IndexedDB (the logs and the device's keys) and change notices.
//
// Stores: "logs" (one entry per log: {id, record, state, reason, errors, server, sent_rev, ...}) and
// "device" (key/value: the enrolment, the sync status, the form defaults, the PIN hash).
// The service worker loads this, logs.js and sending.js only: what sending needs and no more.
// A plain ES module, imported by the pages and by the service worker (a module worker).

const DB_NAME = 'toolkit';
const DB_VERSION = 1;

let dbPromise = null;

export function promised(request) {
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

export function openDb() {
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

export function readStore(name, fn) {
  return inTransaction(name, 'readonly', fn);
}

export function writeStore(name, fn) {
  return inTransaction(name, 'readwrite', fn);
}

export async function getKey(key) {
  return readStore('device', (store) => promised(store.get(key)));
}

export async function putKey(key, value) {
  await writeStore('device', (store) => promised(store.put(value, key)));
  changed();
}

// ---------------------------------------------------------------- change notices (this and other tabs)

const listeners = new Set();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('toolkit-outbox') : null;
if (channel) channel.onmessage = () => listeners.forEach((fn) => fn());

export function changed() {
  listeners.forEach((fn) => fn());
  if (channel) channel.postMessage('changed');
}

/** Call `fn` whenever logs, the enrolment or the sync status change, in this tab or another. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Now, as the contract writes times: "2026-11-20T10:06:00Z". */
export function nowIso() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The enrolment: {token, device_id, facilitator: {id, name, country}, server, enrolled_at} or null. */
export async function getDevice() {
  return (await getKey('enrolment')) || null;
}
