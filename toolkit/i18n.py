"""Flask-Babel wiring, the language of a request, and filters for digits and dates.

The language is always in the URL (`/ne/...`): a service worker caches by URL, so nothing else may
decide it. Outside a request (PDFs built by build.py) code uses `flask_babel.force_locale`.
"""

from __future__ import annotations

import datetime as dt

import nepali_datetime
from flask import Flask, g, request, url_for
from flask_babel import Babel, format_date

from .languages import LANGUAGES, SOURCE_LANGUAGE, native_digits, page_fonts

LANG_COOKIE = "lang"


def current_lang() -> str:
    """The language of this request: the URL's, else the one set on `g`, else English."""
    lang = getattr(g, "lang", None)
    if lang in LANGUAGES:
        return lang
    view_lang = (request.view_args or {}).get("lang") if request else None
    return view_lang if view_lang in LANGUAGES else SOURCE_LANGUAGE


def best_language(remembered: str | None = None) -> str:
    """The remembered choice first, then Accept-Language, then English."""
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(list(LANGUAGES), default=SOURCE_LANGUAGE)


def select_locale() -> str:
    return current_lang()


def show_date(value: dt.date | str | None, lang: str) -> str:
    """A date as people read it: Gregorian, with Bikram Sambat beside it where the language's
    calendar is "bs" (Nepali)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    gregorian = native_digits(format_date(value, "medium"), lang)
    if lang not in LANGUAGES or LANGUAGES[lang].calendar != "bs":
        return gregorian
    return f"{bikram_sambat(value)} ({gregorian})"


def show_month(value: str, lang: str) -> str:
    """A YYYY-MM month as people read it ("اگست ۲۰۲۶"); anything else is returned as it is."""
    try:
        first = dt.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        return value
    return native_digits(format_date(first, "MMMM y"), lang)


def bikram_sambat(value: dt.date) -> str:
    """'७ मंसिर २०८३ वि.सं.' for a Gregorian date."""
    bs = nepali_datetime.date.from_datetime_date(value)
    return f"{native_digits(bs.day, 'ne')} {bs.strftime('%N')} {native_digits(bs.year, 'ne')} वि.सं."


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["digits"] = lambda value: native_digits(value, current_lang())
    app.jinja_env.filters["show_date"] = lambda value: show_date(value, current_lang())

    @app.context_processor
    def page_language() -> dict:
        return {**language_context(current_lang()), "same_page_in": same_page_in}


def language_context(lang: str) -> dict:
    """What every template, page or PDF, knows of its language (pdf.py prints with it too)."""
    return {
        "lang": lang,
        "language": LANGUAGES[lang],
        "languages": LANGUAGES,
        "sep": LANGUAGES[lang].separator,
        "page_fonts": page_fonts(lang),
    }


def same_page_in(code: str) -> str:
    """This page in another language (the switcher stays on the same guide)."""
    args = dict(request.view_args or {})
    if request.endpoint and "lang" in args and request.url_rule is not None:
        args["lang"] = code
        return url_for(request.endpoint, **args)
    return url_for("guides.index", lang=code)
