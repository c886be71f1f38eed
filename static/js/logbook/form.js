// The logbook's form: the choices that depend on data, the Bikram Sambat date, filling it from a
// record and reading it back with the problems to fix before it is sent. The limits are the
// server's (record-rules.js), so the phone refuses what the server would.

import { BS_MONTH_NAMES, adToBs, bsToAd } from '../bs-date.js';
import { asciiDigits } from '../digits.js';
import { HELD_ON_DAYS_AHEAD, LIMITS, MAX_TEXT } from '../record-rules.js';
import { getDevice } from '../outbox/store.js';
import { $, DATA, GUIDES, LANG, S, digits, el, form, opened, say, todayIso } from './page.js';

export async function fillDistricts() {
  const select = form.elements.district;
  const device = await getDevice();
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

export function fillSteps(slug, checked = null) {
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

export function setupBsDate() {
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

export function setNumber(name, value) {
  form.elements[name].value = value === null || value === undefined ? '' : digits(value);
}

function setChecks(name, values) {
  for (const box of form.querySelectorAll(`input[name="${name}"]`)) box.checked = values.includes(box.value);
}

/** Put a record's fields in the form. */
export function fillForm(record) {
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

export function parseWhole(text) {
  const value = asciiDigits(String(text)).trim();
  if (value === '') return null;
  return /^\d+$/.test(value) ? Number(value) : NaN;
}

export function clearErrors() {
  for (const node of form.querySelectorAll('.field-error')) {
    node.hidden = true;
    node.textContent = '';
  }
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  const summary = $('[data-form-errors]');
  summary.hidden = true;
  summary.textContent = '';
}

export function showError(name, message) {
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
export function readForm() {
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
  else if (heldOn > todayIso(HELD_ON_DAYS_AHEAD)) errors.held_on = S.future_date;
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
    content_version: (opened.current && opened.current.record.content_version)
      || opened.prefillVersion || DATA.content_version,
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
    voided: opened.current ? Boolean(opened.current.record.voided) : false,
  };
  return { fields, errors };
}

export function showErrors(errors) {
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
