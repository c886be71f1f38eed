"""Build everything the app serves from source.

python build.py           validate content, compile catalogs, subset fonts, and the rest below
python build.py --check   validate content only; exit 1 naming file and line for each problem
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from toolkit.content import load_library
from toolkit.fonts import build_fonts

ROOT = Path(__file__).resolve().parent
TRANSLATIONS = ROOT / "toolkit" / "translations"


def check_content(content_dir: Path) -> int:
    """Print every content problem; return how many there were."""
    library = load_library(content_dir)
    for problem in library.problems:
        print(problem, file=sys.stderr)
    langs = sorted({lang for lang, _ in library.guides})
    print(
        f"content: {len(library.slugs())} guides in {', '.join(langs) or 'no language'}, "
        f"version {library.version}, {len(library.problems)} problem(s)"
    )
    return len(library.problems)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate content only")
    parser.add_argument(
        "--content", type=Path, default=ROOT / "content", help="content folder (default: content/)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    problems = check_content(args.content)
    if problems:
        print(f"build: {problems} content problem(s); fix them and run again", file=sys.stderr)
        return 1
    if args.check:
        return 0
    catalogs = compile_catalogs()
    print(f"catalogs: {len(catalogs)} compiled")
    sizes = build_fonts(ROOT / "static")
    print("fonts: " + ", ".join(f"{name} {size // 1024} KB" for name, size in sizes.items()))
    print(f"build: done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
