// Optional downloads kept on this phone: "Keep materials offline" on a guide page.
//
// The button names the URL to keep (data-keep-download). The service worker saves it in a cache of
// its own, outside the per-language offline pack (the pack's size budget holds), and answers the
// URL from there when the phone is offline. Without a service worker the button stays hidden.

const TIMEOUT = 5 * 60 * 1000; // a PDF on a slow connection

function ask(worker, message) {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error("no answer from the service worker")), TIMEOUT);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

async function offerDownload(button) {
  const note = button.parentElement.querySelector("[data-keep-download-state]");
  const url = button.dataset.keepDownload;
  const registration = await navigator.serviceWorker.ready;
  const worker = registration.active;
  const kept = () => {
    button.hidden = true;
    note.textContent = button.dataset.kept;
  };
  const state = await ask(worker, { type: "download-status", url }).catch(() => ({}));
  if (state.kept) return kept();
  button.hidden = false;
  button.onclick = async () => {
    button.disabled = true;
    note.textContent = button.dataset.keeping;
    const answer = await ask(worker, { type: "keep-download", url }).catch(() => ({ ok: false }));
    button.disabled = false;
    if (answer.ok) kept();
    else note.textContent = button.dataset.failed;
  };
}

if ("serviceWorker" in navigator) {
  for (const button of document.querySelectorAll("[data-keep-download]")) offerDownload(button);
}
