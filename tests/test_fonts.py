"""The web fonts hold what the pages show: fonts.css claims only what each subset has, and every
character a phone's page shows (in its own language, or in another marked with `lang`) is in the
font its language's font stack names. A character missing there is drawn in whatever system font the
phone has (Noto Kufi for Urdu on Android), or as a box. The browser check is tests/browser/test_fonts.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit.build.fonts import CSS_FILE, cmap, css_ranges, font_css
from toolkit.languages import FONTS, LANGUAGES, page_fonts
from toolkit.precache import page_urls

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
FACE = re.compile(
    r'@font-face \{ font-family: "([^"]+)"; src: url\("\.\./fonts/([^"]+)"\)[^}]*?'
    r"unicode-range: ([^;]+);"
)


def faces() -> dict[str, tuple[str, set[int]]]:
    """fonts.css's faces: family → (file, the characters its unicode-range claims)."""
    css = (STATIC / CSS_FILE).read_text("utf-8")
    found = {}
    for family, file, ranges in FACE.findall(css):
        claimed = set()
        for item in ranges.split(","):
            start, _, end = item.strip().removeprefix("U+").partition("-")
            claimed.update(range(int(start, 16), int(end or start, 16) + 1))
        found[family] = (file, claimed)
    return found


def test_fonts_css_is_what_the_table_and_the_subsets_make():
    """build.py wrote fonts.css from this table and these subsets (run it after changing either)."""
    assert (STATIC / CSS_FILE).read_text("utf-8") == font_css(STATIC)
    assert {family: file for family, (file, _) in faces().items()} == {
        font.own_family: font.file for font in FONTS.values()
    }


def test_every_range_in_fonts_css_is_held_by_its_subset():
    for family, (file, claimed) in faces().items():
        missing = claimed - cmap(STATIC / "fonts" / file)
        assert not missing, f"{family} claims {css_ranges(missing)}, which {file} does not hold"


def test_a_face_never_claims_latin_for_a_script_font():
    """Latin beside Devanagari or Nastaliq is drawn by the source language's font, as designed."""
    for font in FONTS.values():
        if font.unicode_range is not None:
            assert not {ord("a"), ord("A"), ord("1")} & faces()[font.own_family][1], font.own_family


class _ShownText(HTMLParser):
    """(lang, character) for every character a page shows, by the `lang` of its element.

    Text, placeholders and the strings pages hand to their scripts (JSON data blocks and data-*
    attributes, which scripts write into the page) count; code in <script> and <style> does not.
    """

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, lang: str):
        super().__init__(convert_charrefs=True)
        self.stack = [lang]
        self.tags: list[str] = []
        self.code = False
        self.shown: set[tuple[str, str]] = set()

    def _add(self, text: str) -> None:
        self.shown.update((self.stack[-1], char) for char in text if not char.isspace())

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = attributes.get("lang") or self.stack[-1]
        if tag not in self.VOID:
            self.stack.append(lang)
            self.tags.append(tag)
        self.code = tag == "style" or (
            tag == "script" and attributes.get("type") != "application/json"
        )
        for name, value in attrs:
            if value and (name == "placeholder" or name.startswith("data-")):
                self.stack.append(lang)
                self._add(value)
                self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.tags:
            while self.tags:
                self.stack.pop()
                if self.tags.pop() == tag:
                    break
        self.code = False

    def handle_data(self, data):
        if self.code:
            return
        if self.tags and self.tags[-1] == "script":  # a JSON data block: its strings are shown
            strings: list[str] = []
            _strings(json.loads(data), strings)
            data = " ".join(strings)
        self._add(data)


# Data the scripts search notes with (the other scripts' honorifics and digits), never shown.
NOT_SHOWN = {"identifying"}


def _strings(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_SHOWN:
                _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_character_a_phone_page_shows_is_in_its_languages_fonts(app, lang):
    """Every page a phone keeps offline (guide list, guides, runners, log, enrol, offline)."""
    claimed = {family: held for family, (_file, held) in faces().items()}
    held = {
        code: set().union(*(claimed[font.own_family] for font in page_fonts(code)))
        for code in LANGUAGES
    }
    client = app.test_client()
    missing: dict[str, set[str]] = {}
    for url in page_urls(app, lang):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = _ShownText(lang)
        parser.feed(response.get_data(as_text=True))
        for text_lang, char in parser.shown:
            if text_lang in held and ord(char) not in held[text_lang]:
                missing.setdefault(f"U+{ord(char):04X} {char!r} ({text_lang})", set()).add(url)
    assert not missing, "\n".join(f"{char}: {sorted(urls)[:3]}" for char, urls in missing.items())
