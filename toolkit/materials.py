"""Printable session materials: picture cards, role cards, text cards and boards, one PDF per guide.

A guide's materials set is `content/materials/<slug>.yml`, the same for every language: groups of
cards, each card with a pictogram from `content/materials/pictograms/` (stroke-only SVG on a 48-unit
grid, drawn for this toolkit) and a caption per language. Role and text cards can instead take their
words from the guide itself (`from: {step: brief-roles}`), so the printed card always says what the
facilitator reads aloud, in every language. A guide names what it prints in its front matter:

    materials:
      - text: Four role cards (woman, friend, agent, observer)
        print: [roles]

`check_materials` (called by the content checker) fails when a guide names a group its set does
not define, when a card lacks a caption or a pictogram, or when a guide's words do not yield the
cards the set expects. No Flask import: printing.py renders under `force_locale` like the handouts.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jinja2 import Environment
from markupsafe import Markup

from . import pdf
from .content import Guide, Problem
from .languages import LANGUAGES

MATERIALS_FOLDER = "materials"
PICTOGRAM_FOLDER = "pictograms"
SHARED_SET = "_shared"  # groups every guide may print (the feedback cups)
KINDS = ("picture", "large", "role", "text", "board")
# Cards per A4 sheet for each kind (the template's grid says the same; tests count pages by it).
# A board is one sheet whatever its cards (the pictograms placed on it).
PER_PAGE = {"picture": 6, "large": 1, "role": 3, "text": 4, "board": 1}
BOARD_LAYOUTS = ("clock", "path", "form")
# A materials line that talks about cards must say which ones print (one word per language).
CARD_WORDS = ("card", "कार्ड", "کارڈ")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A role: a paragraph or list item that starts with a bold name, up to the end of its first line.
_ROLE = re.compile(r"<(?:p|li)>(?:<p>)?<strong>([^<]*)</strong>\s*([^\n]*?)\s*(?:</p>|</li>|\n)")
_LIST = re.compile(r"<(ul|ol)>(.*?)</\1>", re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)


@dataclass(frozen=True)
class CardSpec:
    id: str
    pictograms: tuple[str, ...]
    caption: Mapping[str, str]  # lang -> words; empty when the words come from the guide


@dataclass(frozen=True)
class Group:
    id: str
    kind: str
    title: Mapping[str, str]
    cards: tuple[CardSpec, ...]
    source_step: str | None = None  # role/text cards: their words come from this step
    source_list: int = 0  # text cards: which list of that step (0 = first)
    board: Mapping | None = None  # board layout and its parameters


@dataclass(frozen=True)
class MaterialSet:
    slug: str
    path: str
    groups: Mapping[str, Group]
    handout: tuple[str, ...] = ()  # pictograms for the participant handout's picture box


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


def materials_dir(content_dir: Path | str) -> Path:
    return Path(content_dir) / MATERIALS_FOLDER


@cache
def _pictogram_markup(path: Path, mtime_ns: int) -> Markup:
    return Markup(path.read_text(encoding="utf-8").strip())


def pictogram(content_dir: Path | str, name: str) -> Markup | None:
    """The inline SVG of one pictogram, or None if there is no such file."""
    path = materials_dir(content_dir) / PICTOGRAM_FOLDER / f"{name}.svg"
    if not _ID.match(name) or not path.is_file():
        return None
    return _pictogram_markup(path, path.stat().st_mtime_ns)


def _mapping_problems(where: str, value, *, need: Iterable[str]) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} needs words per language ({', '.join(need)})"]
    missing = [lang for lang in need if not str(value.get(lang) or "").strip()]
    return [f"{where} has no '{lang}' words" for lang in missing]


def load_material_set(path: Path, shown: str) -> tuple[MaterialSet | None, list[Problem]]:
    """Read one materials file; every problem names the file and what to fix."""
    problems: list[Problem] = []
    source_text = path.read_text(encoding="utf-8")
    lines = source_text.splitlines()
    line = 1  # the line of the group being read, for every problem found in it

    def bad(message: str) -> None:
        problems.append(Problem(shown, line, message))

    try:
        data = yaml.load(source_text, Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, [Problem(shown, line, f"not valid YAML: {error}")]
    raw_groups = data.get("groups") if isinstance(data, dict) else None
    handout = data.get("handout") or [] if isinstance(data, dict) else []
    if not isinstance(raw_groups, dict) or not (raw_groups or handout):
        return None, [Problem(shown, 1, "needs 'groups:', a mapping of group id to group")]
    if not (isinstance(handout, list) and all(isinstance(name, str) for name in handout)):
        bad("'handout:' must be a list of pictogram names")
        handout = []
    langs = tuple(LANGUAGES)
    groups: dict[str, Group] = {}
    for group_id, raw in raw_groups.items():
        where = f"group '{group_id}'"
        line = next(
            (n for n, text in enumerate(lines, 1) if text.strip().startswith(f"{group_id}:")), 1
        )
        if not _ID.match(str(group_id)) or not isinstance(raw, dict):
            bad(f"{where}: the id must be a lowercase slug and the group a mapping")
            continue
        kind = raw.get("kind")
        if kind not in KINDS:
            bad(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
            continue
        for message in _mapping_problems(f"{where} title", raw.get("title"), need=langs):
            bad(message)
        source = raw.get("from") or {}
        if source and not (
            isinstance(source, dict)
            and _ID.match(str(source.get("step", "")))
            and isinstance(source.get("list", 0), int)
        ):
            bad(f"{where}: 'from' must be {{step: <step id>}} (and 'list: N' for text cards)")
            source = {}
        board = raw.get("board")
        if kind == "board":
            layout = board.get("layout") if isinstance(board, dict) else None
            if layout not in BOARD_LAYOUTS:
                bad(f"{where}: a board needs 'board: {{layout: {' | '.join(BOARD_LAYOUTS)}}}'")
                continue
        cards: list[CardSpec] = []
        for index, card in enumerate(raw.get("cards") or []):
            card_where = f"{where} card {index + 1}"
            if not isinstance(card, dict) or not _ID.match(str(card.get("id", ""))):
                bad(f"{card_where}: needs an 'id' (a lowercase slug)")
                continue
            card_where = f"{where} card '{card['id']}'"
            if any(other.id == str(card["id"]) for other in cards):
                bad(f"{card_where}: the id is used twice in the group")
            names = card.get("pictogram") or []
            names = [names] if isinstance(names, str) else list(names)
            if not names:
                bad(f"{card_where}: needs a 'pictogram' (a file name in pictograms/)")
            caption = card.get("caption") or {}
            if not source:
                for message in _mapping_problems(card_where, caption, need=langs):
                    bad(message)
            cards.append(CardSpec(str(card["id"]), tuple(map(str, names)), dict(caption or {})))
        if not cards:
            bad(f"{where}: has no cards")
        groups[str(group_id)] = Group(
            id=str(group_id),
            kind=kind,
            title=dict(raw.get("title") or {}),
            cards=tuple(cards),
            source_step=str(source["step"]) if source else None,
            source_list=int(source.get("list", 0)) if source else 0,
            board=dict(board) if isinstance(board, dict) else None,
        )
    return MaterialSet(path.stem, shown, groups, tuple(handout)), problems


@cache
def _load_sets(folder: Path, signature: tuple) -> tuple[dict[str, MaterialSet], list[Problem]]:
    sets: dict[str, MaterialSet] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yml")):
        shown = f"{folder.parent.name}/{MATERIALS_FOLDER}/{path.name}"
        material_set, found = load_material_set(path, shown)
        problems += found
        if material_set is not None:
            sets[path.stem] = material_set
    return sets, problems


def load_sets(content_dir: Path | str) -> tuple[dict[str, MaterialSet], list[Problem]]:
    """Every materials set under content/materials/, read once per change of the files."""
    folder = materials_dir(content_dir).resolve()
    files = sorted(folder.glob("*.yml")) if folder.is_dir() else []
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _load_sets(folder, signature)


def groups_for(guide: Guide, sets: Mapping[str, MaterialSet]) -> list[Group]:
    """The groups a guide names in its front matter, in order (its own set first, then shared)."""
    own = sets.get(guide.slug)
    shared = sets.get(SHARED_SET)
    found = []
    for group_id in dict.fromkeys(guide.printables):
        group = (own.groups.get(group_id) if own else None) or (
            shared.groups.get(group_id) if shared else None
        )
        if group is not None:
            found.append(group)
    return found


def guide_words(guide: Guide, group: Group) -> list[tuple[str, str]]:
    """(title, text) of each card whose words come from the guide: role paragraphs or list items.

    Role cards: the paragraphs of the step that start with a bold name ("**Meena:** you want…"),
    up to the end of their first line (the facilitator's notes follow on the next line).
    Text cards: the items of the step's Nth list.
    """
    step = next((s for s in guide.steps if s.id == group.source_step), None)
    if step is None:
        return []
    markup = "".join(block.html for block in step.blocks)
    if group.kind == "role":
        return [
            (title.strip().rstrip(":："), text.strip()) for title, text in _ROLE.findall(markup)
        ]
    lists = _LIST.findall(markup)
    if group.source_list >= len(lists):
        return []
    items = _ITEM.findall(lists[group.source_list][1])
    # Up to the end of the item's first line: a facilitator's instruction may follow on the next.
    return [("", re.sub(r"</?p>", "", item).strip().split("\n")[0]) for item in items]


def check_materials(
    content_dir: Path | str, guides: Mapping[tuple[str, str], Guide]
) -> list[Problem]:
    """The card rule: every group a guide names exists, and its cards can be printed in the language.

    Also: a materials line that mentions cards names the group that prints them, every pictogram
    exists, and cards that take their words from the guide find them (as many as the set defines).
    """
    sets, problems = load_sets(content_dir)
    problems = list(problems)
    for material_set in sets.values():
        for name in material_set.handout:
            if pictogram(content_dir, name) is None:
                problems.append(
                    Problem(
                        material_set.path,
                        1,
                        f"handout: no pictogram '{name}' in "
                        f"{MATERIALS_FOLDER}/{PICTOGRAM_FOLDER}/; draw {name}.svg",
                    )
                )
        for group in material_set.groups.values():
            for card in group.cards:
                for name in card.pictograms:
                    if pictogram(content_dir, name) is None:
                        problems.append(
                            Problem(
                                material_set.path,
                                1,
                                f"group '{group.id}' card '{card.id}': no pictogram '{name}' "
                                f"in {MATERIALS_FOLDER}/{PICTOGRAM_FOLDER}/; draw {name}.svg",
                            )
                        )
    for (_lang, slug), guide in sorted(guides.items()):
        line = guide.materials_line
        own = sets.get(slug)
        shared = sets.get(SHARED_SET)
        for text, printables in guide.material_entries:
            lowered = text.lower()
            if not printables and any(word in lowered for word in CARD_WORDS):
                problems.append(
                    Problem(
                        guide.path,
                        line,
                        f"materials line {text[:40]!r}… names cards but not which to print; "
                        f"write it as 'text: …' with 'print: [group id]' from "
                        f"{MATERIALS_FOLDER}/{slug}.yml",
                    )
                )
        for group_id in guide.printables:
            group = (own.groups.get(group_id) if own else None) or (
                shared.groups.get(group_id) if shared else None
            )
            if group is None:
                problems.append(
                    Problem(
                        guide.path,
                        line,
                        f"materials names '{group_id}', which "
                        f"{MATERIALS_FOLDER}/{slug}.yml does not define; add the group there "
                        "or fix the name",
                    )
                )
                continue
            if group.source_step:
                found = len(guide_words(guide, group))
                if found != len(group.cards):
                    problems.append(
                        Problem(
                            guide.path,
                            line,
                            f"group '{group_id}' has {len(group.cards)} cards, but step "
                            f"'{group.source_step}' here gives {found} "
                            f"{'role paragraphs (**Name:** …)' if group.kind == 'role' else 'list items'}"
                            "; make them match",
                        )
                    )
    return problems


def sheets(guide: Guide, lang: str, sets: Mapping[str, MaterialSet], content_dir) -> list[Sheet]:
    """Every A4 page of a guide's materials in `lang`: each group's cards, PER_PAGE at a time."""
    pages = []
    for group in groups_for(guide, sets):
        words = guide_words(guide, group) if group.source_step else []
        cards = []
        for index, spec in enumerate(group.cards):
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

    `context` carries what every print template gets (printing.py's labels and helpers)."""
    sets, _problems = load_sets(content_dir)
    return env.get_template("pdf/materials.html").render(
        guide=guide,
        sheets=sheets(guide, lang, sets, content_dir),
        pictogram=lambda name: pictogram(content_dir, name),
        path_squares=path_squares,
        clock_marks=clock_marks,
        **pdf._context(lang, pdf.DEFAULT_SIZE, context),
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
    guide: Guide, lang: str, *, app_version: str, fingerprint: str, content_dir
) -> pdf.PdfKey:
    """Cache key of a guide's materials.pdf: guide source, materials files, language, versions."""
    digest = pdf._digest(
        guide.lang,
        guide.slug,
        guide.source_hash,
        materials_digest(content_dir),
        lang,
        app_version,
        fingerprint,
    )
    return pdf.PdfKey(lang, f"materials.{guide.slug}", "a4", digest)
