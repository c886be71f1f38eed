"""Spoken scripts: one recording per `say` block, checked, stored, approved and served (no Flask here).

A recording is keyed by the hash of its block's text (`say_hash`). It is served to phones only while it
is `approved` and the hash it serves (`serves_hash`, the text it was recorded for, or the new text an
admin kept it for) equals the block's current hash: edit the text and the recording goes quiet until it
is recorded again or kept.

Recordings are blobs in SQLite (table `audio_recordings`), not files: a row and its bytes are stored in
one transaction (nothing half-stored), and the backup and Litestream replication of the database carry
them with everything else. A guide's whole pack is a few MB, well inside what SQLite serves comfortably.

Uploads are checked by their bytes, never by the Content-Type a browser claims: WebM (EBML magic
1A45DFA3, one Opus audio track) or Ogg Opus (OggS with OpusHead). The length comes from the container
(the last block's time in WebM, the last granule position in Ogg, via mutagen) and must agree with the
size: a header that lies about the length cannot slip a large file under the bit-rate limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import uuid
from dataclasses import dataclass

import sqlite_utils

from .content import Guide
from .db import immediate

MAX_BYTES = 600 * 1024  # 3 minutes at 24 kbit/s is 540 KB, plus the container
MAX_SECONDS = 180.0
MIN_SECONDS = 0.5
# What recorder.js asks MediaRecorder for: Opus plus the WebM container then stays within 24 kbit/s.
TARGET_BITRATE = 22_000
BUDGET_BITRATE = 24_000  # DESIGN.md: audio for a say block (Opus speech) ≤ 24 kbit/s
MAX_BITRATE = (
    32_000  # the average a file may reach: 24 kbit/s Opus, variable rate, plus the container
)
HASH_LENGTH = 16
TYPES = {"webm": "audio/webm", "ogg": "audio/ogg"}


class AudioError(ValueError):
    """An upload refused; `code` names the reason (the view says it in the coordinator's language)."""

    def __init__(self, code: str, **values):
        self.code = code
        self.values = values
        super().__init__(f"{code}: {values}" if values else code)


@dataclass(frozen=True)
class Clip:
    """A checked recording: its container, the bytes to store and its length in seconds."""

    container: str  # "webm" | "ogg"
    data: bytes
    seconds: float

    @property
    def mimetype(self) -> str:
        return TYPES[self.container]


@dataclass(frozen=True)
class SayBlock:
    """One read-aloud block of a guide, where it is (`slot`) and what it says (`hash`)."""

    slot: str  # "<step id>.<n>": the n-th say block of that step
    step_id: str
    step_title: str
    text: str
    html: str
    hash: str


def say_hash(text: str) -> str:
    """The key of a say block's text: the same text always gives the same key."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:HASH_LENGTH]


def say_blocks(guide: Guide) -> list[SayBlock]:
    """Every say block of the guide, in reading order."""
    blocks = []
    for step in guide.steps:
        for number, block in enumerate(step.blocks_of("say"), start=1):
            blocks.append(
                SayBlock(
                    f"{step.id}.{number}",
                    step.id,
                    step.title,
                    block.text,
                    block.html,
                    say_hash(block.text),
                )
            )
    return blocks


# --- reading the container ------------------------------------------------------------------------

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# Master elements the scan walks into; every other element is read or skipped by its size.
_EBML, _SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _CLUSTER, _BLOCK_GROUP = (
    0x1A45DFA3,
    0x18538067,
    0x1549A966,
    0x1654AE6B,
    0xAE,
    0x1F43B675,
    0xA0,
)
_MASTERS = {_EBML, _SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _CLUSTER, _BLOCK_GROUP}
_DOC_TYPE, _TIMECODE_SCALE, _DURATION, _CODEC_ID, _TRACK_TYPE = 0x4282, 0x2AD7B1, 0x4489, 0x86, 0x83
_TIMECODE, _SIMPLE_BLOCK, _BLOCK = 0xE7, 0xA3, 0xA1
OPUS_FRAME_SECONDS = 0.02  # the last frame's own length, past its start time


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at `pos`: (value, next position, all value bits set)."""
    if pos >= len(data):
        raise AudioError("unreadable")
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or pos + length > len(data):
        raise AudioError("unreadable")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, pos + length, unknown


def _webm(data: bytes) -> tuple[float, bytes]:
    """Length in seconds of a WebM Opus recording, and its bytes with the length written in.

    Browsers' MediaRecorder writes no Duration (it records live), and Chromium cannot seek in such a
    file: the Duration element is added to the Info element here, so phones can seek.
    """
    pos = 0
    doc_type = codec = None
    video = False
    scale = 1_000_000  # nanoseconds per timecode unit (the WebM default)
    header_duration = 0.0
    cluster_time = 0
    last_time = None
    info_at = None  # (id start, size start, payload start, payload end) of the Info element
    segment_at = None  # (size start, payload start, size known)
    while pos < len(data):
        start = pos
        element, pos, _ = _vint(data, pos, keep_marker=True)
        size_at = pos
        size, pos, unknown = _vint(data, pos, keep_marker=False)
        if element in _MASTERS:
            if element == _SEGMENT:
                segment_at = (size_at, pos, not unknown)
            elif element == _INFO and not unknown:
                info_at = (start, size_at, pos, pos + size)
            continue  # walk into it: its children follow
        if unknown or pos + size > len(data):
            if element in (_SIMPLE_BLOCK, _BLOCK) and not unknown:
                break  # a recording cut short in its last block: what came before still counts
            raise AudioError("unreadable")
        payload = data[pos : pos + size]
        if element == _DOC_TYPE:
            doc_type = payload.rstrip(b"\0").decode("ascii", "replace")
        elif element == _TIMECODE_SCALE:
            scale = int.from_bytes(payload, "big") or scale
        elif element == _DURATION and size in (4, 8):
            header_duration = struct.unpack(">f" if size == 4 else ">d", payload)[0]
        elif element == _CODEC_ID:
            codec = codec or payload.rstrip(b"\0").decode("ascii", "replace")
        elif element == _TRACK_TYPE and int.from_bytes(payload, "big") != 2:
            video = True  # anything but an audio track
        elif element == _TIMECODE:
            cluster_time = int.from_bytes(payload, "big")
        elif element in (_SIMPLE_BLOCK, _BLOCK):
            _, after, _ = _vint(payload, 0, keep_marker=False)  # track number
            if after + 2 > len(payload):
                raise AudioError("unreadable")
            relative = struct.unpack(">h", payload[after : after + 2])[0]
            time = cluster_time + relative
            last_time = time if last_time is None else max(last_time, time)
        pos += size
    if doc_type != "webm" or codec != "A_OPUS" or video:
        raise AudioError("type")
    if last_time is None:
        raise AudioError("too_short", seconds=0)
    measured = last_time * scale / 1e9 + OPUS_FRAME_SECONDS
    header_seconds = header_duration * scale / 1e9
    seconds = max(measured, header_seconds)  # a Duration shorter than the blocks is not believed
    if info_at is None or header_duration:
        return seconds, data
    return seconds, _with_duration(data, info_at, segment_at, seconds * 1e9 / scale)


def _size_vint(value: int, width: int) -> bytes:
    """`value` as an EBML size of exactly `width` bytes."""
    if value >= (1 << (7 * width)) - 1:
        raise AudioError("unreadable")
    return ((1 << (7 * width)) | value).to_bytes(width, "big")


def _with_duration(data: bytes, info_at: tuple, segment_at: tuple | None, duration: float) -> bytes:
    """The file with a Duration element (float64, in timecode units) appended to its Info element."""
    _, size_at, payload_start, payload_end = info_at
    added = bytes([0x44, 0x89, 0x88]) + struct.pack(">d", duration)
    info_size = payload_end - payload_start + len(added)
    width = max(payload_start - size_at, 8 if info_size >= 127 else 1)
    info_header = _size_vint(info_size, width)
    grown = (width - (payload_start - size_at)) + len(added)
    out = (
        data[:size_at] + info_header + data[payload_start:payload_end] + added + data[payload_end:]
    )
    if segment_at and segment_at[2]:  # a Segment of known size grows by what was added
        seg_size_at, seg_payload, _ = segment_at
        old_width = seg_payload - seg_size_at
        old, _, _ = _vint(data, seg_size_at, keep_marker=False)
        out = out[:seg_size_at] + _size_vint(old + grown, old_width) + out[seg_payload:]
    return out


def _ogg(data: bytes) -> float:
    """Length in seconds of an Ogg Opus recording (mutagen reads OpusHead and the last granule)."""
    from mutagen import MutagenError
    from mutagen.oggopus import OggOpus

    if b"OpusHead" not in data[:512]:
        raise AudioError("type")
    try:
        return float(OggOpus(io.BytesIO(data)).info.length)
    except (MutagenError, struct.error, ValueError) as error:
        raise AudioError("unreadable") from error


def check_recording(data: bytes) -> Clip:
    """The upload as a Clip, or AudioError saying what is wrong with it (nothing is stored)."""
    if not data:
        raise AudioError("missing")
    if len(data) > MAX_BYTES:
        raise AudioError("too_large", kb=round(len(data) / 1024), limit=MAX_BYTES // 1024)
    if data.startswith(EBML_MAGIC):
        seconds, data = _webm(data)
        container = "webm"
    elif data.startswith(b"OggS"):
        seconds, container = _ogg(data), "ogg"
    else:
        raise AudioError("type")
    if seconds > MAX_SECONDS:
        raise AudioError("too_long", seconds=round(seconds), limit=round(MAX_SECONDS))
    if seconds < MIN_SECONDS:
        raise AudioError("too_short", seconds=round(seconds, 1))
    if len(data) * 8 / seconds > MAX_BITRATE:
        raise AudioError(
            "bitrate", kbps=round(len(data) * 8 / seconds / 1000), limit=MAX_BITRATE // 1000
        )
    return Clip(container, data, round(seconds, 2))


# --- stored recordings ----------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


COLUMNS = (
    "id, lang, slug, slot, recorded_hash, serves_hash, status, container, bytes, seconds, "
    "recorded_by, recorded_at, approved_by, approved_at"
)


def store_recording(
    db: sqlite_utils.Database, guide: Guide, block: SayBlock, clip: Clip, by: str
) -> str:
    """Save a new recording of `block` as `recorded`; an unapproved earlier take of it goes."""
    recording_id = str(uuid.uuid4())
    with immediate(db.conn):
        db.execute(
            "DELETE FROM audio_recordings WHERE lang = ? AND slug = ? AND slot = ? AND status = 'recorded'",
            [guide.lang, guide.slug, block.slot],
        )
        db["audio_recordings"].insert(
            {
                "id": recording_id,
                "lang": guide.lang,
                "slug": guide.slug,
                "slot": block.slot,
                "recorded_hash": block.hash,
                "serves_hash": block.hash,
                "status": "recorded",
                "container": clip.container,
                "bytes": len(clip.data),
                "seconds": clip.seconds,
                "data": clip.data,
                "recorded_by": by,
                "recorded_at": _now(),
            }
        )
    return recording_id


def recordings(db: sqlite_utils.Database, lang: str, slug: str) -> list[dict]:
    """Every recording of a guide (without the bytes), newest first."""
    return list(
        db.query(
            f"SELECT {COLUMNS} FROM audio_recordings WHERE lang = ? AND slug = ? "
            "ORDER BY recorded_at DESC, rowid DESC",
            [lang, slug],
        )
    )


def get_recording(
    db: sqlite_utils.Database, recording_id: str, with_data: bool = False
) -> dict | None:
    columns = COLUMNS + (", data" if with_data else "")
    rows = list(db.query(f"SELECT {columns} FROM audio_recordings WHERE id = ?", [recording_id]))
    return rows[0] if rows else None


@dataclass
class BlockState:
    """What the recording page shows for one say block."""

    block: SayBlock
    served: dict | None  # the approved recording phones get now
    waiting: dict | None  # a take waiting for approval
    stale: dict | None  # the newest recording made for an earlier text of this block


def block_states(db: sqlite_utils.Database, guide: Guide) -> list[BlockState]:
    rows = recordings(db, guide.lang, guide.slug)
    states = []
    for block in say_blocks(guide):
        current = [r for r in rows if r["serves_hash"] == block.hash]
        served = next((r for r in current if r["status"] == "approved"), None)
        waiting = next((r for r in current if r["status"] == "recorded"), None)
        older = [r for r in rows if r["slot"] == block.slot and r["serves_hash"] != block.hash]
        stale = older[0] if older and not served and not waiting else None
        states.append(BlockState(block, served, waiting, stale))
    return states


def approve(db: sqlite_utils.Database, recording: dict, by: str) -> int:
    """Approve a take; the recordings it replaces for its block go. Returns how many went."""
    with immediate(db.conn):
        gone = db.execute(
            "DELETE FROM audio_recordings WHERE lang = ? AND slug = ? AND id != ? "
            "AND (serves_hash = ? OR slot = ?)",
            [
                recording["lang"],
                recording["slug"],
                recording["id"],
                recording["serves_hash"],
                recording["slot"],
            ],
        ).rowcount
        db.execute(
            "UPDATE audio_recordings SET status = 'approved', approved_by = ?, approved_at = ? WHERE id = ?",
            [by, _now(), recording["id"]],
        )
    return gone


def keep_for_new_text(db: sqlite_utils.Database, recording: dict, block: SayBlock) -> None:
    """An admin says the recording still fits the edited text: it serves the new text's hash."""
    with immediate(db.conn):
        db.execute(
            "UPDATE audio_recordings SET serves_hash = ?, slot = ? WHERE id = ?",
            [block.hash, block.slot, recording["id"]],
        )


def remove(db: sqlite_utils.Database, recording_id: str) -> None:
    with immediate(db.conn):
        db.execute("DELETE FROM audio_recordings WHERE id = ?", [recording_id])


def clip_name(recording: dict) -> str:
    """The file name in a clip's URL: the text hash and the recording id, so any change is a new URL."""
    return f"{recording['serves_hash']}-{recording['id']}.{recording['container']}"


def served_recordings(db: sqlite_utils.Database, guide: Guide) -> dict[str, dict]:
    """say hash → the approved recording phones get for it (only blocks of the current text)."""
    hashes = {block.hash for block in say_blocks(guide)}
    served: dict[str, dict] = {}
    for row in recordings(db, guide.lang, guide.slug):
        if row["status"] == "approved" and row["serves_hash"] in hashes:
            served.setdefault(row["serves_hash"], row)
    return served


def manifest(db: sqlite_utils.Database, guide: Guide, clip_url) -> dict:
    """The guide's approved audio as the page and the service worker read it (`clip_url(name)`)."""
    served = served_recordings(db, guide)
    clips = {
        say: {
            "url": clip_url(clip_name(row)),
            "bytes": row["bytes"],
            "seconds": row["seconds"],
            "type": TYPES[row["container"]],
        }
        for say, row in sorted(served.items())
    }
    version = hashlib.sha256("".join(sorted(c["url"] for c in clips.values())).encode()).hexdigest()
    return {
        "lang": guide.lang,
        "guide": guide.slug,
        "version": version[:HASH_LENGTH],
        "bytes": sum(c["bytes"] for c in clips.values()),
        "clips": clips,
    }


def find_served(db: sqlite_utils.Database, guide: Guide, name: str) -> dict | None:
    """The served recording whose clip name is `name` (with its bytes), else None."""
    for row in served_recordings(db, guide).values():
        if clip_name(row) == name:
            return get_recording(db, row["id"], with_data=True)
    return None


def coverage(db: sqlite_utils.Database, guides: list[Guide]) -> dict[str, tuple[int, int]]:
    """lang → (say blocks with approved audio, say blocks), over the guides given."""
    result: dict[str, list[int]] = {}
    for guide in guides:
        blocks = say_blocks(guide)
        served = served_recordings(db, guide)
        counts = result.setdefault(guide.lang, [0, 0])
        counts[0] += sum(1 for block in blocks if block.hash in served)
        counts[1] += len(blocks)
    return {lang: (done, total) for lang, (done, total) in result.items()}
