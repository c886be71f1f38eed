// The logbook's lists: this phone's logs, the sync status bar, and the export of unsent logs.

import { allLogs, exportUnsent as unsentLogs } from '../outbox/logs.js';
import { syncSummary } from '../outbox/sending.js';
import { $, DATA, GUIDES, LANG, S, digits, el, say, showDate, showTime, todayIso } from './page.js';

export function stateText(entry) {
  return S[`state_${entry.state}`] || entry.state;
}

export async function renderList() {
  const list = $('[data-log-list]');
  const entries = await allLogs();
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

const ERROR_TEXT = {
  offline: 'err_offline', network: 'err_network', timeout: 'err_timeout', server: 'err_server',
  busy: 'err_busy', token: 'err_token', revoked: 'err_revoked', too_large: 'err_too_large',
  rejected: 'err_rejected', other: 'err_other',
};

export async function renderStatus() {
  const bar = document.querySelector('[data-sync-status]');
  const summary = await syncSummary();
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

export async function exportUnsent() {
  const note = $('[data-export-message]');
  const data = await unsentLogs();
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
