// Sync from any page of the app, and say in the header what is waiting to be sent.
//
// Every page with a language loads this (base.html): queued logs leave whenever any page is open and
// online, not only the logbook, and Background Sync is asked for so the service worker sends them
// when the connection returns with the app closed. The header line shows the unsent count, the last
// successful sync and the last error, in the page's language (strings from the page's JSON block).

let outbox = null; // the outbox's modules (outbox/*.js), loaded only on a phone that has logs

const line = document.querySelector('[data-sync-line]');
const LANG = document.documentElement.lang;
let S = null; // the logbook's messages in this language
let THEME_LABELS = {};
let LIST_SEPARATOR = ', '; // the language table's, from the log page's data
const ERROR_TEXT = {
  offline: 'err_offline', network: 'err_network', timeout: 'err_timeout', server: 'err_server',
  busy: 'err_busy', token: 'err_token', revoked: 'err_revoked', too_large: 'err_too_large',
  rejected: 'err_rejected', other: 'err_other',
};

function say(template, values = {}) {
  return (template || '').replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

function digits(text) {
  return outbox.nativeDigits(text, LANG);
}

function showTime(iso) {
  return digits(new Intl.DateTimeFormat(document.documentElement.lang, {
    dateStyle: 'medium', timeStyle: 'short',
  }).format(new Date(iso)));
}

/**
 * The messages come from the log page's JSON block, which the service worker keeps offline: one
 * copy per language instead of one in every guide page. Read only when there is something to say.
 */
async function messages() {
  if (S) return S;
  const own = document.getElementById('logbook-data');
  let html = null;
  if (!own) {
    const url = `/${LANG}/log`;
    const saved = globalThis.caches ? await caches.match(url) : null; // offline: the worker's copy
    html = await (saved || (await fetch(url, { credentials: 'omit' }))).text();
  }
  const block = own ? own.textContent
    : new DOMParser().parseFromString(html, 'text/html').getElementById('logbook-data').textContent;
  const data = JSON.parse(block);
  LIST_SEPARATOR = data.list_separator || LIST_SEPARATOR;
  THEME_LABELS = data.theme_labels || {};
  S = data.strings;
  return S;
}

/** The header line: "Waiting to send: 1 · Last sent …" and the last error in plain words. */
async function render() {
  if (!line) return;
  const summary = await outbox.syncSummary();
  // Nothing to say on a phone that never logged anything: keep the header quiet.
  if (!(summary.pending || summary.attention || summary.lastSuccessAt || summary.device)) {
    line.hidden = true;
    return;
  }
  await messages();
  const parts = [];
  if (summary.syncing) parts.push(S.syncing);
  if (summary.pending) parts.push(say(S.pending, { n: digits(summary.pending) }));
  if (summary.attention) parts.push(say(S.attention, { n: digits(summary.attention) }));
  if (!summary.pending && !summary.attention && summary.lastSuccessAt) parts.push(S.all_sent);
  parts.push(summary.lastSuccessAt ? say(S.last_sync, { time: showTime(summary.lastSuccessAt) })
    : S.never_synced);
  const summaryNode = line.querySelector('[data-sync-line-summary]');
  summaryNode.textContent = parts.join(' · ');
  line.dataset.pending = String(summary.pending);
  const errorNode = line.querySelector('[data-sync-line-error]');
  const error = summary.lastError;
  const shown = error && summary.pending
    ? say(S[ERROR_TEXT[error.code] || 'err_other'], { error: error.detail }) : '';
  errorNode.textContent = shown;
  errorNode.hidden = !shown;
  if (shown) errorNode.dataset.code = error.code;
  else delete errorNode.dataset.code;
  line.hidden = false;
}

/** Whether this phone has the logbook's database: a first visit has none and loads nothing more. */
async function hasOutbox() {
  if (!('indexedDB' in globalThis)) return false;
  if (!indexedDB.databases) return true;
  return (await indexedDB.databases()).some((db) => db.name === 'toolkit');
}

/** "Women in other sessions asked about: …" on the home page and each guide's feedback step. */
async function renderElsewhere() {
  const spots = document.querySelectorAll('[data-elsewhere]');
  if (!spots.length) return;
  const saved = await outbox.getElsewhere();
  const local = saved && saved.district && saved.district.themes.length ? saved.district.themes : null;
  const themes = (local || (saved ? saved.themes : [])).slice(0, 5);
  if (!themes.length) return;
  await messages();
  const names = themes.map(([code]) => THEME_LABELS[code] || code).join(LIST_SEPARATOR);
  for (const spot of spots) {
    spot.textContent = say(S.elsewhere, { themes: names });
    spot.hidden = false;
  }
}

async function start() {
  if (!(await hasOutbox())) return;
  const modules = await Promise.all([
    import('./digits.js'),
    import('./outbox/logs.js'),
    import('./outbox/sending.js'),
    import('./outbox/store.js'),
  ]);
  outbox = Object.assign({}, ...modules);
  outbox.subscribe(() => {
    render().catch(() => {});
    renderElsewhere().catch(() => {});
  });
  window.addEventListener('online', () => outbox.syncWhenOnline());
  window.addEventListener('offline', () => { render().catch(() => {}); });
  await render();
  await renderElsewhere();
  const { pending } = await outbox.syncSummary();
  if (pending) {
    if (navigator.onLine === false) outbox.requestBackgroundSync();
    else outbox.sync();
  }
  window.addEventListener('offline', async () => {
    if ((await outbox.syncSummary()).pending) outbox.requestBackgroundSync();
  });
}

start().catch(() => {});
