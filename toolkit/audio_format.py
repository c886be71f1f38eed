"""What an uploaded recording must be: its container, its length and its bit rate (no Flask here).

Uploads are checked by their bytes, never by the Content-Type a browser claims: WebM (EBML magic
1A45DFA3, one Opus audio track) or Ogg Opus (OggS with OpusHead). The length comes from the container
(the last block's time in WebM, the last granule position in Ogg, via mutagen) and must agree with the
size: a header that lies about the length cannot slip a large file under the bit-rate limit.
`check_recording` gives the `Clip` that `audio.store_recording` stores.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

MAX_BYTES = 600 * 1024  # 3 minutes at 24 kbit/s is 540 KB, plus the container
MAX_SECONDS = 180.0
MIN_SECONDS = 0.5
# What recorder.js asks MediaRecorder for: Opus plus the WebM container then stays within 24 kbit/s.
TARGET_BITRATE = 22_000
BUDGET_BITRATE = 24_000  # DESIGN.md: audio for a say block (Opus speech) ≤ 24 kbit/s
MAX_BITRATE = (
    32_000  # the average a file may reach: 24 kbit/s Opus, variable rate, plus the container
)
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


# --- WebM -----------------------------------------------------------------------------------------

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


@dataclass
class _WebmScan:
    """What a walk through a WebM file found, element by element."""

    doc_type: str | None = None
    codec: str | None = None
    video: bool = False
    scale: int = 1_000_000  # nanoseconds per timecode unit (the WebM default)
    header_duration: float = 0.0
    cluster_time: int = 0
    last_time: int | None = None
    info_at: tuple | None = None  # (id start, size start, payload start, payload end) of Info
    segment_at: tuple | None = None  # (size start, payload start, size known)

    def read(self, element: int, payload: bytes) -> None:
        """Note what one element (not a master element) says."""
        if element == _DOC_TYPE:
            self.doc_type = payload.rstrip(b"\0").decode("ascii", "replace")
        elif element == _TIMECODE_SCALE:
            self.scale = int.from_bytes(payload, "big") or self.scale
        elif element == _DURATION and len(payload) in (4, 8):
            self.header_duration = struct.unpack(">f" if len(payload) == 4 else ">d", payload)[0]
        elif element == _CODEC_ID:
            self.codec = self.codec or payload.rstrip(b"\0").decode("ascii", "replace")
        elif element == _TRACK_TYPE and int.from_bytes(payload, "big") != 2:
            self.video = True  # anything but an audio track
        elif element == _TIMECODE:
            self.cluster_time = int.from_bytes(payload, "big")
        elif element in (_SIMPLE_BLOCK, _BLOCK):
            _, after, _ = _vint(payload, 0, keep_marker=False)  # track number
            if after + 2 > len(payload):
                raise AudioError("unreadable")
            time = self.cluster_time + struct.unpack(">h", payload[after : after + 2])[0]
            self.last_time = time if self.last_time is None else max(self.last_time, time)


def _scan_webm(data: bytes) -> _WebmScan:
    """Walk every element of the file: into master elements, over the others by their size."""
    scan = _WebmScan()
    pos = 0
    while pos < len(data):
        start = pos
        element, pos, _ = _vint(data, pos, keep_marker=True)
        size_at = pos
        size, pos, unknown = _vint(data, pos, keep_marker=False)
        if element in _MASTERS:
            if element == _SEGMENT:
                scan.segment_at = (size_at, pos, not unknown)
            elif element == _INFO and not unknown:
                scan.info_at = (start, size_at, pos, pos + size)
            continue  # walk into it: its children follow
        if unknown or pos + size > len(data):
            if element in (_SIMPLE_BLOCK, _BLOCK) and not unknown:
                break  # a recording cut short in its last block: what came before still counts
            raise AudioError("unreadable")
        scan.read(element, data[pos : pos + size])
        pos += size
    return scan


def _webm(data: bytes) -> tuple[float, bytes]:
    """Length in seconds of a WebM Opus recording, and its bytes with the length written in.

    Browsers' MediaRecorder writes no Duration (it records live), and Chromium cannot seek in such a
    file: the Duration element is added to the Info element here, so phones can seek.
    """
    scan = _scan_webm(data)
    if scan.doc_type != "webm" or scan.codec != "A_OPUS" or scan.video:
        raise AudioError("type")
    if scan.last_time is None:
        raise AudioError("too_short", seconds=0)
    measured = scan.last_time * scan.scale / 1e9 + OPUS_FRAME_SECONDS
    header_seconds = scan.header_duration * scan.scale / 1e9
    seconds = max(measured, header_seconds)  # a Duration shorter than the blocks is not believed
    if scan.info_at is None or scan.header_duration:
        return seconds, data
    duration = seconds * 1e9 / scan.scale
    return seconds, _with_duration(data, scan.info_at, scan.segment_at, duration)


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


# --- Ogg -----------------------------------------------------------------------------------------


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
