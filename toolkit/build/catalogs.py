"""The compiled message catalogs Flask-Babel reads (a build.py step).

The .po files are committed; the .mo files are built from them, and a broken catalog fails the build.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def compile_catalogs(translations: Path = TRANSLATIONS) -> list[Path]:
    """Compile every committed .po into the .mo Flask-Babel reads; fail on a broken catalog."""
    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        errors = [(message.id, error) for message, errs in catalog.check() for error in errs]
        if errors:
            raise SystemExit(f"{po_path}: {errors[0][1]} in {errors[0][0]!r}")
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written
