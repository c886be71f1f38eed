"""Materials sheets: a guide's cards laid out on A4 pages, board layouts, the PDF and its cache key."""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup

from .. import pdf
from ..content.model import Guide
from ..pdf_cache import PdfKey, key_digest
from .sets import (
    PER_PAGE,
    CardSpec,
    Group,
    MaterialSet,
    groups_for,
    guide_words,
    load_sets,
    materials_dir,
    pictogram,
)


@dataclass(frozen=True)
class Card:
    """One card as printed: its pictograms (SVG markup), a title (roles) and its words."""

    pictograms: tuple[Markup, ...]
    title: Markup
    text: Markup


@dataclass(frozen=True)
class Sheet:
    """One A4 page of one group."""

    group: Group
    title: str
    cards: tuple[Card, ...]


def sheets(
    guide: Guide,
    lang: str,
    sets: Mapping[str, MaterialSet],
    content_dir,
    titles: Mapping[str, str] | None = None,
) -> list[Sheet]:
    """Every A4 page of a guide's materials in `lang`: each group's cards, PER_PAGE at a time.

    `titles` (slug -> title as shown in `lang`) gives topic cards their words."""
    pages = []
    for group in groups_for(guide, sets):
        words = guide_words(guide, group) if group.source_step else []
        cards = []
        for index, spec in enumerate(group.cards):
            if group.kind == "topics":
                topic_set = sets.get(spec.id)
                names = topic_set.handout[:1] if topic_set else ()
                spec = CardSpec(spec.id, names, {lang: (titles or {}).get(spec.id, "")})
            if words:
                title, text = words[index] if index < len(words) else ("", "")
            else:
                title, text = "", html.escape(spec.caption.get(lang, ""))
            cards.append(
                Card(
                    pictograms=tuple(
                        pictogram(content_dir, name) or Markup("") for name in spec.pictograms
                    ),
                    title=Markup(title),
                    text=Markup(text),
                )
            )
        per_page = len(cards) if group.kind == "board" else PER_PAGE[group.kind]
        title = group.title.get(lang, "")
        for start in range(0, len(cards), per_page):
            pages.append(Sheet(group, title, tuple(cards[start : start + per_page])))
    return pages


def handout_pictograms(guide: Guide, content_dir: Path | str) -> list[Markup]:
    """The pictograms the guide's handout shows in its picture box (none: the box stays empty)."""
    material_set = load_sets(content_dir)[0].get(guide.slug)
    names = material_set.handout if material_set else ()
    return [svg for name in names if (svg := pictogram(content_dir, name)) is not None]


def materials_files(content_dir: Path | str) -> list[Path]:
    """Every materials file and pictogram (handouts depend on them: part of the PDF fingerprint)."""
    folder = materials_dir(content_dir)
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else []


def page_count(guide: Guide, sets: Mapping[str, MaterialSet]) -> int:
    """How many A4 pages the guide's materials.pdf has."""
    return sum(
        1 if g.kind == "board" else math.ceil(len(g.cards) / PER_PAGE[g.kind])
        for g in groups_for(guide, sets)
    )


# --- Board layouts ------------------------------------------------------------------------------


def path_squares(count: int, width: float = 170, height: float = 200, size: float = 24):
    """Top-left corners (mm) of `count` squares in a ring round a `width`×`height` box, clockwise
    from the bottom-left corner (the start): the game path of a board. An odd count leaves the
    last place of the ring empty."""
    half = (count + 1) // 2 + 2  # columns + rows: a ring of 2 × (columns + rows) - 4 squares
    rows = max(2, (half + 1) // 2)  # the box is taller than wide
    cols = max(2, half - rows)
    x_step, y_step = (width - size) / (cols - 1), (height - size) / (rows - 1)
    ring = [(0, r) for r in range(rows - 1, 0, -1)]  # up the left side
    ring += [(c, 0) for c in range(cols - 1)]  # along the top
    ring += [(cols - 1, r) for r in range(rows - 1)]  # down the right side
    ring += [(c, rows - 1) for c in range(cols - 1, 0, -1)]  # back along the bottom
    return [(round(c * x_step, 1), round(r * y_step, 1)) for c, r in ring[:count]]


def clock_marks(radius: float = 80, hours: int = 24):
    """(x, y, x2, y2) of each hour's tick on a 24-hour clock drawn in a 200×200 box, midday at
    the top (the sun), midnight at the bottom (the moon)."""
    marks = []
    for hour in range(hours):
        angle = math.radians(hour * 360 / hours + 90)  # hour 0 at the bottom
        long = 10 if hour % 6 == 0 else 5
        x, y = 100 + radius * math.cos(angle), 100 + radius * math.sin(angle)
        x2 = 100 + (radius - long) * math.cos(angle)
        y2 = 100 + (radius - long) * math.sin(angle)
        marks.append((round(x, 2), round(y, 2), round(x2, 2), round(y2, 2)))
    return marks


def materials_html(
    guide: Guide, lang: str, *, env: Environment, content_dir: Path | str, **context
) -> str:
    """The materials of one guide as HTML for WeasyPrint, in the page language `lang`.

    `context` carries what every print template gets (pdf.print_context), and
    `titles`: every guide's title in `lang`, for topic cards."""
    sets, _problems = load_sets(content_dir)
    titles = context.pop("titles", None)
    return env.get_template("pdf/materials.html").render(
        guide=guide,
        sheets=sheets(guide, lang, sets, content_dir, titles),
        pictogram=lambda name: pictogram(content_dir, name),
        path_squares=path_squares,
        clock_marks=clock_marks,
        **pdf.page_context(lang, pdf.DEFAULT_SIZE, context),
    )


def materials_digest(content_dir: Path | str) -> str:
    """Hash of every materials file and pictogram: part of the PDF's cache key."""
    folder = materials_dir(content_dir)
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def render_materials(guide: Guide, lang: str, *, env: Environment, content_dir, **context) -> bytes:
    """The materials of one guide as PDF bytes, with the handouts' fonts and print stylesheet."""
    static_dir = context.pop("static_dir", pdf.STATIC_DIR)
    page = materials_html(guide, lang, env=env, content_dir=content_dir, **context)
    return pdf.write_pdf(page, static_dir=static_dir)


def materials_key(
    guide: Guide,
    lang: str,
    *,
    app_version: str,
    fingerprint: str,
    content_dir,
    content_version: str = "",
) -> PdfKey:
    """Cache key of a guide's materials.pdf: guide source, materials files, language, versions.

    `content_version` (all guides) counts too: topic cards carry other guides' titles."""
    digest = key_digest(
        guide.lang,
        guide.slug,
        guide.source_hash,
        content_version,
        materials_digest(content_dir),
        lang,
        app_version,
        fingerprint,
    )
    return PdfKey(lang, f"materials.{guide.slug}", "a4", digest)
