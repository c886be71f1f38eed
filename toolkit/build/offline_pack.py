"""The offline pack: the service worker's precache manifest per language (a build.py step).

Runs after every step that writes into static/ (icons included): it hashes each static file and
renders each page a phone keeps offline (toolkit/precache.py). /sw.js is rendered from the files
this writes; the server computes them itself only when they are missing or out of date.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from ..precache import build_precache


def write_precache(app: Flask, build_dir: Path | str | None = None) -> dict[str, Path]:
    """Write `precache/<lang>.json` into BUILD_DIR (or `build_dir`); return the files written."""
    folder = Path(build_dir or app.config["BUILD_DIR"]) / "precache"
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for lang, manifest in build_precache(app).items():
        path = folder / f"{lang}.json"
        path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
        written[lang] = path
    return written
