// The log form and the list of this phone's logs (/<lang>/log and /<lang>/log/<id>).
//
// The page is the same for everyone (the service worker caches it); this file fills it from
// IndexedDB through outbox.js. Guides, steps, districts and every message come from the page's JSON
// block, translated on the server, so this works offline and needs no catalog of its own.

import { BS_MONTH_NAMES, adToBs, bsToAd } from './bs-date.js';
import * as outbox from './outbox.js';
import { privacyFindings } from './privacy-check.js';

const { asciiDigits } = outbox;

// ---------------------------------------------------------------- page

const root = document.querySelector('[data-logbook]');
const DATA = JSON.parse(document.getElementById('logbook-data').textContent);
const S = DATA.strings;
const LANG = DATA.lang;
const GUIDES = new Map(DATA.guides.map((guide) => [guide.slug, guide]));
const DAY_MS = 86400000;
const LIMITS = { minutes: [1, 600], participants: [0, 500], returnees: [0, 500], referral: [0, 500] };
const MAX_TEXT = 2000;
const LOG_PATH = new RegExp(`^/${LANG}/log/([0-9a-f-]{36})$`);

const $ = (selector) => root.querySelector(selector);
const form = $('[data-log-form]');
const body = $('[data-logbook-body]');

let current = null; // the entry being edited, or null for a new log
let formBase = null; // the record the form was filled from: a save checks the phone still has it
let newId = null;
let prefillVersion = null; // ?content_version= of the session this new log is about
let saving = false;

function say(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

function digits(text) {
  return outbox.nativeDigits(text, DATA.digits);
}

function todayIso(offsetDays = 0) {
  const now = new Date(Date.now() + offsetDays * DAY_MS);
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A date as people read it: Gregorian, and Bikram Sambat before it where the language's calendar is
 * "bs" (Nepali; as show_date). */
function showDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  const gregorian = digits(new Intl.DateTimeFormat(LANG, { dateStyle: 'medium', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d))));
  if (DATA.calendar !== 'bs') return gregorian;
  const bs = adToBs(iso);
  if (!bs) return gregorian;
  return `${digits(bs.day)} ${BS_MONTH_NAMES[bs.month - 1]} ${digits(bs.year)} वि.सं. (${gregorian})`;
}

function showTime(iso) {
  if (!iso) return '';
  // A 24-hour clock: a 12-hour one writes "PM" in Latin letters in Urdu and Nepali.
  return digits(new Intl.DateTimeFormat(LANG, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' })
    .format(new Date(iso)));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// ---------------------------------------------------------------- form: options that depend on data

async function fillDistricts() {
  const select = form.elements.district;
  const device = await outbox.getDevice();
  const country = device && device.facilitator ? device.facilitator.country : DATA.country;
  const countries = country && DATA.districts[country] ? [country] : Object.keys(DATA.districts);
  const keep = select.value;
  select.querySelectorAll('option[value]:not([value=""]), optgroup').forEach((node) => node.remove());
  for (const code of countries) {
    const parent = countries.length > 1
      ? select.appendChild(el('optgroup', { label: DATA.countries[code] || code })) : select;
    // One country: group its districts by province, as people look for them (77 or 169 names).
    const groups = new Map();
    for (const [value, label, province] of DATA.districts[code]) {
      let group = parent;
      if (countries.length === 1 && province) {
        if (!groups.has(province)) groups.set(province, select.appendChild(el('optgroup', { label: province })));
        group = groups.get(province);
      }
      group.append(el('option', { value, text: label }));
    }
  }
  if (keep) select.value = keep;
}

function fillSteps(slug, checked = null) {
  const box = $('[data-steps]');
  box.replaceChildren();
  const guide = GUIDES.get(slug);
  if (!guide) {
    box.append(el('p', { class: 'hint', text: S.choose_guide_first }));
    return;
  }
  for (const [id, title] of guide.steps) {
    const input = el('input', { type: 'checkbox', name: 'steps_done', value: id });
    input.checked = checked ? checked.includes(id) : false;
    box.append(el('label', { class: 'check', lang: guide.lang }, input, ` ${title}`));
  }
}

function setupBsDate() {
  const group = $('[data-bs-date]');
  if (!group) return;
  const year = group.querySelector('[data-bs-year]');
  const month = group.querySelector('[data-bs-month]');
  const day = group.querySelector('[data-bs-day]');
  BS_MONTH_NAMES.forEach((name, index) => month.append(el('option', { value: index + 1, text: name })));
  const ad = form.elements.held_on;
  const fromAd = () => {
    const bs = ad.value ? adToBs(ad.value) : null;
    year.value = bs ? digits(bs.year) : '';
    month.value = bs ? String(bs.month) : '1';
    day.value = bs ? digits(bs.day) : '';
  };
  // The stored date is always the one the BS fields show: a day that does not exist, or a date
  // still being typed, empties the AD date (so Save is blocked) instead of keeping an older value.
  const toAd = () => {
    const { iso, problem } = bsFields();
    ad.value = iso || '';
    showError('bs_date', problem ? S.bad_date : '');
  };
  ad.addEventListener('input', fromAd);
  ad.addEventListener('change', fromAd);
  for (const input of [year, month, day]) {
    input.addEventListener('change', toAd);
    input.addEventListener('input', toAd);
  }
  form.addEventListener('filled', fromAd);
}

/** The Bikram Sambat fields (Nepali page) as {iso, problem}; problem when filled in but not a day. */
function bsFields() {
  const group = $('[data-bs-date]');
  if (!group) return { iso: null, problem: false, present: false };
  const year = asciiDigits(group.querySelector('[data-bs-year]').value).trim();
  const month = group.querySelector('[data-bs-month]').value;
  const day = asciiDigits(group.querySelector('[data-bs-day]').value).trim();
  if (!year && !day) return { iso: null, problem: false, present: true };
  const iso = /^\d{4}$/.test(year) && /^\d{1,2}$/.test(day)
    ? bsToAd(Number(year), Number(month), Number(day)) : null;
  return { iso, problem: !iso, present: true };
}

// ---------------------------------------------------------------- form: fill and read

function setNumber(name, value) {
  form.elements[name].value = value === null || value === undefined ? '' : digits(value);
}

function setChecks(name, values) {
  for (const box of form.querySelectorAll(`input[name="${name}"]`)) box.checked = values.includes(box.value);
}

/** Put a record's fields in the form. */
function fillForm(record) {
  form.reset();
  clearErrors();
  form.elements.guide.value = record.guide || '';
  fillSteps(record.guide, record.steps_done || []);
  form.elements.held_on.value = record.held_on || '';
  setNumber('minutes', record.minutes);
  form.elements.district.value = record.district || '';
  form.elements.venue_type.value = record.venue_type || '';
  setNumber('participants', record.participants);
  setNumber('returnees', record.returnees);
  setChecks('themes', record.themes || []);
  setChecks('requested', record.requested || []);
  for (const input of form.querySelectorAll('[data-referral]')) {
    const count = (record.referrals || {})[input.dataset.referral];
    input.value = count ? digits(count) : '';
  }
  form.elements.market_info.value = record.market_info || '';
  form.elements.notes.value = record.notes || '';
  form.dispatchEvent(new Event('filled'));
}

/** A new log: today's date, remembered district and place, and the query's prefill. */
async function newForm(query = null) {
  current = null;
  formBase = null;
  newId = crypto.randomUUID();
  prefillVersion = null;
  const defaults = (await rememberedDefaults()) || {};
  const record = {
    held_on: todayIso(),
    district: defaults.district || '',
    venue_type: defaults.venue_type || '',
  };
  if (query) {
    const guide = query.get('guide');
    if (guide && GUIDES.has(guide)) {
      record.guide = guide;
      const all = GUIDES.get(guide).steps.map(([id]) => id);
      const list = (name) => (query.get(name) || '').split(',').map((s) => s.trim()).filter(Boolean);
      const done = list('steps_done');
      const skipped = list('skipped');
      if (done.length) record.steps_done = done.filter((id) => !skipped.includes(id));
      else if (skipped.length) record.steps_done = all.filter((id) => !skipped.includes(id));
    }
    const heldOn = query.get('held_on') || '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(heldOn)) record.held_on = heldOn;
    const minutes = parseWhole(query.get('minutes') || '');
    if (Number.isInteger(minutes)) record.minutes = minutes;
    if (query.get('content_version')) prefillVersion = query.get('content_version');
  }
  fillForm(record);
  if (!record.minutes) form.elements.minutes.value = '';
  showEditing(null);
}

function parseWhole(text) {
  const value = asciiDigits(String(text)).trim();
  if (value === '') return null;
  return /^\d+$/.test(value) ? Number(value) : NaN;
}

function clearErrors() {
  for (const node of form.querySelectorAll('.field-error')) {
    node.hidden = true;
    node.textContent = '';
  }
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  const summary = $('[data-form-errors]');
  summary.hidden = true;
  summary.textContent = '';
}

function showError(name, message) {
  const node = form.querySelector(`#err-${CSS.escape(name)}`);
  if (!node) return false;
  node.textContent = message || '';
  node.hidden = !message;
  const input = form.querySelector(`#f-${CSS.escape(name)}`);
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  return true;
}

/** The form as a record's fields, and the problems a user must fix before it is sent. */
function readForm() {
  const errors = {};
  const f = form.elements;
  const number = (name, [low, high], required, key = name) => {
    const value = parseWhole(f[name].value);
    if (value === null) {
      if (required) errors[key] = say(S.range, { min: digits(low), max: digits(high) });
      return null;
    }
    if (Number.isNaN(value)) {
      errors[key] = S.whole_number;
      return null;
    }
    if (value < low || value > high) {
      errors[key] = say(S.range, { min: digits(low), max: digits(high) });
    }
    return value;
  };
  const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)]
    .map((box) => box.value);
  const text = (name) => {
    const value = f[name].value.trim();
    if (value.length > MAX_TEXT) errors[name] = say(S.too_long, { max: digits(MAX_TEXT) });
    return value;
  };

  const guide = f.guide.value;
  if (!guide) errors.guide = S.required_guide;
  const heldOn = f.held_on.value;
  const bs = bsFields();
  // Never store a date other than the one shown: a BS date must be a real day and equal the AD one.
  if (bs.problem || (bs.iso && bs.iso !== heldOn)) errors.bs_date = S.bad_date;
  else if (!heldOn) errors.held_on = S.required_date;
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(heldOn)) errors.held_on = S.bad_date;
  else if (heldOn > todayIso(1)) errors.held_on = S.future_date;
  const minutes = number('minutes', LIMITS.minutes, true);
  if (!f.district.value) errors.district = S.required_district;
  if (!f.venue_type.value) errors.venue_type = S.required_venue;
  const participants = number('participants', LIMITS.participants, true);
  const returnees = number('returnees', LIMITS.returnees, false);
  if (returnees !== null && Number.isInteger(participants) && returnees > participants) {
    errors.returnees = S.returnees_more;
  }
  const referrals = {};
  for (const input of form.querySelectorAll('[data-referral]')) {
    const code = input.dataset.referral;
    const count = number(input.name, LIMITS.referral, false, input.name);
    if (Number.isInteger(count) && count > 0) referrals[code] = count;
  }
  const clean = (value) => (Number.isInteger(value) ? value : null);
  const fields = {
    guide,
    lang: LANG,
    content_version: (current && current.record.content_version)
      || prefillVersion || DATA.content_version,
    app_version: DATA.app_version,
    held_on: heldOn,
    minutes: clean(minutes),
    district: f.district.value,
    venue_type: f.venue_type.value,
    participants: clean(participants),
    returnees: clean(returnees),
    steps_done: checked('steps_done'),
    themes: checked('themes'),
    requested: checked('requested'),
    referrals,
    market_info: text('market_info'),
    notes: text('notes'),
    voided: current ? Boolean(current.record.voided) : false,
  };
  return { fields, errors };
}

function showErrors(errors) {
  clearErrors();
  const names = Object.keys(errors);
  if (!names.length) return;
  for (const name of names) {
    if (!showError(name, errors[name])) showError('referrals', errors[name]);
  }
  const summary = $('[data-form-errors]');
  summary.textContent = S.fix_fields;
  summary.hidden = false;
  const first = form.querySelector('[aria-invalid="true"]') || summary;
  first.focus();
}

// ---------------------------------------------------------------- dialogs

function confirmDialog({ title, bodyText, items = [], ok, cancel, danger = false }) {
  const dialog = root.querySelector('[data-confirm]');
  dialog.querySelector('[data-confirm-title]').textContent = title;
  dialog.querySelector('[data-confirm-body]').textContent = bodyText;
  const list = dialog.querySelector('[data-confirm-matches]');
  list.replaceChildren(...items.map(([label, value]) => el('li', {},
    el('span', { text: `${label} ` }), el('strong', { dir: 'auto', text: value }))));
  list.hidden = items.length === 0;
  const okButton = dialog.querySelector('[data-confirm-ok]');
  const cancelButton = dialog.querySelector('[data-confirm-cancel]');
  okButton.textContent = ok;
  okButton.classList.toggle('danger', danger);
  cancelButton.textContent = cancel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      okButton.onclick = null;
      cancelButton.onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    okButton.onclick = () => finish(true);
    cancelButton.onclick = () => finish(false);
    dialog.onclose = () => finish(false);
    dialog.showModal();
    cancelButton.focus();
  });
}

/** Warn before text that may identify someone leaves the phone; true when she confirms. */
async function privacyConfirmed(fields) {
  const items = [];
  for (const text of [fields.market_info, fields.notes]) {
    const found = privacyFindings(text);
    for (const phone of found.phones) items.push([S.privacy_phone, phone]);
    for (const name of found.names) items.push([S.privacy_name, name]);
  }
  if (!items.length) return true;
  return confirmDialog({
    title: S.privacy_title,
    bodyText: S.privacy_body,
    items,
    ok: S.privacy_confirm,
    cancel: S.privacy_back,
  });
}

// ---------------------------------------------------------------- saving

function message(text) {
  const node = $('[data-form-message]');
  node.textContent = text;
}

async function rememberedDefaults() {
  try {
    return await outbox.getFormDefaults();
  } catch {
    return null;
  }
}

async function save(state) {
  if (saving) return;
  saving = true;
  try {
    await saveOnce(state);
  } finally {
    saving = false;
  }
}

async function saveOnce(state) {
  const { fields, errors } = readForm();
  if (state === 'queued') {
    if (Object.keys(errors).length) {
      showErrors(errors);
      return;
    }
    if (!(await privacyConfirmed(fields))) {
      form.elements.notes.focus();
      return;
    }
  }
  clearErrors();
  const id = current ? current.id : newId;
  try {
    const saved = await outbox.saveLog(id, fields, state, current ? formBase : undefined);
    if (saved && saved.conflict) {
      showTabConflict(fields, saved.conflict, state);
      return;
    }
    await outbox.setFormDefaults({ district: fields.district, venue_type: fields.venue_type });
  } catch (error) {
    message(say(S.storage_error, { error: error.message || String(error) }));
    return;
  }
  prefillVersion = null;
  await goTo(null, { push: Boolean(current), replace: !current });
  message(state === 'queued' ? S.saved : S.draft_saved);
  window.scrollTo(0, 0);
  await renderList();
  if (state === 'queued') outbox.sync();
}

async function voidCurrent() {
  if (!current) return;
  // Two different verbs on an action that hides a log: "Keep the log" / "Void this log".
  const sure = await confirmDialog({
    title: S.void_yes, bodyText: S.void_confirm, ok: S.void_yes, cancel: S.keep_log, danger: true,
  });
  if (!sure) return;
  await outbox.voidLog(current.id);
  await goTo(null, { push: true });
  message(S.voided_done);
  await renderList();
  outbox.sync();
}

async function restoreCurrent() {
  if (!current) return;
  const id = current.id;
  await outbox.restoreLog(id);
  await openLog(id);
  message(S.restored_done);
  await renderList();
  outbox.sync();
}

/** Another tab saved this log after the form was filled: show both, save nothing until she picks. */
function showTabConflict(typed, saved, state) {
  const box = $('[data-attention]');
  box.replaceChildren();
  box.hidden = false;
  box.dataset.reason = 'other-tab';
  box.append(el('p', { class: 'reason', text: S.other_tab }));
  box.append(compareVersions(typed, saved.record, S.saved_version));
  const mine = el('button', { type: 'button', 'data-keep-typed': true, text: S.keep_typed });
  const theirs = el('button', { type: 'button', class: 'secondary', 'data-take-saved': true, text: S.take_saved });
  mine.onclick = async () => {
    formBase = outbox.pick(saved.record);
    current = saved;
    await save(state);
  };
  theirs.onclick = async () => {
    await openLog(saved.id);
  };
  box.append(el('div', { class: 'actions' }, mine, theirs));
  box.scrollIntoView({ block: 'start' });
}

/** A voided log opens read-only, with a clear marker and "Restore this log". */
function showVoided(entry) {
  const voided = Boolean(entry && entry.record.voided);
  for (const control of form.elements) control.disabled = voided;
  const marker = $('[data-voided-marker]');
  marker.hidden = !voided;
  marker.textContent = voided ? S.voided_marker : '';
  $('[data-restore]').hidden = !voided;
  root.dataset.voided = String(voided);
}

// ---------------------------------------------------------------- one open log

function showEditing(entry) {
  const note = $('[data-editing]');
  note.hidden = !entry;
  note.textContent = entry ? `${S.editing}: ${stateText(entry)}` : '';
  form.querySelector('[data-void]').hidden = !entry || Boolean(entry.record.voided);
  form.querySelector('[data-new-log]').hidden = !entry;
  showVoided(entry);
  const box = $('[data-attention]');
  delete box.dataset.reason;
  box.replaceChildren();
  box.hidden = !(entry && entry.state === 'needs-attention');
  if (box.hidden) return;
  box.append(el('p', { class: 'reason', text: S[`reason_${entry.reason}`] || S['state_needs-attention'] }));
  if (entry.errors) {
    const list = el('ul');
    for (const [name, text] of Object.entries(entry.errors)) {
      const label = form.querySelector(`label[for="f-${CSS.escape(name)}"]`);
      list.append(el('li', {}, el('strong', { text: `${label ? label.textContent : name}: ` }), text));
      showError(name, text);
    }
    box.append(list);
  }
  if (entry.server && entry.reason === 'stale') {
    box.append(compareVersions(entry.record, entry.server));
    const mine = el('button', { type: 'button', text: S.keep_mine });
    const theirs = el('button', { type: 'button', class: 'secondary', text: S.take_server });
    mine.onclick = async () => {
      await outbox.resolveStale(entry.id, 'mine');
      await openLog(entry.id);
      outbox.sync();
    };
    theirs.onclick = async () => {
      await outbox.resolveStale(entry.id, 'server');
      await openLog(entry.id);
    };
    box.append(el('div', { class: 'actions' }, mine, theirs));
  }
}

function compareVersions(mine, theirs, theirsLabel = S.server_version) {
  const table = el('table', { class: 'compare' });
  table.append(el('tr', {}, el('th', { text: '' }), el('th', { text: S.your_version }),
    el('th', { text: theirsLabel })));
  const show = (value) => (typeof value === 'object' && value !== null ? JSON.stringify(value)
    : digits(value === null || value === undefined ? '' : String(value)));
  for (const key of outbox.RECORD_FIELDS) {
    if (['id', 'rev', 'created_at', 'updated_at', 'app_version'].includes(key)) continue;
    if (JSON.stringify(mine[key]) === JSON.stringify(theirs[key])) continue;
    const label = form.querySelector(`label[for="f-${CSS.escape(key)}"]`);
    table.append(el('tr', {}, el('th', { text: label ? label.textContent : key }),
      el('td', { dir: 'auto', text: show(mine[key]) }), el('td', { dir: 'auto', text: show(theirs[key]) })));
  }
  return table;
}

async function openLog(id) {
  const entry = await outbox.getLog(id);
  if (!entry) {
    await newForm();
    message(S.not_found);
    return;
  }
  current = entry;
  formBase = outbox.pick(entry.record);
  fillForm(entry.record);
  showEditing(entry);
}

/** Show a log (id) or a new form (null) without reloading: this works offline too. */
async function goTo(id, { push = false, replace = false } = {}) {
  const path = id ? `/${LANG}/log/${id}` : `/${LANG}/log`;
  if (push && location.pathname !== path) history.pushState({}, '', path);
  else if (replace) history.replaceState({}, '', path);
  message('');
  if (id) await openLog(id);
  else await newForm();
}

// ---------------------------------------------------------------- the list

function stateText(entry) {
  return S[`state_${entry.state}`] || entry.state;
}

async function renderList() {
  const list = $('[data-log-list]');
  const entries = await outbox.allLogs();
  list.replaceChildren();
  if (!entries.length) {
    list.append(el('li', { class: 'empty', text: S.no_logs }));
    return;
  }
  for (const entry of entries) {
    const record = entry.record;
    const guide = GUIDES.get(record.guide);
    const link = el('a', { href: `/${LANG}/log/${entry.id}`, 'data-open': entry.id },
      el('span', { class: 'log-title', text: guide ? guide.title : (record.guide || '…') }));
    const meta = el('span', { class: 'log-meta' }, showDate(record.held_on));
    if (Number.isInteger(record.participants)) {
      meta.append(`${DATA.separator}${say(S.participants_n, { n: digits(record.participants) })}`);
    }
    const badges = el('span', { class: 'log-badges' },
      el('span', { class: `badge state-${entry.state}`, 'data-state': entry.state, text: stateText(entry) }));
    if (record.voided) badges.append(' ', el('span', { class: 'badge voided', text: S.voided }));
    const item = el('li', { class: 'log-item', 'data-log-id': entry.id, 'data-rev': record.rev },
      link, meta, badges);
    if (entry.state === 'needs-attention') {
      item.append(el('span', { class: 'log-reason', text: S[`reason_${entry.reason}`] || '' }));
    }
    list.append(item);
  }
}

// ---------------------------------------------------------------- sync status

const ERROR_TEXT = {
  offline: 'err_offline', network: 'err_network', timeout: 'err_timeout', server: 'err_server',
  busy: 'err_busy', token: 'err_token', revoked: 'err_revoked', too_large: 'err_too_large',
  rejected: 'err_rejected', other: 'err_other',
};

async function renderStatus() {
  const bar = document.querySelector('[data-sync-status]');
  const summary = await outbox.syncSummary();
  const device = summary.device;
  bar.querySelector('[data-sync-device]').textContent = device && device.facilitator
    ? say(S.enrolled_as, { name: device.facilitator.name }) : S.not_enrolled;
  bar.querySelector('[data-sync-enrol]').hidden = Boolean(device);
  const parts = [];
  if (summary.syncing) parts.push(S.syncing);
  if (summary.pending) parts.push(say(S.pending, { n: digits(summary.pending) }));
  if (summary.attention) parts.push(say(S.attention, { n: digits(summary.attention) }));
  if (!summary.pending && !summary.attention && !summary.syncing && summary.lastSuccessAt) {
    parts.push(S.all_sent);
  }
  parts.push(summary.lastSuccessAt ? say(S.last_sync, { time: showTime(summary.lastSuccessAt) })
    : S.never_synced);
  const summaryNode = bar.querySelector('[data-sync-summary]');
  summaryNode.textContent = parts.join(DATA.separator);
  summaryNode.dataset.pending = summary.pending;
  const errorNode = bar.querySelector('[data-sync-error]');
  const error = summary.lastError;
  if (error && (summary.pending || ['token', 'revoked', 'rejected'].includes(error.code))) {
    let text = say(S[ERROR_TEXT[error.code] || 'err_other'], { error: error.detail });
    if (summary.nextTryAt && !summary.syncing) {
      text += ` ${say(S.next_try, { time: showTime(summary.nextTryAt) })}`;
    }
    errorNode.textContent = text;
    errorNode.dataset.code = error.code;
    errorNode.hidden = false;
  } else {
    errorNode.hidden = true;
    errorNode.textContent = '';
    delete errorNode.dataset.code;
  }
}

// ---------------------------------------------------------------- export

async function exportUnsent() {
  const note = $('[data-export-message]');
  const data = await outbox.exportUnsent();
  if (!data.records.length) {
    note.textContent = S.export_none;
    return;
  }
  const blob = new Blob([JSON.stringify(data, null, 1)], { type: 'application/json' });
  const link = el('a', { href: URL.createObjectURL(blob), download: `unsent-logs-${todayIso()}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  note.textContent = say(S.export_done, { n: digits(data.records.length) });
}

// ---------------------------------------------------------------- PIN lock

async function applyLock() {
  const locked = (await outbox.hasPin()) && !outbox.isUnlocked();
  $('[data-lock]').hidden = !locked;
  body.hidden = locked;
  if (locked) {
    $('[data-log-list]').replaceChildren(); // nothing of the logs stays in the page
    $('#unlock-pin').focus();
  }
  const hasPin = await outbox.hasPin();
  $('[data-pin-lock]').hidden = !hasPin;
  $('[data-pin-remove]').hidden = !hasPin;
  return locked;
}

function setupPin() {
  const unlock = $('[data-unlock-form]');
  unlock.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = unlock.elements.pin;
    const error = $('#unlock-error');
    if (await outbox.checkPin(input.value)) {
      input.value = '';
      error.hidden = true;
      await applyLock();
      await start();
    } else {
      error.textContent = S.pin_wrong;
      error.hidden = false;
      input.select();
    }
  });
  const pinForm = $('[data-pin-form]');
  const note = $('[data-pin-message]');
  pinForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!outbox.pinAvailable()) {
      note.textContent = S.pin_unavailable;
      return;
    }
    const pin = asciiDigits(pinForm.elements.pin.value.trim());
    if (!/^\d{4,8}$/.test(pin)) {
      note.textContent = S.pin_rules;
      return;
    }
    if (pin !== asciiDigits(pinForm.elements.pin_again.value.trim())) {
      note.textContent = S.pin_mismatch;
      return;
    }
    await outbox.setPin(pin);
    pinForm.reset();
    note.textContent = S.pin_set;
    await applyLock();
  });
  $('[data-pin-remove]').addEventListener('click', async () => {
    await outbox.clearPin();
    note.textContent = S.pin_removed;
    await applyLock();
  });
  $('[data-pin-lock]').addEventListener('click', async () => {
    outbox.lockNow();
    await applyLock();
  });
  // Using the logbook keeps it open; 15 minutes untouched locks it again.
  for (const type of ['input', 'click', 'keydown']) {
    body.addEventListener(type, () => { if (outbox.isUnlocked()) outbox.markUnlocked(); }, { passive: true });
  }
}

// ---------------------------------------------------------------- start

let started = false;

async function start() {
  if (started) return;
  started = true;
  await fillDistricts();
  const match = location.pathname.match(LOG_PATH);
  if (match) await openLog(match[1]);
  else await newForm(new URLSearchParams(location.search));
  await renderList();
  outbox.pruneAcknowledged().catch(() => {});
}

function wire() {
  form.elements.guide.addEventListener('change', () => {
    const slug = form.elements.guide.value;
    fillSteps(slug);
    const guide = GUIDES.get(slug);
    if (guide && !form.elements.minutes.value) setNumber('minutes', guide.minutes);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save('queued');
  });
  form.querySelector('[data-save-draft]').addEventListener('click', () => save('draft'));
  form.querySelector('[data-void]').addEventListener('click', voidCurrent);
  $('[data-restore]').addEventListener('click', restoreCurrent);
  form.querySelector('[data-new-log]').addEventListener('click', (event) => {
    event.preventDefault();
    goTo(null, { push: true });
  });
  $('[data-log-list]').addEventListener('click', (event) => {
    const link = event.target.closest('[data-open]');
    if (!link) return;
    event.preventDefault();
    goTo(link.dataset.open, { push: true });
    window.scrollTo(0, 0);
  });
  window.addEventListener('popstate', () => {
    const found = location.pathname.match(LOG_PATH);
    goTo(found ? found[1] : null);
  });
  $('[data-sync-now]').addEventListener('click', () => outbox.syncWhenOnline());
  $('[data-export]').addEventListener('click', exportUnsent);
  window.addEventListener('online', () => outbox.syncWhenOnline());
  window.addEventListener('offline', renderStatus);
  let deviceId = null;
  outbox.subscribe(async () => {
    await renderStatus();
    const device = await outbox.getDevice();
    if ((device && device.device_id) !== deviceId) { // enrolled in another tab: her country's districts
      deviceId = device && device.device_id;
      await fillDistricts();
    }
    if (!body.hidden && started) await renderList();
    if (current) {
      const fresh = await outbox.getLog(current.id);
      if (fresh && formBase && !outbox.sameRecord(fresh.record, formBase)) {
        // Saved from another tab while this form is open: say so now, with both versions.
        const { fields } = readForm();
        showTabConflict(fields, fresh, current.state === 'draft' ? 'draft' : 'queued');
      } else if (fresh && fresh.state !== current.state) {
        current = fresh;
        showEditing(fresh);
      }
    }
  });
}

async function main() {
  setupBsDate();
  setupPin();
  wire();
  await renderStatus();
  if (!(await applyLock())) await start();
  root.dataset.ready = 'true';
  outbox.sync();
}

main();
