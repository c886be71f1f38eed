"""Subset Debian's Noto fonts to WOFF2 for the web and PDFs (layout features kept for shaping)."""

from __future__ import annotations

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


def web_fonts() -> list[Language]:
    """Every font the toolkit ships (English's Noto Sans serves Latin text in every language)."""
    return [*LANGUAGES.values(), NASKH]


def subset_font(source: Path, target: Path, ranges: list[tuple[int, int]]) -> int:
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
    subsetter.populate(unicodes=[c for start, end in ranges for c in range(start, end + 1)])
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(target), options)
    return target.stat().st_size


def build_fonts(static_dir: Path, font_dir: Path = Path(FONT_DIR)) -> dict[str, int]:
    """Subset every web font into static/fonts/; skip a font already newer than its source."""
    sizes = {}
    for language in web_fonts():
        source = font_dir / language.source_font
        if not source.exists():
            raise FileNotFoundError(
                f"{source} is missing: install Debian's fonts-noto-core (make install does)"
            )
        target = static_dir / "fonts" / language.font_file
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            subset_font(source, target, RANGES[language.font_file])
        sizes[language.font_file] = target.stat().st_size
    return sizes
