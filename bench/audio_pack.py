"""Spoken scripts: the bit rate the recorder really produces, and the size of a guide's audio pack.

    .venv/bin/python bench/audio_pack.py [--seconds 20]

Records `--seconds` of Chromium's fake microphone the way static/js/recorder.js does (MediaRecorder,
Opus, audioBitsPerSecond 24000), checks the take with toolkit.audio_format.check_recording (as an
upload is checked) and measures its bytes per minute. A guide's pack is then estimated from its say
blocks' words read aloud at READING_WORDS_PER_MINUTE, for the largest guide of each language.
The fake microphone is a tone, not speech: Opus at a fixed target rate gives about the same size.
Prints `measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
1 KB = 1,024 bytes here (the upload limit's unit).
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from toolkit import audio, audio_format  # noqa: E402
from toolkit.content import load_library  # noqa: E402

BUDGET_KBPS = 24.0
BUDGET_KB_PER_MINUTE = 180.0
READING_WORDS_PER_MINUTE = 110  # a calm read-aloud pace
RECORD = """async ([ms, bitrate]) => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"]
    .find((t) => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: bitrate });
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(1000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}"""


def record(seconds: float) -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS
            + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
        )
        page = browser.new_page()
        # A secure origin (getUserMedia needs one), answered by the browser itself.
        page.route(
            "http://localhost/", lambda route: route.fulfill(body="<p>", content_type="text/html")
        )
        page.goto("http://localhost/")
        data = page.evaluate(RECORD, [int(seconds * 1000), audio_format.TARGET_BITRATE])
        browser.close()
    return base64.b64decode(data)


def row(measure: str, figure: float, unit: str, budget: float) -> bool:
    ok = figure <= budget
    print(
        f"{measure} | {figure:.1f} {unit} | ≤ {budget:.0f} {unit} | {figure / budget:.2f} | "
        + ("pass" if ok else "fail")
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    seconds = parser.parse_args().seconds
    clip = audio_format.check_recording(record(seconds))
    kbps = len(clip.data) * 8 / clip.seconds / 1000
    kb_per_minute = len(clip.data) / 1024 / clip.seconds * 60
    print("measure | figure | budget | ratio | pass/fail")
    results = [
        row(
            f"recorder bit rate ({clip.container}, {clip.seconds:.0f} s take)",
            kbps,
            "kbit/s",
            BUDGET_KBPS,
        ),
        row("recorded audio per minute", kb_per_minute, "KB", BUDGET_KB_PER_MINUTE),
    ]
    library = load_library(ROOT / "content")
    for lang in ("ne", "en", "ur"):
        guides = [guide for (code, _slug), guide in library.guides.items() if code == lang]
        sizes = []
        for guide in guides:
            words = sum(len(block.text.split()) for block in audio.say_blocks(guide))
            minutes = words / READING_WORDS_PER_MINUTE
            sizes.append((minutes * kb_per_minute, minutes, guide, len(audio.say_blocks(guide))))
        kb, minutes, guide, blocks = max(sizes, key=lambda item: item[0])
        results.append(
            row(
                f"audio pack, largest {lang} guide ({guide.slug}: {blocks} say blocks, "
                f"~{minutes:.1f} min read aloud)",
                kb,
                "KB",
                minutes * BUDGET_KB_PER_MINUTE,
            )
        )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
