"""The on-disk PDF cache: where each PDF lives, named by a hash of everything that went into it.

No Flask import: printing.py serves from it (rendering a miss once, as its single flight), build.py's
prebuild fills it, and materials/sheets.py names the materials PDFs with the same key.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .content import Guide


@dataclass(frozen=True)
class PdfKey:
    """Where a PDF lives in the cache: a readable name and a hash of all that went into it."""

    lang: str
    name: str  # "handout.<slug>", "booklet" or "booklet.<module>"
    size: str
    digest: str

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.size}.{self.digest}.pdf"


def key_digest(*parts: object) -> str:
    """A short hash of `parts`: the part of a cache file name that changes with its inputs."""
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:20]


def handout_key(
    guide: Guide, lang: str, size: str, *, app_version: str, fingerprint: str
) -> PdfKey:
    """Cache key of a handout: the guide's source hash, the page language, size and versions."""
    digest = key_digest(
        guide.lang, guide.slug, guide.source_hash, lang, size, app_version, fingerprint
    )
    return PdfKey(lang, f"handout.{guide.slug}", size, digest)


def booklet_key(
    guides: Sequence[tuple[Guide, bool]],
    lang: str,
    size: str,
    *,
    module: str | None,
    app_version: str,
    fingerprint: str,
) -> PdfKey:
    """Cache key of a booklet: every included guide's source hash, in order, and the versions."""
    parts = [f"{g.lang}/{g.slug}/{g.source_hash}/{int(fallback)}" for g, fallback in guides]
    digest = key_digest(lang, module, size, app_version, fingerprint, *parts)
    return PdfKey(lang, f"booklet.{module}" if module else "booklet", size, digest)


class PdfCache:
    """PDFs on disk, one folder per language; a new version of a PDF replaces the old file."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def path(self, key: PdfKey) -> Path:
        return self.directory / key.lang / key.filename

    def get(self, key: PdfKey) -> Path | None:
        path = self.path(key)
        return path if path.is_file() else None

    def put(self, key: PdfKey, data: bytes) -> Path:
        """Write atomically (two processes may render the same PDF) and drop older versions."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in path.parent.glob(f"{key.name}.{key.size}.*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
        return path
