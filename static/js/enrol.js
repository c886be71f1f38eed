// The enrolment page (/<lang>/enrol): exchange the coordinator's one-time code for a device token.
// The code may arrive in the URL's fragment (#code=, from the QR code): a fragment never leaves the
// phone, so the code reaches no server or proxy log. The page itself is the same for everyone.

import { enrol } from './outbox/device.js';
import { sync } from './outbox/sending.js';
import { getDevice } from './outbox/store.js';

const root = document.querySelector('[data-enrol]');
const DATA = JSON.parse(document.getElementById('logbook-data').textContent);
const S = DATA.strings;
const form = root.querySelector('[data-enrol-form]');
const note = root.querySelector('[data-enrol-message]');
const currentNote = root.querySelector('[data-enrol-current]');

/** The message box: a success, an error and "working" never look alike (colour, icon, words). */
function tell(kind, text) {
  note.dataset.kind = kind;
  note.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  note.textContent = text;
}

function say(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

async function showCurrent() {
  const device = await getDevice();
  currentNote.hidden = !device;
  currentNote.textContent = device && device.facilitator
    ? say(S.enrol_replace, { name: device.facilitator.name }) : '';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = form.elements.code.value.trim();
  if (!code) {
    tell('error', S.enrol_code_missing);
    form.elements.code.focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  tell('working', S.enrol_working);
  try {
    const device = await enrol(code, DATA.lang);
    tell('ok', say(S.enrol_done, { name: device.facilitator.name }));
    form.reset();
    currentNote.hidden = true;
    history.replaceState({}, '', location.pathname); // the code is spent: keep it out of history
    root.dataset.enrolled = 'true';
    sync(); // logs saved before enrolment go now
  } catch (error) {
    if (['offline', 'network', 'timeout'].includes(error.code)) tell('error', S.enrol_offline);
    else tell('error', say(S.enrol_failed, { error: error.detail || error.message }));
  } finally {
    button.disabled = false;
  }
});

const code = new URLSearchParams(location.hash.slice(1)).get('code');
if (code) {
  form.elements.code.value = code;
  history.replaceState({}, '', location.pathname); // out of the history list and bookmarks too
}
showCurrent();
root.dataset.ready = 'true';
