// Spoken scripts on the guide page and in facilitator mode: a Listen/Pause button on each say block that
// has approved audio, and (guide page) "Keep audio for this guide offline".
//
// The page is the same bytes on every render: which blocks have audio comes from the guide's audio.json
// (the service worker answers it from its audio cache offline). Nothing here ever autoplays, and nothing
// here ever asks for the microphone: sessions are never recorded.
import { nativeDigits } from "./digits.js";

const root = document.querySelector("[data-audio]");
const strings = JSON.parse(document.getElementById("audio-strings")?.textContent || "{}");
const SKIP_SECONDS = 10;

function fill(template, values) {
  return (template || "").replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function digits(text) {
  return nativeDigits(text);
}

function formatSize(bytes) {
  if (bytes < 1e6) return fill(strings.kb, { n: digits(Math.max(1, Math.round(bytes / 1e3))) });
  if (bytes < 1e9) return fill(strings.mb, { n: digits((bytes / 1e6).toFixed(1)) });
  return fill(strings.gb, { n: digits((bytes / 1e9).toFixed(1)) });
}

/** Ask the service worker something and wait for its answer on a private channel. */
async function askWorker(message, timeout = 120000) {
  if (!("serviceWorker" in navigator)) throw new Error("no service worker");
  const registration = await navigator.serviceWorker.ready;
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error("no answer from the service worker")), timeout);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    registration.active.postMessage(message, [channel.port2]);
  });
}

const players = [];

function pauseAll(except) {
  for (const player of players) if (player.audio !== except && !player.audio.paused) player.audio.pause();
}

/** Lock-screen and headset controls (Media Session), where the browser has them. */
function announce(player) {
  if (!("mediaSession" in navigator)) return;
  const step = player.block.closest("section");
  const heading = step?.querySelector("h2")?.cloneNode(true);
  heading?.querySelectorAll(".step-number, .minutes").forEach((part) => part.remove());
  const title = heading?.textContent.trim() || document.title;
  navigator.mediaSession.metadata = new MediaMetadata({
    title,
    artist: document.querySelector("h1")?.textContent.trim() || "",
    album: strings.app || "",
  });
  navigator.mediaSession.setActionHandler("play", () => player.audio.play());
  navigator.mediaSession.setActionHandler("pause", () => player.audio.pause());
  navigator.mediaSession.setActionHandler("seekbackward", () => skipBack(player));
}

function skipBack(player) {
  player.audio.currentTime = Math.max(0, player.audio.currentTime - SKIP_SECONDS);
}

/** One say block's control: Listen/Pause (large tap target) and Back 10 seconds. */
function addPlayer(block, clip) {
  const audio = document.createElement("audio");
  audio.preload = "none"; // nothing is fetched until she presses Listen
  audio.src = clip.url;
  const controls = document.createElement("div");
  controls.className = "say-audio";
  controls.setAttribute("lang", document.documentElement.lang);
  controls.setAttribute("dir", document.documentElement.dir);
  const play = document.createElement("button");
  play.type = "button";
  play.className = "say-play";
  play.setAttribute("aria-pressed", "false");
  play.textContent = strings.play;
  const back = document.createElement("button");
  back.type = "button";
  back.className = "secondary say-back";
  back.textContent = strings.back;
  back.hidden = true;
  controls.append(play, back, audio);
  const label = block.querySelector(".block-label");
  if (label) label.after(controls);
  else block.prepend(controls);
  const player = { block, audio, play };
  players.push(player);
  const show = () => {
    const playing = !audio.paused;
    play.textContent = playing ? strings.pause : strings.play;
    play.setAttribute("aria-pressed", String(playing));
    back.hidden = audio.currentTime === 0 && !playing;
  };
  play.addEventListener("click", () => {
    if (audio.paused) {
      pauseAll(audio);
      announce(player);
      audio.play().catch(show);
    } else {
      audio.pause();
    }
  });
  back.addEventListener("click", () => skipBack(player));
  for (const name of ["play", "pause", "ended", "emptied"]) audio.addEventListener(name, show);
}

/** Facilitator mode: a step that is hidden stops talking. */
function pauseWhenStepHides() {
  const steps = document.querySelectorAll(".run-step");
  if (!steps.length) return;
  const observer = new MutationObserver(() => {
    for (const player of players) if (player.block.closest(".run-step")?.hidden) player.audio.pause();
  });
  for (const step of steps) observer.observe(step, { attributes: true, attributeFilter: ["hidden"] });
}

async function showStorage(panel) {
  if (!navigator.storage?.estimate) return;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  panel.querySelector(".audio-storage").textContent = fill(strings.storage, { used: formatSize(usage), quota: formatSize(quota) });
}

/** Guide page: keep this guide's approved audio in the service worker's audio cache, or remove it. */
async function offerOffline(manifest) {
  const panel = document.querySelector("[data-audio-offline]");
  if (!panel || !("serviceWorker" in navigator) || !manifest.bytes) return;
  const keep = panel.querySelector('[data-action="keep-audio"]');
  const drop = panel.querySelector('[data-action="drop-audio"]');
  const state = panel.querySelector(".audio-offline-state");
  const message = { lang: manifest.lang, guide: manifest.guide, url: root.dataset.audio };
  const show = (answer) => {
    const kept = Boolean(answer?.kept);
    panel.dataset.kept = String(kept);
    keep.hidden = kept;
    keep.textContent = fill(strings.keep, { size: formatSize(manifest.bytes) });
    drop.hidden = !kept;
    state.textContent = kept ? fill(strings.kept, { size: formatSize(answer.bytes) }) : "";
    showStorage(panel);
  };
  panel.hidden = false;
  show(await askWorker({ type: "audio-status", ...message }).catch(() => null));
  keep.addEventListener("click", async () => {
    keep.disabled = true;
    state.textContent = strings.keeping;
    const answer = await askWorker({ type: "keep-audio", ...message }).catch(() => null);
    keep.disabled = false;
    if (answer?.ok) show(answer);
    else state.textContent = strings.keep_failed;
  });
  drop.addEventListener("click", async () => show(await askWorker({ type: "drop-audio", ...message }).catch(() => null)));
}

async function start() {
  let manifest;
  try {
    const response = await fetch(root.dataset.audio);
    if (!response.ok) return;
    manifest = await response.json();
  } catch {
    return; // offline and not kept: the guide reads as before
  }
  for (const block of document.querySelectorAll("[data-say]")) {
    const clip = manifest.clips[block.dataset.say];
    if (clip) addPlayer(block, clip);
  }
  document.documentElement.dataset.audioReady = String(players.length);
  pauseWhenStepHides();
  offerOffline(manifest);
}

if (root) start();
