"""Build everything the app serves from source.

python build.py           validate content, compile catalogs, subset fonts, and the rest below
python build.py --check   validate content only; exit 1 naming file and line for each problem

Each step is a module of toolkit/build/ named for what it makes; this file is their order.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from toolkit.build import bs_calendar, build_app, catalogs, chart_css, icons, offline_pack, pdfs
from toolkit.build.browser_rules import write_browser_rules
from toolkit.build.content_check import check_content
from toolkit.build.fonts import build_fonts, project_texts
from toolkit.content_rules import DISTRICTS_CSV

ROOT = Path(__file__).resolve().parent
STATIC = ROOT / "static"
BUILD = ROOT / "build"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pdf-sizes",
        default="a4",
        help="paper sizes to prebuild PDFs in, e.g. a4,a5 (default: a4; the others on demand)",
    )
    parser.add_argument("--check", action="store_true", help="validate content only")
    parser.add_argument(
        "--content", type=Path, default=ROOT / "content", help="content folder (default: content/)"
    )
    parser.add_argument(
        "--districts",
        type=Path,
        default=DISTRICTS_CSV,
        help="district list the place rule reads (default: toolkit/data/districts.csv)",
    )
    args = parser.parse_args(argv)
    args.pdf_sizes = tuple(
        size.strip().lower() for size in args.pdf_sizes.split(",") if size.strip()
    )
    if not args.pdf_sizes or any(size not in ("a4", "a5") for size in args.pdf_sizes):
        parser.error("--pdf-sizes takes a4, a5 or a4,a5")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    problems = check_content(args.content, args.districts)
    if problems:
        print(f"build: {problems} content problem(s); fix them and run again", file=sys.stderr)
        return 1
    if args.check:
        return 0
    # One line per step, in order: each step may read what the ones above it wrote.
    print(f"catalogs: {len(catalogs.compile_catalogs())} compiled")
    print(build_fonts(STATIC, project_texts(args.content), state_file=BUILD / "fonts.json"))
    print(f"bs-calendar: {bs_calendar.write_bs_calendar(STATIC).relative_to(ROOT)}")
    print(
        f"record rules: {', '.join(str(p.relative_to(ROOT)) for p in write_browser_rules(STATIC))}"
    )
    print(f"chart widths: {chart_css.write_css().relative_to(ROOT)}")
    print(f"icons: {len(icons.write_icons(STATIC))} redrawn")
    app = build_app(args.content)  # the pages below are rendered by the app, as it serves them
    manifests = offline_pack.write_precache(app)
    print(f"offline pack: {', '.join(manifests)} → {next(iter(manifests.values())).parent}")
    print(pdfs.build_pdfs(app, sizes=args.pdf_sizes))
    print(f"build: done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
