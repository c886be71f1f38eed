// The logbook (/<lang>/log and /<lang>/log/<id>): the log form and the list of this phone's logs,
// filled from IndexedDB (outbox/). Each concern is a module in logbook/; this one keeps the PIN lock,
// starts the others and wires the page's events.

import { asciiDigits } from './digits.js';
import { checkPin, clearPin, hasPin, isUnlocked, lockNow, markUnlocked, pinAvailable, setPin } from './outbox/device.js';
import { getLog, pruneAcknowledged, sameRecord } from './outbox/logs.js';
import { sync, syncWhenOnline } from './outbox/sending.js';
import { getDevice, subscribe } from './outbox/store.js';
import { goTo, newForm, openLog, restoreCurrent, save, showEditing, showTabConflict, voidCurrent } from './logbook/editing.js';
import { fillDistricts, fillSteps, readForm, setNumber, setupBsDate } from './logbook/form.js';
import { exportUnsent, renderList, renderStatus } from './logbook/list.js';
import { $, GUIDES, LOG_PATH, S, body, form, opened, root } from './logbook/page.js';

// ---------------------------------------------------------------- PIN lock
// Nothing of the logs shows until the PIN is given (the hash is kept by outbox/device.js).

async function applyLock() {
  const locked = (await hasPin()) && !isUnlocked();
  $('[data-lock]').hidden = !locked;
  body.hidden = locked;
  if (locked) {
    $('[data-log-list]').replaceChildren(); // nothing of the logs stays in the page
    $('#unlock-pin').focus();
  }
  const pinSet = await hasPin();
  $('[data-pin-lock]').hidden = !pinSet;
  $('[data-pin-remove]').hidden = !pinSet;
  return locked;
}

/** The unlock and PIN forms; `onUnlock` runs once the right PIN is given. */
function setupPin(onUnlock) {
  const unlock = $('[data-unlock-form]');
  unlock.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = unlock.elements.pin;
    const error = $('#unlock-error');
    if (await checkPin(input.value)) {
      input.value = '';
      error.hidden = true;
      await applyLock();
      await onUnlock();
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
    if (!pinAvailable()) {
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
    await setPin(pin);
    pinForm.reset();
    note.textContent = S.pin_set;
    await applyLock();
  });
  $('[data-pin-remove]').addEventListener('click', async () => {
    await clearPin();
    note.textContent = S.pin_removed;
    await applyLock();
  });
  $('[data-pin-lock]').addEventListener('click', async () => {
    lockNow();
    await applyLock();
  });
  // Using the logbook keeps it open; 15 minutes untouched locks it again.
  for (const type of ['input', 'click', 'keydown']) {
    body.addEventListener(type, () => { if (isUnlocked()) markUnlocked(); }, { passive: true });
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
  pruneAcknowledged().catch(() => {});
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
  $('[data-sync-now]').addEventListener('click', () => syncWhenOnline());
  $('[data-export]').addEventListener('click', exportUnsent);
  window.addEventListener('online', () => syncWhenOnline());
  window.addEventListener('offline', renderStatus);
  let deviceId = null;
  subscribe(async () => {
    await renderStatus();
    const device = await getDevice();
    if ((device && device.device_id) !== deviceId) { // enrolled in another tab: her country's districts
      deviceId = device && device.device_id;
      await fillDistricts();
    }
    if (!body.hidden && started) await renderList();
    if (opened.current) {
      const fresh = await getLog(opened.current.id);
      if (fresh && opened.formBase && !sameRecord(fresh.record, opened.formBase)) {
        // Saved from another tab while this form is open: say so now, with both versions.
        const { fields } = readForm();
        showTabConflict(fields, fresh, opened.current.state === 'draft' ? 'draft' : 'queued');
      } else if (fresh && fresh.state !== opened.current.state) {
        opened.current = fresh;
        showEditing(fresh);
      }
    }
  });
}

async function main() {
  setupBsDate();
  setupPin(start);
  wire();
  await renderStatus();
  if (!(await applyLock())) await start();
  root.dataset.ready = 'true';
  sync();
}

main();
