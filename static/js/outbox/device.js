// The phone's outbox, the device: its enrolment (token, facilitator) and the form's defaults.

import { asciiDigits } from '../digits.js';
import { getKey, nowIso, promised, putKey, writeStore } from './store.js';
import { SyncError, postJson } from './http.js';

/** {token, device_id, facilitator: {id, name, country}, server, enrolled_at} or null. */
export async function getDevice() {
  return (await getKey('enrolment')) || null;
}

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
