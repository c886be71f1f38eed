"""Random keys kept in files (mode 0600), created once by whichever process comes first. No Flask import.

Two gunicorn workers may start at the same moment: a key is written whole to a private temporary file
and then hard-linked into place, which fails if the file exists, so both use the same key and nobody
ever reads half a key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def read_or_create_key(path: Path) -> str:
    """The key in `path` (64 hex digits), created first if the file does not exist."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process won the race: use its key
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < KEY_BYTES:
        raise RuntimeError(f"{path} holds no usable key: delete it and start again")
    return key
