// The logbook page (/<lang>/log and /<lang>/log/<id>): its data, its elements, how it writes.
//
// The page is the same for everyone (the service worker caches it). Guides, steps, districts and
// every message come from the page's JSON block, translated on the server, so the logbook works
// offline and needs no catalog of its own.

import { BS_MONTH_NAMES, adToBs } from '../bs-date.js';
import { nativeDigits } from '../digits.js';

export const root = document.querySelector('[data-logbook]');
export const DATA = JSON.parse(document.getElementById('logbook-data').textContent);
export const S = DATA.strings;
export const LANG = DATA.lang;
export const GUIDES = new Map(DATA.guides.map((guide) => [guide.slug, guide]));
const DAY_MS = 86400000;
export const LOG_PATH = new RegExp(`^/${LANG}/log/([0-9a-f-]{36})$`);

export const $ = (selector) => root.querySelector(selector);
export const form = $('[data-log-form]');
export const body = $('[data-logbook-body]');


export function say(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

export function digits(text) {
  return nativeDigits(text, LANG);
}

export function todayIso(offsetDays = 0) {
  const now = new Date(Date.now() + offsetDays * DAY_MS);
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A date as people read it: Gregorian, and Bikram Sambat before it where the language's calendar is
 * "bs" (Nepali; as show_date). */
export function showDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  const gregorian = digits(new Intl.DateTimeFormat(LANG, { dateStyle: 'medium', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d))));
  if (DATA.calendar !== 'bs') return gregorian;
  const bs = adToBs(iso);
  if (!bs) return gregorian;
  return `${digits(bs.day)} ${BS_MONTH_NAMES[bs.month - 1]} ${digits(bs.year)} वि.सं. (${gregorian})`;
}

export function showTime(iso) {
  if (!iso) return '';
  // A 24-hour clock: a 12-hour one writes "PM" in Latin letters in Urdu and Nepali.
  return digits(new Intl.DateTimeFormat(LANG, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' })
    .format(new Date(iso)));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** The log the form is about: the form, saving and the page's events read and change it. */
export const opened = {
  current: null, // the entry being edited, or null for a new log
  formBase: null, // the record the form was filled from: a save checks the phone still has it
  newId: null,
  prefillVersion: null, // ?content_version= of the session this new log is about
};
