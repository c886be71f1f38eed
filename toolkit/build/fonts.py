"""Build step: subset Debian's Noto fonts to WOFF2 and write static/css/fonts.css from them.

Which fonts, and which characters each may hold, is the language table's (toolkit/data/languages.toml).
A script's letters are kept only when the toolkit's text uses them (content, catalogs, templates, data
files, code) or when they belong to the alphabet of a language the font serves, so what a facilitator
types in her notes still shows in her font. Everything else of the script block (Vedic signs, letters of
other languages written in the same script) is dropped: the Urdu offline pack must fit its budget.

fonts.css is written from the table and from what each subset really holds (its cmap): a face never
claims a character (`unicode-range`) that its file does not have, so the browser falls through to the
next family instead of drawing a box, and no range goes stale when the subset changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from ..languages import (
    FONT_DIR,
    FONTS,
    LANGUAGES,
    SOURCE_LANGUAGE,
    Font,
    Ranges,
    table_files,
)

ROOT = Path(__file__).resolve().parent.parent.parent
CSS_FILE = Path("css") / "fonts.css"
# The text the fonts must show, beside the content: catalogs, templates, data files, code, scripts.
PROJECT_TEXT = (
    "toolkit/translations/*/LC_MESSAGES/*.po",
    "toolkit/templates/**/*.html",
    "toolkit/templates/**/*.js",
    "toolkit/data/*",
    "toolkit/**/*.py",
    "static/js/*.js",
)
CONTENT_TEXT = ("**/*.md", "**/*.yaml", "**/*.yml")


def project_texts(
    content_dir: Path = ROOT / "content", catalogs: Iterable[Path] = (), root: Path = ROOT
) -> Iterable[str]:
    """Every text whose characters the web fonts must cover: the project's, the content's, the
    language table files' and those of any other catalog folders (`catalogs`, *.po under them)."""
    paths = [path for pattern in PROJECT_TEXT for path in sorted(root.glob(pattern))]
    paths += [path for pattern in CONTENT_TEXT for path in sorted(Path(content_dir).glob(pattern))]
    paths += [path for folder in catalogs for path in sorted(Path(folder).rglob("*.po"))]
    paths += table_files()
    for path in dict.fromkeys(paths):
        if path.is_file():
            yield path.read_text("utf-8")


def used_characters(texts: Iterable[str]) -> set[int]:
    """Every character in the texts."""
    used: set[int] = set()
    for text in texts:
        used.update(map(ord, text))
    return used


def _within(ranges: Ranges):
    return lambda c: any(start <= c <= end for start, end in ranges)


def alphabet(font: Font) -> set[int]:
    """The characters always kept in `font`: the alphabets of the languages it serves."""
    kept = set()
    for language in LANGUAGES.values():
        if font in (language.font, *language.reader_fonts):
            kept.update(c for start, end in language.alphabet for c in range(start, end + 1))
    return kept


def codepoints(font: Font, used: set[int] | None = None) -> list[int]:
    """What the subset of `font` covers: its ranges, its script cut to `used` and its alphabet."""
    in_script = _within(font.script)
    kept = set()
    for start, end in font.ranges:
        for c in range(start, end + 1):
            if used is None or not in_script(c) or c in used:
                kept.add(c)
    if used is not None:
        kept.update(alphabet(font))
    return sorted(kept)


def subset_font(source: Path, target: Path, unicodes: list[int]) -> int:
    """Write a WOFF2 subset of `source` keeping every OpenType layout feature; return its size."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Devanagari conjuncts and Nastaliq joining need them all
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # hinting is large and modern phones ignore it
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(target), options)
    return target.stat().st_size


def subset_fonts(
    static_dir: Path,
    font_dir: Path = Path(FONT_DIR),
    used: set[int] | None = None,
    state_file: Path | None = None,
) -> dict[str, int]:
    """Subset every font of the table into static/fonts/; return each file's size.

    A font is made again when its source is newer or the characters it must cover changed (their
    hash is kept in `state_file`, so a Nastaliq subset, ~20 s, runs only when the text needs it).
    """
    state = json.loads(state_file.read_text("utf-8")) if state_file and state_file.exists() else {}
    sizes = {}
    for font in FONTS.values():
        source = font_dir / font.source
        if not source.exists():
            raise FileNotFoundError(
                f"{source} is missing: install Debian's fonts-noto-core (make install does)"
            )
        target = static_dir / "fonts" / font.file
        unicodes = codepoints(font, used)
        digest = hashlib.sha256(json.dumps(unicodes).encode()).hexdigest()[:16]
        stale = not target.exists() or target.stat().st_mtime < source.stat().st_mtime
        if stale or state.get(font.file) != digest:
            subset_font(source, target, unicodes)
            state[font.file] = digest
        sizes[font.file] = target.stat().st_size
    if state_file:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", "utf-8")
    return sizes


def cmap(path: Path) -> set[int]:
    """The characters a font file really holds."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path)) as font:
        return set(font.getBestCmap())


def face_codepoints(font: Font, held: set[int]) -> list[int]:
    """What the face claims on the web: its `unicode_range` (all if none), cut to what it holds."""
    claims = _within(font.unicode_range) if font.unicode_range is not None else lambda c: True
    return sorted(c for c in held if claims(c))


def css_ranges(codepoints: Iterable[int]) -> str:
    """[0x900, 0x901, 0x902, 0x25CC] → "U+0900-0902, U+25CC" (CSS unicode-range)."""
    runs: list[list[int]] = []
    for c in sorted(codepoints):
        if runs and c == runs[-1][1] + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return ", ".join(
        f"U+{start:04X}" if start == end else f"U+{start:04X}-{end:04X}" for start, end in runs
    )


def font_stack(font: Font) -> str:
    """CSS font-family: the script's font, the source language's for Latin beside it, a generic."""
    families = dict.fromkeys([font.own_family, LANGUAGES[SOURCE_LANGUAGE].font.own_family])
    return ", ".join(f'"{family}"' for family in families) + f", {font.generic}"


def font_css(static_dir: Path) -> str:
    """fonts.css: a @font-face per font (range from its cmap), then font, leading and list digits
    per language."""
    rules = [
        "/* Generated by build.py (toolkit/build/fonts.py) from the language table"
        " (toolkit/data/languages.toml)\n   and the subsets in static/fonts/: do not edit. */"
    ]
    for font in FONTS.values():
        held = cmap(static_dir / "fonts" / font.file)
        rules.append(
            f'@font-face {{ font-family: "{font.own_family}"; '
            f'src: url("../fonts/{font.file}") format("woff2");\n'
            f"  font-display: swap; unicode-range: {css_ranges(face_codepoints(font, held))}; }}"
        )
    source = LANGUAGES[SOURCE_LANGUAGE]
    rules.append(
        # --latin: codes, web addresses and links, which stay in the source language's script.
        f":root {{ --font: {font_stack(source.font)}; --leading: {source.font.line_height}; "
        f'--latin: "{source.font.own_family}"; }}'
    )
    for code, language in LANGUAGES.items():
        if code != SOURCE_LANGUAGE:
            rules.append(
                f'html[lang="{code}"] {{ --font: {font_stack(language.font)}; '
                f"--leading: {language.font.line_height}; }}"
            )
        for reader_font in language.reader_fonts:  # the reader's choice is a class on <html>
            rules.append(
                f'html[lang="{code}"].{reader_font.key} {{ --font: {font_stack(reader_font)}; '
                f"--leading: {reader_font.line_height}; }}"
            )
    # Text in another language inside a page (the language switcher, a guide shown in English).
    for code, language in LANGUAGES.items():
        tall = f" line-height: {language.font.line_height};" if language.font.tall else ""
        rules.append(f'[lang="{code}"] {{ font-family: {font_stack(language.font)};{tall} }}')
    for code, language in LANGUAGES.items():
        if language.list_style != "decimal":  # numbered lists count in the language's digits
            rules.append(f'html[lang="{code}"] ol {{ list-style-type: {language.list_style}; }}')
    return "\n".join(rules) + "\n"


def build_fonts(static_dir: Path, texts: Iterable[str], state_file: Path | None = None) -> str:
    """The build step: subset every font for `texts` (project_texts), write fonts.css; a summary."""
    sizes = subset_fonts(static_dir, used=used_characters(texts), state_file=state_file)
    css = static_dir / CSS_FILE
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(font_css(static_dir), "utf-8")
    return "fonts: " + ", ".join(f"{name} {size // 1024} KB" for name, size in sizes.items())
