// The phone's outbox, the network: one POST with a time limit, and the errors a sync can meet.

function timeoutMs() {
  return globalThis.TOOLKIT_SYNC_TIMEOUT_MS || 30000;
}

export class SyncError extends Error {
  constructor(code, detail, { retry = true, status = null } = {}) {
    super(detail || code);
    this.code = code;
    this.detail = detail || '';
    this.retry = retry;
    this.status = status;
  }
}

/**
 * POST and read the JSON answer within the time limit: {status, body}. A timeout (AbortController)
 * or a broken connection throws, so it can never be taken for an answer.
 */
export async function postJson(url, headers, payload) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs());
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(payload),
      signal: controller.signal,
      cache: 'no-store',
      credentials: 'omit',
    });
    const text = await response.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = null; }
    return { status: response.status, body };
  } catch (error) {
    if (error.name === 'AbortError') throw new SyncError('timeout');
    throw new SyncError(navigator.onLine === false ? 'offline' : 'network', error.message);
  } finally {
    clearTimeout(timer);
  }
}
