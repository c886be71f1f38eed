// The phone's outbox, what was asked elsewhere: the server's theme counts, kept for offline pages.

import { getKey, putKey } from './store.js';

const ELSEWHERE_URL = '/api/v1/themes';
const ELSEWHERE_MAX_AGE_MS = 60 * 60 * 1000;

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
