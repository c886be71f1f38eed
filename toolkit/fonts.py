"""Subset Debian's Noto fonts to WOFF2 for the web and PDFs (layout features kept for shaping).

A script's letters are kept only when the toolkit's text uses them (content, catalogs, templates, data
files: build.py passes them in) or when they belong to the language's alphabet, so what a facilitator
types in her notes still shows in her font. Everything else of the script block (Vedic signs, letters
of other languages written in the same script) is dropped: the Urdu offline pack must fit its budget.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from .languages import FONT_DIR, LANGUAGES, NASKH, Language

# Unicode ranges each font must cover: the script, plus what sits beside it in running text.
_LATIN = [
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x2010, 0x2027),
    (0x2030, 0x203A),
    (0x20AC, 0x20AC),
    (0x2122, 0x2122),
    (0x2212, 0x2212),
]
_ARABIC = [
    (0x20, 0x40),
    (0x5B, 0x60),
    (0x7B, 0x7E),
    (0xA0, 0xA0),
    (0xAB, 0xAB),
    (0xBB, 0xBB),
    (0x600, 0x6FF),
    (0x750, 0x77F),
    (0x200C, 0x200F),
    (0x2010, 0x2027),
    (0x25CC, 0x25CC),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
]
RANGES = {
    "noto-sans.woff2": _LATIN,
    "noto-sans-devanagari.woff2": [
        (0x20, 0x7E),
        (0xA0, 0xA0),
        (0x900, 0x97F),
        (0x1CD0, 0x1CFF),
        (0x200C, 0x200D),
        (0x2010, 0x2027),
        (0x20A8, 0x20A8),
        (0x25CC, 0x25CC),
        (0xA8E0, 0xA8FF),
    ],
    "noto-nastaliq-urdu.woff2": _ARABIC,
    "noto-naskh-arabic.woff2": _ARABIC,
}


# The script blocks whose letters are subset to what is used (the other ranges are kept whole).
SCRIPT_BLOCKS = {
    "noto-sans-devanagari.woff2": [(0x900, 0x97F), (0x1CD0, 0x1CFF), (0xA8E0, 0xA8FF)],
    "noto-nastaliq-urdu.woff2": [
        (0x600, 0x6FF),
        (0x750, 0x77F),
        (0xFB50, 0xFDFF),
        (0xFE70, 0xFEFF),
    ],
    "noto-naskh-arabic.woff2": [(0x600, 0x6FF), (0x750, 0x77F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
}
# Always kept: the alphabet as people type it, its digits, marks and punctuation.
_NEPALI_ALPHABET = [
    *range(0x901, 0x93A),  # candrabindu … ha
    *range(0x93C, 0x94E),  # nukta, avagraha, vowel signs, virama
    0x950,
    *range(0x964, 0x970),  # danda, double danda, digits ०-९
]
_URDU_ALPHABET = [
    *map(ord, "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیےآۓؤئۃۂأإ"),
    *range(0x64B, 0x656),  # harakat, hamza above and below
    0x670,  # superscript alef
    *range(0x660, 0x66A),  # Arabic-Indic digits
    *range(0x6F0, 0x6FA),  # Urdu digits
    *(0x60C, 0x61B, 0x61F, 0x6D4, 0x640),  # comma, semicolon, question mark, full stop, tatweel
    *(0x66B, 0x66C),  # decimal and thousands separators (content.native_numbers writes them)
]
ALWAYS = {
    "noto-sans-devanagari.woff2": _NEPALI_ALPHABET,
    "noto-nastaliq-urdu.woff2": _URDU_ALPHABET,
    "noto-naskh-arabic.woff2": _URDU_ALPHABET,
}


def codepoints(font_file: str, used: set[int] | None = None) -> list[int]:
    """What the subset of `font_file` covers: its ranges, the script block cut to `used` + ALWAYS."""
    blocks = SCRIPT_BLOCKS.get(font_file, [])
    in_script = lambda c: any(start <= c <= end for start, end in blocks)  # noqa: E731
    kept = set()
    for start, end in RANGES[font_file]:
        for c in range(start, end + 1):
            if used is None or not in_script(c) or c in used:
                kept.add(c)
    if used is not None:
        kept.update(ALWAYS.get(font_file, ()))
    return sorted(kept)


def used_characters(texts: Iterable[str]) -> set[int]:
    """Every character in the texts (build.py passes the content, catalogs, templates, data files)."""
    used: set[int] = set()
    for text in texts:
        used.update(map(ord, text))
    return used


def web_fonts() -> list[Language]:
    """Every font the toolkit ships (English's Noto Sans serves Latin text in every language)."""
    return [*LANGUAGES.values(), NASKH]


def subset_font(source: Path, target: Path, unicodes: list[int]) -> int:
    """Write a WOFF2 subset of `source` keeping every OpenType layout feature; return its size."""
    from fontTools import subset  # only build.py subsets; the app must start fast without it

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


def build_fonts(
    static_dir: Path,
    font_dir: Path = Path(FONT_DIR),
    used: set[int] | None = None,
    state_file: Path | None = None,
) -> dict[str, int]:
    """Subset every web font into static/fonts/.

    A font is made again when its source is newer or the characters it must cover changed (their
    hash is kept in `state_file`, so a Nastaliq subset, ~20 s, runs only when the text needs it).
    """
    state = json.loads(state_file.read_text("utf-8")) if state_file and state_file.exists() else {}
    sizes = {}
    for language in web_fonts():
        source = font_dir / language.source_font
        if not source.exists():
            raise FileNotFoundError(
                f"{source} is missing: install Debian's fonts-noto-core (make install does)"
            )
        target = static_dir / "fonts" / language.font_file
        unicodes = codepoints(language.font_file, used)
        digest = hashlib.sha256(json.dumps(unicodes).encode()).hexdigest()[:16]
        stale = not target.exists() or target.stat().st_mtime < source.stat().st_mtime
        if stale or state.get(language.font_file) != digest:
            subset_font(source, target, unicodes)
            state[language.font_file] = digest
        sizes[language.font_file] = target.stat().st_size
    if state_file:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", "utf-8")
    return sizes
