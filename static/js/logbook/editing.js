// The logbook's open log: confirming, saving, voiding and restoring it, and the choice she makes
// when two versions of it meet (another tab saved it, or the server has a newer one).

import { privacyFindings } from '../privacy-check.js';
import { RECORD_FIELDS } from '../record-rules.js';
import { getFormDefaults, setFormDefaults } from '../outbox/device.js';
import { getLog, pick, resolveStale, restoreLog, saveLog, voidLog } from '../outbox/logs.js';
import { sync } from '../outbox/sending.js';
import { clearErrors, fillForm, parseWhole, readForm, showError, showErrors } from './form.js';
import { renderList, stateText } from './list.js';
import { $, GUIDES, LANG, S, digits, el, form, opened, root, say, todayIso } from './page.js';

let saving = false;

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

function message(text) {
  const node = $('[data-form-message]');
  node.textContent = text;
}

async function rememberedDefaults() {
  try {
    return await getFormDefaults();
  } catch {
    return null;
  }
}

export async function save(state) {
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
  const id = opened.current ? opened.current.id : opened.newId;
  try {
    const saved = await saveLog(id, fields, state, opened.current ? opened.formBase : undefined);
    if (saved && saved.conflict) {
      showTabConflict(fields, saved.conflict, state);
      return;
    }
    await setFormDefaults({ district: fields.district, venue_type: fields.venue_type });
  } catch (error) {
    message(say(S.storage_error, { error: error.message || String(error) }));
    return;
  }
  opened.prefillVersion = null;
  await goTo(null, { push: Boolean(opened.current), replace: !opened.current });
  message(state === 'queued' ? S.saved : S.draft_saved);
  window.scrollTo(0, 0);
  await renderList();
  if (state === 'queued') sync();
}

export async function voidCurrent() {
  if (!opened.current) return;
  // Two different verbs on an action that hides a log: "Keep the log" / "Void this log".
  const sure = await confirmDialog({
    title: S.void_yes, bodyText: S.void_confirm, ok: S.void_yes, cancel: S.keep_log, danger: true,
  });
  if (!sure) return;
  await voidLog(opened.current.id);
  await goTo(null, { push: true });
  message(S.voided_done);
  await renderList();
  sync();
}

export async function restoreCurrent() {
  if (!opened.current) return;
  const id = opened.current.id;
  await restoreLog(id);
  await openLog(id);
  message(S.restored_done);
  await renderList();
  sync();
}

/** Another tab saved this log after the form was filled: show both, save nothing until she picks. */
export function showTabConflict(typed, saved, state) {
  const box = $('[data-attention]');
  box.replaceChildren();
  box.hidden = false;
  box.dataset.reason = 'other-tab';
  box.append(el('p', { class: 'reason', text: S.other_tab }));
  box.append(compareVersions(typed, saved.record, S.saved_version));
  const mine = el('button', { type: 'button', 'data-keep-typed': true, text: S.keep_typed });
  const theirs = el('button', { type: 'button', class: 'secondary', 'data-take-saved': true, text: S.take_saved });
  mine.onclick = async () => {
    opened.formBase = pick(saved.record);
    opened.current = saved;
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

export function showEditing(entry) {
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
      await resolveStale(entry.id, 'mine');
      await openLog(entry.id);
      sync();
    };
    theirs.onclick = async () => {
      await resolveStale(entry.id, 'server');
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
  for (const key of RECORD_FIELDS) {
    if (['id', 'rev', 'created_at', 'updated_at', 'app_version'].includes(key)) continue;
    if (JSON.stringify(mine[key]) === JSON.stringify(theirs[key])) continue;
    const label = form.querySelector(`label[for="f-${CSS.escape(key)}"]`);
    table.append(el('tr', {}, el('th', { text: label ? label.textContent : key }),
      el('td', { dir: 'auto', text: show(mine[key]) }), el('td', { dir: 'auto', text: show(theirs[key]) })));
  }
  return table;
}

export async function openLog(id) {
  const entry = await getLog(id);
  if (!entry) {
    await newForm();
    message(S.not_found);
    return;
  }
  opened.current = entry;
  opened.formBase = pick(entry.record);
  fillForm(entry.record);
  showEditing(entry);
}

/** Show a log (id) or a new form (null) without reloading: this works offline too. */
export async function goTo(id, { push = false, replace = false } = {}) {
  const path = id ? `/${LANG}/log/${id}` : `/${LANG}/log`;
  if (push && location.pathname !== path) history.pushState({}, '', path);
  else if (replace) history.replaceState({}, '', path);
  message('');
  if (id) await openLog(id);
  else await newForm();
}

/** A new log: today's date, remembered district and place, and the query's prefill. */
export async function newForm(query = null) {
  opened.current = null;
  opened.formBase = null;
  opened.newId = crypto.randomUUID();
  opened.prefillVersion = null;
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
    if (query.get('content_version')) opened.prefillVersion = query.get('content_version');
  }
  fillForm(record);
  if (!record.minutes) form.elements.minutes.value = '';
  showEditing(null);
}
