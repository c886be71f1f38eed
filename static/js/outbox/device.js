// The phone's outbox, the device: enrolling it with a one-time code, the form's defaults, and the
// PIN lock (a salted PBKDF2 hash on the phone, unlocked per tab for a while).

import { asciiDigits } from '../digits.js';
import { SyncError, postJson } from './sending.js';
import { changed, getDevice, getKey, nowIso, promised, putKey, writeStore } from './store.js';

export async function setDevice(device) {
  await putKey('enrolment', { ...device, enrolled_at: nowIso() });
}

/** A code as typed (४/۴ digits, spaces, lower case) as the server's letters: "ACDE-FGHJ". */
export function normaliseCode(code) {
  const raw = asciiDigits(code).toUpperCase().replace(/[\s\-\u2010\u2011\u2013]+/g, '');
  return raw.length === 8 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : raw;
}

/** Exchange a one-time code for a device token (POST /api/v1/enrol) and keep it on the phone. */
export async function enrol(code, lang) {
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
export async function getFormDefaults() {
  return (await getKey('form-defaults')) || null;
}

export async function setFormDefaults(defaults) {
  await writeStore('device', (store) => promised(store.put(defaults, 'form-defaults')));
}

// ---------------------------------------------------------------- PIN lock

const PIN_ITERATIONS = 150000;
const UNLOCK_KEY = 'toolkit.logbook.unlocked';
const UNLOCK_MS = 15 * 60 * 1000;

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

export function pinAvailable() {
  return Boolean(globalThis.crypto && crypto.subtle);
}

export async function hasPin() {
  return Boolean(await getKey('pin'));
}

/** Store a salted PBKDF2 hash of the PIN (never the PIN). */
export async function setPin(pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pinHash(pin, salt, PIN_ITERATIONS);
  await putKey('pin', { salt: toBase64(salt), hash, iterations: PIN_ITERATIONS });
  markUnlocked();
}

export async function checkPin(pin) {
  const stored = await getKey('pin');
  if (!stored) return true;
  const salt = Uint8Array.from(atob(stored.salt), (c) => c.charCodeAt(0));
  const ok = (await pinHash(pin, salt, stored.iterations)) === stored.hash;
  if (ok) markUnlocked();
  return ok;
}

export async function clearPin() {
  await writeStore('device', (store) => promised(store.delete('pin')));
  changed();
}

export function markUnlocked() {
  sessionStorage.setItem(UNLOCK_KEY, String(Date.now()));
}

export function lockNow() {
  sessionStorage.removeItem(UNLOCK_KEY);
}

/** Unlocked in this tab within the last 15 minutes of use. */
export function isUnlocked() {
  const at = Number(sessionStorage.getItem(UNLOCK_KEY) || 0);
  return Date.now() - at < UNLOCK_MS;
}
