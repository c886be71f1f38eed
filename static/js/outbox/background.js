// The phone's outbox, Background Sync: the service worker is woken to send when the connection returns.

export const SYNC_TAG = 'toolkit-outbox'; // the Background Sync tag sw.js listens for

/**
 * Ask the browser to wake the service worker when the connection returns (Background Sync, where
 * supported), so queued logs leave even if every page of the app is closed by then. Asked only
 * while offline: online, the open page sends and retries itself (one sender, one backoff).
 */
export async function requestBackgroundSync() {
  try {
    const registration = globalThis.registration // in the service worker itself
      || (navigator.serviceWorker && (await navigator.serviceWorker.getRegistration('/')));
    if (!registration || !registration.sync) return false;
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch {
    return false; // not supported, or not allowed: the pages' own triggers still send
  }
}
