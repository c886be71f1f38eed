"""The one table of languages (like Kolibri's language_info), read from data.

Everything language-dependent reads from here: `<html lang dir>`, fonts for the web and PDFs (and the
web font CSS build.py writes from them), digits, the calendar, the web manifest, the PDF page-number
counter style. The rows are in toolkit/data/languages.toml; a programme adds its own languages there
or in a file of the same form named by TOOLKIT_LANGUAGES_FILE (README "Adding a language"). Both are
read once, at import, so every module that imports LANGUAGES sees the same table. No Flask import, so
content and PDF code use it too.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

TABLE_FILE = Path(__file__).resolve().parent / "data" / "languages.toml"
EXTRA_TABLE_ENV = "TOOLKIT_LANGUAGES_FILE"
FONT_DIR = "/usr/share/fonts/truetype/noto"
DIRECTIONS = ("ltr", "rtl")
CALENDARS = ("bs", "gregorian")  # Bikram Sambat beside Gregorian | Gregorian only

Ranges = tuple[tuple[int, int], ...]  # inclusive code point ranges


OWN_FAMILY_PREFIX = "Toolkit "


@dataclass(frozen=True)
class Font:
    """One subset web font: what it is made from and which characters it holds (languages.toml)."""

    key: str  # its name in the table; a reader's choice of it is the class of <html> ("naskh")
    family: str  # CSS family name of the subset web font
    file: str  # subset WOFF2 under static/fonts/
    source: str  # Debian fonts-noto-core file the subset is made from
    generic: str  # CSS generic family after it
    line_height: float
    tall: bool  # every element in this script keeps the line height, inside any page
    ranges: Ranges  # what the subset may hold
    script: Ranges  # of those, cut to the characters the toolkit's text uses
    unicode_range: Ranges | None  # what the face claims on the web (cut to the cmap); None: all

    @property
    def own_family(self) -> str:
        """The family name pages and PDFs give this subset: never a system font's name.

        A system font of the same name could stand in for the subset in a PDF; and Chromium resolves
        a generic family for an element's language (the switcher's lang="ur") to a system family name,
        then takes the page's @font-face of that name, fetching a font the page never uses.
        """
        return OWN_FAMILY_PREFIX + self.family


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    english_name: str
    direction: str  # "ltr" | "rtl"
    font: Font
    reader_fonts: tuple[Font, ...]  # offered instead of `font`, downloaded only when chosen
    digits: str  # the ten digits 0-9 in this language's script
    decimal_mark: str  # between the digits of a decimal number in running text
    page_counter: str  # CSS counter style for PDF page numbers (and PDF numbered lists)
    list_style: str  # CSS list-style-type of numbered lists on the web
    country: str | None  # content is written for this country (None: every country)
    calendar: str  # "bs" | "gregorian"
    # Put between two items on one line ("10 steps — 75 minutes"). Never "·" or another dot: beside
    # digits it reads as a digit or a decimal point, and in Urdu it looks exactly like zero ("۰").
    separator: str
    list_separator: str  # between the items of a list in running text ("wages, fees")
    # After a step's number ("1. Welcome"). Urdu writes "۱۔": "۱." would read as ten ("۱۰").
    number_suffix: str
    alphabet: Ranges  # always kept in its fonts: what people type, beyond what the content uses


class TableError(ValueError):
    """A row of a language table is incomplete or wrong; the message names the file and row."""


def parse_ranges(items: list[str]) -> Ranges:
    """["U+0900-097F", "U+25CC", "ابپ"] → ((0x900, 0x97F), (0x25CC, 0x25CC), (0x627, 0x627), …)."""
    ranges = []
    for item in items:
        if item.startswith("U+"):
            start, _, end = item[2:].partition("-")
            ranges.append((int(start, 16), int(end or start, 16)))
        else:
            ranges.extend((ord(char), ord(char)) for char in item)
    return tuple(ranges)


def _font(where: str, key: str, row: dict) -> Font:
    try:
        return Font(
            key=key,
            family=row["family"],
            file=row["file"],
            source=row["source"],
            generic=row["generic"],
            line_height=float(row["line_height"]),
            tall=bool(row.get("tall", False)),
            ranges=parse_ranges(row["ranges"]),
            script=parse_ranges(row.get("script", [])),
            unicode_range=parse_ranges(row["unicode_range"]) if "unicode_range" in row else None,
        )
    except KeyError as missing:
        raise TableError(f"{where}: [fonts.{key}] needs {missing.args[0]} = …") from None


def _language(where: str, code: str, row: dict, fonts: dict[str, Font]) -> Language:
    def font(key: str) -> Font:
        if key not in fonts:
            raise TableError(f"{where}: [languages.{code}] names font {key!r}: add [fonts.{key}]")
        return fonts[key]

    try:
        language = Language(
            code=code,
            native_name=row["native_name"],
            english_name=row["english_name"],
            direction=row["direction"],
            font=font(row["font"]),
            reader_fonts=tuple(font(key) for key in row.get("reader_fonts", [])),
            digits=row["digits"],
            decimal_mark=row["decimal_mark"],
            page_counter=row["page_counter"],
            list_style=row["list_style"],
            country=row.get("country"),
            calendar=row["calendar"],
            separator=row["separator"],
            list_separator=row["list_separator"],
            number_suffix=row["number_suffix"],
            alphabet=parse_ranges(row.get("alphabet", [])),
        )
    except KeyError as missing:
        raise TableError(f"{where}: [languages.{code}] needs {missing.args[0]} = …") from None
    if language.direction not in DIRECTIONS:
        raise TableError(f"{where}: [languages.{code}] direction must be ltr or rtl")
    if language.calendar not in CALENDARS:
        raise TableError(f"{where}: [languages.{code}] calendar must be bs or gregorian")
    if len(language.digits) != 10:
        raise TableError(f"{where}: [languages.{code}] digits must be the ten digits 0-9")
    return language


def load_table(*paths: Path) -> tuple[dict[str, Language], str]:
    """The languages of `paths` in order (the first names the source language), and its code.

    A later file adds rows; it may name the fonts of an earlier one but not repeat a language.
    """
    languages: dict[str, Language] = {}
    fonts: dict[str, Font] = {}
    source = None
    for path in paths:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
        source = source or table.get("source_language")
        for key, row in table.get("fonts", {}).items():
            fonts[key] = _font(str(path), key, row)
        for code, row in table.get("languages", {}).items():
            if code in languages:
                raise TableError(f"{path}: [languages.{code}] is already in {paths[0]}")
            languages[code] = _language(str(path), code, row, fonts)
    if source not in languages:
        raise TableError(f"{paths[0]}: source_language must name one of its languages")
    return languages, source


def table_files() -> list[Path]:
    """The table, and the programme's own rows if TOOLKIT_LANGUAGES_FILE names a file."""
    extra = os.environ.get(EXTRA_TABLE_ENV)
    return [TABLE_FILE, Path(extra)] if extra else [TABLE_FILE]


LANGUAGES, SOURCE_LANGUAGE = load_table(*table_files())

# Every font the toolkit ships, by key: each language's own and those offered to its readers.
FONTS: dict[str, Font] = {
    font.key: font
    for language in LANGUAGES.values()
    for font in (language.font, *language.reader_fonts)
}


def language_for_country(country: str | None) -> str:
    """The language content is written in for `country` (a facilitator's phone opens in it)."""
    return next(
        (code for code, language in LANGUAGES.items() if language.country == country),
        SOURCE_LANGUAGE,
    )


_ASCII_DIGITS = "0123456789"
_ALL_NATIVE_DIGITS = "".join(lang.digits for lang in LANGUAGES.values()) + "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_ALL_NATIVE_DIGITS, _ASCII_DIGITS * (len(_ALL_NATIVE_DIGITS) // 10))


def native_digits(value: object, lang: str) -> str:
    """Write the digits of `value` in the language's script (Babel never emits native digits)."""
    text = str(value)
    digits = LANGUAGES[lang].digits if lang in LANGUAGES else _ASCII_DIGITS
    return text.translate(str.maketrans(_ASCII_DIGITS, digits))


def ascii_digits(text: str) -> str:
    """Normalise every table language's digits and Arabic-Indic digits to 0-9."""
    return text.translate(_TO_ASCII)


def page_fonts(lang: str) -> tuple[Font, ...]:
    """The fonts a page in `lang` loads: its own, then the source language's for Latin beside it."""
    return tuple(dict.fromkeys([LANGUAGES[lang].font, LANGUAGES[SOURCE_LANGUAGE].font]))
