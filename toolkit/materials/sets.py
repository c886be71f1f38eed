"""Materials sets: read `content/materials/<slug>.yml` into `MaterialSet`s, and find a guide's groups.

No Flask import, no renderer. Every problem found while reading names the file and the group's line;
the checks of sets against the guides (the card rule) are `card_rule.py`. See the package docstring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from markupsafe import Markup

from ..content.front_matter import YAML_LOADER
from ..content.model import Guide, Problem
from ..languages import LANGUAGES

MATERIALS_FOLDER = "materials"
PICTOGRAM_FOLDER = "pictograms"
SHARED_SET = "_shared"  # groups every guide may print (the feedback cups)
# topics: one card per guide named in `topics:`, its title in the language (the vote on the next topic)
KINDS = ("picture", "large", "role", "text", "board", "topics")
# Cards per A4 sheet for each kind (the template's grid says the same; tests count pages by it).
# A board is one sheet whatever its cards (the pictograms placed on it).
PER_PAGE = {"picture": 6, "large": 1, "role": 3, "text": 4, "board": 1, "topics": 6}
BOARD_LAYOUTS = ("clock", "path", "form")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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
    source_text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(source_text, Loader=YAML_LOADER) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, [Problem(shown, mark.line + 1 if mark else 1, f"not valid YAML: {error}")]
    raw_groups = data.get("groups") if isinstance(data, dict) else None
    handout = data.get("handout") or [] if isinstance(data, dict) else []
    if not isinstance(raw_groups, dict) or not (raw_groups or handout):
        return None, [Problem(shown, 1, "needs 'groups:', a mapping of group id to group")]
    problems: list[Problem] = []
    if not (isinstance(handout, list) and all(isinstance(name, str) for name in handout)):
        problems.append(Problem(shown, 1, "'handout:' must be a list of pictogram names"))
        handout = []
    lines = source_text.splitlines()
    groups: dict[str, Group] = {}
    for group_id, raw in raw_groups.items():
        # Every problem found in a group is reported on the group's line.
        line = next(
            (n for n, text in enumerate(lines, 1) if text.strip().startswith(f"{group_id}:")), 1
        )
        group, messages = _read_group(group_id, raw)
        problems += [Problem(shown, line, message) for message in messages]
        if group is not None:
            groups[group.id] = group
    return MaterialSet(path.stem, shown, groups, tuple(handout)), problems


def _read_group(group_id, raw) -> tuple[Group | None, list[str]]:
    """One group of a set (None when it cannot be printed at all) and what is wrong with it."""
    where = f"group '{group_id}'"
    if not _ID.match(str(group_id)) or not isinstance(raw, dict):
        return None, [f"{where}: the id must be a lowercase slug and the group a mapping"]
    kind = raw.get("kind")
    if kind not in KINDS:
        return None, [f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}"]
    messages = _mapping_problems(f"{where} title", raw.get("title"), need=tuple(LANGUAGES))
    source = raw.get("from") or {}
    if source and not (
        isinstance(source, dict)
        and _ID.match(str(source.get("step", "")))
        and isinstance(source.get("list", 0), int)
    ):
        messages.append(
            f"{where}: 'from' must be {{step: <step id>}} (and 'list: N' for text cards)"
        )
        source = {}
    board = raw.get("board")
    layout = board.get("layout") if isinstance(board, dict) else None
    if kind == "board" and layout not in BOARD_LAYOUTS:
        messages.append(f"{where}: a board needs 'board: {{layout: {' | '.join(BOARD_LAYOUTS)}}}'")
        return None, messages
    cards, found = _read_cards(where, kind, raw, words_from_guide=bool(source))
    messages += found + ([f"{where}: has no cards"] if not cards else [])
    group = Group(
        id=str(group_id),
        kind=kind,
        title=dict(raw.get("title") or {}),
        cards=tuple(cards),
        source_step=str(source["step"]) if source else None,
        source_list=int(source.get("list", 0)) if source else 0,
        board=dict(board) if isinstance(board, dict) else None,
    )
    return group, messages


def _read_cards(
    where: str, kind: str, raw: dict, *, words_from_guide: bool
) -> tuple[list[CardSpec], list[str]]:
    """A group's cards: one per topic for topic cards, then those under `cards:`."""
    messages: list[str] = []
    cards: list[CardSpec] = []
    if kind == "topics":
        topics = raw.get("topics")
        if not (isinstance(topics, list) and all(_ID.match(str(t)) for t in topics)):
            messages.append(f"{where}: topic cards need 'topics: [guide slug, ...]'")
            topics = []
        # Words and pictogram come from each topic's guide and set when printed (sheets.py).
        cards = [CardSpec(str(slug), (), {}) for slug in topics]
    for index, card in enumerate(raw.get("cards") or []):
        if not isinstance(card, dict) or not _ID.match(str(card.get("id", ""))):
            messages.append(f"{where} card {index + 1}: needs an 'id' (a lowercase slug)")
            continue
        card_where = f"{where} card '{card['id']}'"
        if any(other.id == str(card["id"]) for other in cards):
            messages.append(f"{card_where}: the id is used twice in the group")
        names = card.get("pictogram") or []
        names = [names] if isinstance(names, str) else list(names)
        if not names:
            messages.append(f"{card_where}: needs a 'pictogram' (a file name in pictograms/)")
        caption = card.get("caption") or {}
        if not words_from_guide:
            messages += _mapping_problems(card_where, caption, need=tuple(LANGUAGES))
        cards.append(CardSpec(str(card["id"]), tuple(map(str, names)), dict(caption or {})))
    return cards, messages


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


def find_group(sets: Mapping[str, MaterialSet], slug: str, group_id: str) -> Group | None:
    """A group by id: the guide's own set first, then the shared one."""
    for name in (slug, SHARED_SET):
        material_set = sets.get(name)
        if material_set is not None and group_id in material_set.groups:
            return material_set.groups[group_id]
    return None


def groups_for(guide: Guide, sets: Mapping[str, MaterialSet]) -> list[Group]:
    """The groups a guide names in its front matter, in order (those it names but no set defines are
    the checker's to report)."""
    found = (find_group(sets, guide.slug, group_id) for group_id in dict.fromkeys(guide.printables))
    return [group for group in found if group is not None]


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
