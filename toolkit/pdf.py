"""Handouts, booklets and every other printed page as PDFs: HTML laid out by WeasyPrint.

Everything a PDF needs is here: the print labels in its language (`print_context`, under
`flask_babel.force_locale` inside an app context, so a request and a build process render alike;
nothing reads `request`), the templates, the fonts and the page counters. printing.py serves and
caches what this renders; build.py prebuilds it. WeasyPrint takes about 0.8 s to import, so it is
imported inside the functions that use it, never at module level.

Fonts are the web's subset WOFF2 files in static/fonts/, declared under family names of their own
("Toolkit Noto Sans Devanagari"): a system font of the same name can then never stand in, and
`pdffonts` shows plainly when a glyph came from anywhere else.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date
from jinja2 import Environment

from .content import Guide
from .i18n import language_context
from .languages import LANGUAGES, SOURCE_LANGUAGE, native_digits
from .library import BLOCK_LABELS, MODULE_NAMES, library
from .pdf_text import mark_lines_with_actual_text
from .version import APP_VERSION

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "pdf"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
PRINT_CSS = "css/print.css"
SIZES = {"a4": "A4", "a5": "A5"}
DEFAULT_SIZE = "a4"


def font_family(lang: str) -> str:
    """The print family name for a language's font (never a system font's name)."""
    return LANGUAGES[lang].font.own_family


def font_stack(lang: str) -> str:
    """CSS font-family for text in `lang`: its script font, then Noto Sans for Latin beside it."""
    families = dict.fromkeys([font_family(lang), font_family(SOURCE_LANGUAGE)])
    return ", ".join(f'"{family}"' for family in families)


def language_css() -> str:
    """@font-face for every language's WOFF2; font, leading and list digits for each `lang`.

    Only regular faces exist: emphasis in print is by size and colour, as on the web.
    """
    # Web addresses stay in the source language's font (print.css .url reads --latin).
    rules = [f':root {{ --latin: "{font_family(SOURCE_LANGUAGE)}"; }}']
    for code, language in LANGUAGES.items():
        rules.append(
            f'@font-face {{ font-family: "{font_family(code)}"; '
            f'src: url("fonts/{language.font.file}") format("woff2"); }}'
        )
    for code, language in LANGUAGES.items():
        rules.append(
            f'[lang="{code}"] {{ font-family: {font_stack(code)}; '
            f"line-height: {language.font.line_height}; }}"
        )
        # Numbered lists count in the language's digits, like the page numbers.
        rules.append(f"ol:lang({code}) {{ list-style-type: {language.page_counter}; }}")
    return "\n".join(rules)


def page_context(lang: str, size: str, extra: dict) -> dict:
    """What every print template gets: its language, the page size, digits, and `extra`."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    return {
        **language_context(lang),
        "size": size,
        "page_size": SIZES[size],
        "digits": lambda value: native_digits(value, lang),
        **extra,
    }


def month_name(value: str, lang: str) -> str:
    """'2025-11' as people read it in `lang` ('नोभेम्बर २०२५'); the text as given if not a month."""
    try:
        year, month = (int(part) for part in str(value).split("-")[:2])
        shown = format_date(dt.date(year, month, 1), "MMMM y")
    except ValueError:
        shown = str(value)
    return native_digits(shown, lang)


def print_context(lang: str) -> dict:
    """Labels and helpers the print templates need, in `lang` (call under force_locale)."""
    return {
        "block_labels": BLOCK_LABELS,
        "module_names": MODULE_NAMES,
        "month": lambda value: month_name(value, lang),
        "app_version": APP_VERSION,
        "content_version": library().version,
        # Topic cards (materials) show every guide's title in the page language.
        "titles": {shown.slug: shown.title for shown, _ in library().for_language(lang)},
        "static_dir": Path(current_app.static_folder),
        # Booklets link each guide's materials.pdf on the server that prints them, when it is known.
        "base_url": (current_app.config.get("BASE_URL") or "").rstrip("/"),
    }


def in_language(lang: str, render: Callable, /, *args, **kwargs):
    """`render(*args, env=, **print labels, **kwargs)` in `lang`, with the app's templates (needs
    an app context, not a request): every printed page goes through here."""
    with force_locale(lang):
        return render(*args, env=current_app.jinja_env, **print_context(lang), **kwargs)


def handout_pdf(guide: Guide, lang: str, size: str, fallback: bool) -> bytes:
    """The handout of `guide` in page language `lang` (English stands in when `fallback`)."""
    return in_language(lang, render_handout, guide, size, lang=lang, fallback=fallback)


def handout_page_html(guide: Guide, lang: str, size: str, fallback: bool) -> str:
    """The handout's HTML in `lang`, as it goes to WeasyPrint."""
    return in_language(lang, handout_html, guide, size, lang=lang, fallback=fallback)


def booklets_pdf(guides: Sequence[tuple[Guide, bool]], lang: str, size: str) -> dict:
    """Every booklet of `lang` at once (see `render_booklets`), in `lang`."""
    return in_language(lang, render_booklets, guides, lang, size=size)


def handout_html(
    guide: Guide, size: str, *, env: Environment, lang: str | None = None, **context
) -> str:
    """The handout as HTML: title, handout and facts blocks, facts check date; nothing else.

    `lang` is the language of the page around the guide (it differs when English stands in).
    `context` carries the labels the template needs (block_labels, module_names, fallback, month).
    """
    ui_lang = lang or guide.lang
    return env.get_template("pdf/handout.html").render(
        guide=guide,
        handout_blocks=guide.blocks_of("handout"),
        facts_blocks=guide.blocks_of("facts"),
        **page_context(ui_lang, size, context),
    )


def booklet_html(
    guides: Sequence[tuple[Guide, bool]],
    lang: str,
    *,
    env: Environment,
    size: str = DEFAULT_SIZE,
    module: str | None = None,
    page_numbers: dict[str, int] | None = None,
    **context,
) -> str:
    """The facilitator booklet as HTML: cover, contents, then every guide with all its blocks.

    `guides` are (guide, English-stands-in flag) pairs in reading order. With `page_numbers`
    (slug -> page within its module) only the cover and the contents are written, with those
    numbers: the front of the full booklet, whose pages are the module booklets' (see
    `render_booklets`).
    """
    groups: dict[str, list[tuple[Guide, bool]]] = {}
    for guide, fallback in guides:
        groups.setdefault(guide.module, []).append((guide, fallback))
    return env.get_template("pdf/booklet.html").render(
        guides=list(guides),
        groups=groups,
        module=module,
        page_numbers=page_numbers,
        **page_context(lang, size, context),
    )


class _Styles:
    """The print stylesheets and fonts, loaded once per process and shared by every render."""

    def __init__(self, static_dir: Path):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        base_url = static_dir.as_uri() + "/"
        self.stylesheets = [
            CSS(string=language_css(), base_url=base_url, font_config=self.font_config),
            CSS(filename=str(static_dir / PRINT_CSS), font_config=self.font_config),
        ]


_styles: dict[Path, _Styles] = {}


def load_styles(static_dir: Path = STATIC_DIR) -> _Styles:
    """Import WeasyPrint and load the fonts and print stylesheet once for this process.

    The prebuild calls it before forking its workers, so they start with everything loaded.
    """
    static_dir = Path(static_dir).resolve()
    styles = _styles.get(static_dir)
    if styles is None:
        fonts = [static_dir / "fonts" / lang.font.file for lang in LANGUAGES.values()]
        missing = [font.name for font in fonts if not font.exists()]
        if missing:
            raise FileNotFoundError(
                f"fonts missing in {static_dir / 'fonts'}: {', '.join(missing)}; "
                "run python build.py"
            )
        if not _styles:
            # Release fonts before interpreter teardown, when WeasyPrint's __del__ would fail.
            atexit.register(_styles.clear)
        mark_lines_with_actual_text()
        styles = _styles[static_dir] = _Styles(static_dir)
    return styles


def _render(html: str, static_dir: Path = STATIC_DIR):
    """Lay out HTML with the toolkit's fonts and print stylesheet: a weasyprint Document."""
    from weasyprint import HTML

    styles = load_styles(static_dir)
    document = HTML(string=html, base_url=Path(static_dir).resolve().as_uri() + "/")
    return document.render(stylesheets=styles.stylesheets, font_config=styles.font_config)


def write_pdf(html: str, *, static_dir: Path = STATIC_DIR) -> bytes:
    """Render HTML to PDF bytes with the toolkit's fonts and print stylesheet."""
    return _render(html, static_dir).write_pdf()


def render_handout(guide: Guide, size: str = DEFAULT_SIZE, *, env: Environment, **context) -> bytes:
    """The participant handout of one guide as PDF bytes (see `handout_html`)."""
    static_dir = context.pop("static_dir", STATIC_DIR)
    return write_pdf(handout_html(guide, size, env=env, **context), static_dir=static_dir)


def render_booklets(
    guides: Sequence[tuple[Guide, bool]], lang: str, *, env: Environment, **context
) -> dict[str | None, bytes]:
    """Every module's booklet (key: module) and the full booklet (key None), from one layout.

    Laying out Nastaliq is slow, so each module is laid out once, as its own booklet: cover,
    contents, its guides, pages numbered from 1. The full booklet is its own cover and contents
    (grouped by module) followed by the module booklets as they are, so page 5 of a module is
    the same page whether it was printed alone or in the full booklet, and the contents say so.
    """
    static_dir = context.pop("static_dir", STATIC_DIR)
    modules = {}
    for module in dict.fromkeys(guide.module for guide, _ in guides):
        items = [(guide, fallback) for guide, fallback in guides if guide.module == module]
        modules[module] = _render(
            booklet_html(items, lang, env=env, module=module, **context), static_dir
        )
    numbers: dict[str, int] = {}
    for document in modules.values():
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                if anchor.startswith("guide-"):
                    numbers.setdefault(anchor.removeprefix("guide-"), index + 1)
    front = _render(
        booklet_html(guides, lang, env=env, page_numbers=numbers, **context), static_dir
    )
    pages = front.pages + [page for document in modules.values() for page in document.pages]
    booklets: dict[str | None, bytes] = {None: front.copy(pages).write_pdf()}
    booklets.update({module: document.write_pdf() for module, document in modules.items()})
    return booklets


def renderer_fingerprint(static_dir: Path = STATIC_DIR, extra: Iterable[Path] = ()) -> str:
    """Hash of everything besides content that shapes a PDF: templates, print CSS, fonts, catalogs.

    Part of every cache key, so a changed template or translation never serves a stale PDF even
    before the app version moves.
    """
    digest = hashlib.sha256()
    files = [
        *sorted(TEMPLATE_DIR.glob("*.html")),
        TEMPLATE_DIR.parent / "_blocks.html",  # the block loop the booklet and handout share
        Path(__file__),
        Path(__file__).with_name("pdf_text.py"),
        Path(static_dir) / PRINT_CSS,
        *(Path(static_dir) / "fonts" / lang.font.file for lang in LANGUAGES.values()),
        *sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.mo")),
        *extra,
    ]
    for path in files:
        digest.update(path.name.encode() + b"\0")
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
