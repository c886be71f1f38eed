// Record each say block in the browser (coordinator area, /coordinator/audio/<lang>/<slug>).
// MediaRecorder records Opus at 24 kbit/s in whatever container the browser records (WebM in Chromium,
// Ogg or WebM in Firefox); the server checks the bytes, never this script's word. Nothing is uploaded
// until the person has listened and pressed Upload.
const strings = JSON.parse(document.getElementById("recorder-strings").textContent);
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg"];

function supportedType() {
  if (!window.MediaRecorder || !navigator.mediaDevices) return null;
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || null;
}

function clock(seconds) {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/** One block's recorder: record, stop, listen, record again, upload. */
function setUp(form, type) {
  const controls = form.querySelector(".recorder-controls");
  const recordButton = form.querySelector('[data-action="record"]');
  const stopButton = form.querySelector('[data-action="stop"]');
  const time = form.querySelector(".recorder-time");
  const preview = form.querySelector(".recorder-preview");
  const message = form.querySelector(".recorder-message");
  let take = null;
  let recorder = null;
  let ticking = null;
  controls.hidden = false;

  recordButton.addEventListener("click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch {
      message.textContent = strings.no_mic;
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: strings.bitrate });
    recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      clearInterval(ticking);
      take = new Blob(chunks, { type: recorder.mimeType || type });
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.src = URL.createObjectURL(take);
      preview.hidden = false;
      recordButton.hidden = false;
      recordButton.textContent = strings.again;
      stopButton.hidden = true;
      time.hidden = true;
      message.textContent = strings.ready;
      form.dataset.state = "recorded";
    });
    const started = performance.now();
    recorder.start(1000);
    form.dataset.state = "recording";
    recordButton.hidden = true;
    stopButton.hidden = false;
    time.hidden = false;
    time.textContent = clock(0);
    message.textContent = strings.recording;
    ticking = setInterval(() => {
      const seconds = (performance.now() - started) / 1000;
      time.textContent = clock(seconds);
      if (seconds >= strings.max_seconds) recorder.stop(); // the server would refuse a longer take
    }, 250);
  });

  stopButton.addEventListener("click", () => recorder && recorder.state !== "inactive" && recorder.stop());

  form.addEventListener("submit", async (event) => {
    const file = form.querySelector('input[type="file"]');
    if (!take && file.files.length) return; // a file chosen by hand: the plain form posts it
    event.preventDefault();
    if (!take) {
      message.textContent = strings.nothing;
      return;
    }
    const body = new FormData(form);
    const extension = take.type.includes("ogg") ? "ogg" : "webm";
    body.set("audio", take, `recording.${extension}`);
    message.textContent = strings.uploading;
    form.dataset.state = "uploading";
    try {
      const response = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
      const answer = await response.json();
      message.textContent = answer.message;
      form.dataset.state = answer.ok ? "uploaded" : "refused";
      if (answer.ok) location.reload(); // the block's state and take come from the server
    } catch {
      message.textContent = strings.failed;
      form.dataset.state = "failed";
    }
  });
}

const type = supportedType();
if (type) {
  for (const form of document.querySelectorAll("form.recorder")) setUp(form, type);
} else {
  document.querySelector(".recorder-unsupported").hidden = false;
}
