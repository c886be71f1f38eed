"""Participant handouts and facilitator booklets as PDFs, rendered by WeasyPrint.

No Flask import: the caller passes the Jinja environment (Flask's, so `_()` works) and the labels,
and sets the language with `flask_babel.force_locale` (toolkit/printing.py does). WeasyPrint takes
about 0.8 s to import, so it is imported inside the functions that use it, never at module level.

Fonts are the web's subset WOFF2 files in static/fonts/, declared under family names of their own
("Toolkit Noto Sans Devanagari"): a system font of the same name can then never stand in, and
`pdffonts` shows plainly when a glyph came from anywhere else.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from .content import Guide
from .languages import FONTS, LANGUAGES, SOURCE_LANGUAGE, native_digits

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "pdf"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
PRINT_CSS = "css/print.css"
FONT_PREFIX = "Toolkit "
SIZES = {"a4": "A4", "a5": "A5"}
DEFAULT_SIZE = "a4"


def font_family(lang: str) -> str:
    """The print family name for a language's font (never a system font's name)."""
    return FONT_PREFIX + LANGUAGES[lang].font.family


def font_stack(lang: str) -> str:
    """CSS font-family for text in `lang`: its script font, then Noto Sans for Latin beside it."""
    families = dict.fromkeys([font_family(lang), font_family(SOURCE_LANGUAGE)])
    return ", ".join(f'"{family}"' for family in families)


def language_css() -> str:
    """@font-face for every language's WOFF2; font, leading and list digits for each `lang`.

    Only regular faces exist: emphasis in print is by size and colour, as on the web.
    """
    rules = []
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


def _context(lang: str, size: str, extra: dict) -> dict:
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    return {
        "lang": lang,
        "language": LANGUAGES[lang],
        "languages": LANGUAGES,
        "sep": LANGUAGES[lang].separator,
        "size": size,
        "page_size": SIZES[size],
        "digits": lambda value: native_digits(value, lang),
        **extra,
    }


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
        **_context(ui_lang, size, context),
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
        **_context(lang, size, context),
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


# Scripts whose glyphs do not map one-to-one to characters (Devanagari conjuncts and pre-base vowel
# signs, joined Arabic letters): the script blocks of the language table's fonts.
_SHAPED = dict.fromkeys(f"{chr(a)}-{chr(b)}" for font in FONTS.values() for a, b in font.script)
_SHAPED_SCRIPTS = re.compile(f"[{''.join(_SHAPED)}]")


def _mark_lines_with_actual_text() -> None:
    """Give every line of shaped script its real text, so PDF text extraction reads it right.

    WeasyPrint maps each glyph to one Unicode string, taken from the first cluster the glyph is drawn
    in; in Devanagari the same glyph stands in different clusters, so copying, searching or a screen
    reader got "जीविन" for "जीवन". Wrapping each line in a marked-content span with /ActualText (PDF
    1.5) carries the real text beside the glyphs. WeasyPrint has no hook for this: wrap its
    line-drawing function once per process.

    Extractors lay the span's characters out left to right across the line and then apply their own
    right-to-left ordering, so a logical Urdu string came out of pdftotext reversed. The text of a
    line with right-to-left runs is therefore given in visual order (see `_visual_text`): poppler
    (pdftotext, Evince, Okular) then reads it back in reading order; PDFium (Chrome) gives each word
    right but the words of a line in visual order, as it did with no way to do better from one span.
    """
    import pydyf
    from weasyprint.draw import text as draw_text

    original = draw_text.draw_first_line
    if getattr(original, "toolkit_actual_text", False):
        return

    def draw_first_line(stream, textbox, *args, **kwargs):
        if not _SHAPED_SCRIPTS.search(textbox.text):
            return original(stream, textbox, *args, **kwargs)
        actual = pydyf.Dictionary({"ActualText": pydyf.String(_visual_text(textbox))})
        stream.begin_marked_content("Span", actual)
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw_first_line.toolkit_actual_text = True
    draw_text.draw_first_line = draw_first_line


def _visual_text(textbox) -> str:
    """The line's text in the order Pango drew it: its runs left to right, right-to-left runs
    reversed. A line with no right-to-left run is returned as it is."""
    from weasyprint.text.ffi import ffi

    layout = textbox.pango_layout
    data = layout.text.encode("utf-8")
    line, _index = layout.get_first_line()
    parts, rtl = [], False
    run = line.runs
    while run != ffi.NULL:
        item = ffi.cast("PangoGlyphItem *", run.data).item
        part = data[item.offset : item.offset + item.length].decode("utf-8", "replace")
        if item.analysis.level % 2:
            rtl, part = True, part[::-1]
        parts.append(part)
        run = run.next
    return "".join(parts) if rtl else textbox.text


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
        _mark_lines_with_actual_text()
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


def render_booklet(
    guides: Sequence[tuple[Guide, bool]],
    lang: str,
    *,
    env: Environment,
    module: str | None = None,
    **context,
) -> bytes:
    """One booklet as PDF bytes: the full one, or `module`'s (see `render_booklets`)."""
    return render_booklets(guides, lang, env=env, **context)[module]


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


@dataclass(frozen=True)
class PdfKey:
    """Where a PDF lives in the cache: a readable name and a hash of all that went into it."""

    lang: str
    name: str  # "handout.<slug>", "booklet" or "booklet.<module>"
    size: str
    digest: str

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.size}.{self.digest}.pdf"


def _digest(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:20]


def handout_key(
    guide: Guide, lang: str, size: str, *, app_version: str, fingerprint: str
) -> PdfKey:
    """Cache key of a handout: the guide's source hash, the page language, size and versions."""
    digest = _digest(
        guide.lang, guide.slug, guide.source_hash, lang, size, app_version, fingerprint
    )
    return PdfKey(lang, f"handout.{guide.slug}", size, digest)


def booklet_key(
    guides: Sequence[tuple[Guide, bool]],
    lang: str,
    size: str,
    *,
    module: str | None,
    app_version: str,
    fingerprint: str,
) -> PdfKey:
    """Cache key of a booklet: every included guide's source hash, in order, and the versions."""
    parts = [f"{g.lang}/{g.slug}/{g.source_hash}/{int(fallback)}" for g, fallback in guides]
    digest = _digest(lang, module, size, app_version, fingerprint, *parts)
    return PdfKey(lang, f"booklet.{module}" if module else "booklet", size, digest)


class PdfCache:
    """PDFs on disk, one folder per language; a new version of a PDF replaces the old file."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def path(self, key: PdfKey) -> Path:
        return self.directory / key.lang / key.filename

    def get(self, key: PdfKey) -> Path | None:
        path = self.path(key)
        return path if path.is_file() else None

    def put(self, key: PdfKey, data: bytes) -> Path:
        """Write atomically (two processes may render the same PDF) and drop older versions."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in path.parent.glob(f"{key.name}.{key.size}.*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
        return path
