"""Spoken scripts: one recording per `say` block, stored, approved and served (no Flask here).

A recording is keyed by the hash of its block's text (`say_hash`). It is served to phones only while it
is `approved` and the hash it serves (`serves_hash`, the text it was recorded for, or the new text an
admin kept it for) equals the block's current hash: edit the text and the recording goes quiet until it
is recorded again or kept.

Recordings are blobs in SQLite (table `audio_recordings`), not files: a row and its bytes are stored in
one transaction (nothing half-stored), and the backup and Litestream replication of the database carry
them with everything else. A guide's whole pack is a few MB, well inside what SQLite serves comfortably.
What an upload must be (its container, length and bit rate) is checked first by `audio_format`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

import sqlite_utils

from .audio_format import TYPES, Clip
from .content import Guide
from .db import immediate

HASH_LENGTH = 16


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
