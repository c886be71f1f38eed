// The logbook's PIN lock: nothing of the logs shows until the PIN is given (outbox/pin.js).

import { asciiDigits } from '../digits.js';
import { checkPin, clearPin, hasPin, isUnlocked, lockNow, markUnlocked, pinAvailable, setPin } from '../outbox/pin.js';
import { $, S, body } from './page.js';

export async function applyLock() {
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
export function setupPin(onUnlock) {
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
