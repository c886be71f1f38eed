"""Running text of a guide as HTML: web addresses kept whole, numbers in the language's digits.

Used by the markdown renderer (`parse._markdown`) for every text run and by the front matter
(titles, summary, objectives, materials lines).
"""

from __future__ import annotations

import re

from markdown_it.common.utils import escapeHtml as escape_html

from ..languages import LANGUAGES, SOURCE_LANGUAGE, native_digits

# A web address in running text ("beoe.gov.pk/list-of-oeps"), with or without its scheme.
_URL = re.compile(
    r"(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/(?:[A-Za-z0-9\-._~%/?#=&+]*[A-Za-z0-9/=])?)?"
)
# A number standing on its own (not part of a code such as "C189", "A5" or "COVID-19").
_NUMBER = re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z]-)\d+(?:[.,]\d+)*(?![A-Za-z0-9])(?!-[A-Za-z])")


def running_text_html(text: str, lang: str | None) -> str:
    """Escaped text of a guide: web addresses kept whole and left-to-right, numbers in the
    language's digits.

    In Urdu a web address in a right-to-left line broke at its hyphens and came out in the wrong
    order ("-beoe.gov.pk/list-of" / "oeps"): it is isolated, left-to-right and unbroken. Numbers
    are written by authors in 0-9; a reader of Nepali or Urdu reads them in her own digits, and in
    Urdu a decimal point between digits (which looks like zero) becomes the Arabic decimal mark.
    """
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape_html(native_numbers(text[last : match.start()], lang)))
        out.append(
            f'<span class="url" dir="ltr" translate="no">{escape_html(match.group())}</span>'
        )
        last = match.end()
    out.append(escape_html(native_numbers(text[last:], lang)))
    return "".join(out)


def native_numbers(text: str, lang: str | None) -> str:
    """Numbers standing on their own in the language's digits (front matter and running text)."""
    if lang in (None, SOURCE_LANGUAGE) or lang not in LANGUAGES:
        return text

    def native(match: re.Match) -> str:
        number = match.group()
        mark = LANGUAGES[lang].decimal_mark
        if mark != ".":
            number = re.sub(r"(?<=\d)\.(?=\d)", mark, number)
        return native_digits(number, lang)

    out, last = [], 0
    for url in _URL.finditer(text):
        out += [_NUMBER.sub(native, text[last : url.start()]), url.group()]
        last = url.end()
    return "".join(out) + _NUMBER.sub(native, text[last:])
