"""A guide's front matter: read the YAML between the `---` lines, check every key, turn it into the
`Guide`'s fields.

The keys are in DESIGN.md ("Content format"). Each check below is one rule and says what to fix;
the line of a problem is the line of its key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from ..languages import SOURCE_LANGUAGE
from .model import MODULES, Problem
from .text import native_numbers

REQUIRED_KEYS = (
    "title",
    "handout_title",  # printed on paper that goes home: neutral (content_rules.check_handout_title)
    "module",
    "order",
    "minutes",
    "summary",
    "objectives",
    "materials",
    "translation",
    "facts_checked",
)
TRANSLATION_STATES = ("source", "draft", "reviewed")
# Words that must never appear in a title: sessions are presented as livelihood and wellbeing sessions,
# and an anti-trafficking frame undermines the right to move (CONTENT-BRIEF.md, L-I.30, L-II.24).
FORBIDDEN_TITLE_WORDS = ("trafficking", "बेचबिखन", "तस्करी", "سمگلنگ")
MIN_GUIDE_MINUTES, MAX_GUIDE_MINUTES = 60, 90
# libyaml's loader when present: front matter of 39 guides is most of the app's start-up time.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")

# A check yields (key, message); the problem is reported on that key's line (line 1 for None).
Found = Iterator[tuple[str | None, str]]


def front_matter_end(lines: list[str]) -> int:
    """How many lines the front matter takes, closing '---' included (0 when there is none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return number
    return 0


def key_line(lines: list[str], key: str) -> int:
    """The line of `key:` in the front matter, or 1."""
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return number
        if number > 1 and line.strip() == "---":
            break
    return 1


def read_front_matter(path: str, content: str) -> tuple[dict | None, list[Problem]]:
    """The front matter as a mapping, or None and the one problem that makes it unreadable."""
    try:
        meta = yaml.load(content, Loader=YAML_LOADER) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        return None, [Problem(path, line, f"front matter is not valid YAML: {error}")]
    if not isinstance(meta, dict):
        return None, [Problem(path, 1, "front matter must be 'key: value' lines")]
    return meta, []


def check_front_matter(path: str, lines: list[str], meta: dict, lang: str) -> list[Problem]:
    """Every front-matter rule, in the order an author reads the keys."""
    return [
        Problem(path, key_line(lines, str(key)) if key is not None else 1, message)
        for check in _CHECKS
        for key, message in check(meta, lang)
    ]


def _keys(meta: dict, lang: str) -> Found:
    for key in REQUIRED_KEYS:
        if key not in meta:
            yield None, f"front matter is missing '{key}:'"
    for key in meta:
        if key not in REQUIRED_KEYS:
            yield key, f"unknown front-matter key '{key}'; allowed: {', '.join(REQUIRED_KEYS)}"


def _title(meta: dict, lang: str) -> Found:
    title = str(meta.get("title", "")).lower()
    for word in FORBIDDEN_TITLE_WORDS if "title" in meta else ():
        if word.lower() in title:
            yield (
                "title",
                f"title must not contain '{word}': present sessions as livelihood "
                "and wellbeing sessions",
            )


def _module(meta: dict, lang: str) -> Found:
    if "module" in meta and meta["module"] not in MODULES:
        yield "module", f"module '{meta['module']}' is not one of: {', '.join(MODULES)}"


def _whole_numbers(meta: dict, lang: str) -> Found:
    for key in ("order", "minutes"):
        if key in meta and (not isinstance(meta[key], int) or isinstance(meta[key], bool)):
            yield key, f"'{key}' must be a whole number, not {meta[key]!r}"
    minutes = meta.get("minutes")
    if isinstance(minutes, int) and not MIN_GUIDE_MINUTES <= minutes <= MAX_GUIDE_MINUTES:
        yield (
            "minutes",
            f"a session lasts {MIN_GUIDE_MINUTES}-{MAX_GUIDE_MINUTES} minutes, not {minutes}",
        )


def _lists(meta: dict, lang: str) -> Found:
    for key in ("objectives", "materials"):
        if key in meta and not (isinstance(meta[key], list) and meta[key]):
            yield key, f"'{key}' must be a non-empty list"


def _translation(meta: dict, lang: str) -> Found:
    """English is the source; every other language is a draft or a reviewed translation of it."""
    if "translation" not in meta:
        return
    state = meta["translation"]
    if state not in TRANSLATION_STATES:
        yield "translation", f"translation must be one of {', '.join(TRANSLATION_STATES)}"
    elif (lang == SOURCE_LANGUAGE) != (state == "source"):
        expected = "source" if lang == SOURCE_LANGUAGE else "draft or reviewed"
        yield "translation", f"translation in '{lang}' must be {expected}, not {state}"


def _facts_month(meta: dict, lang: str) -> Found:
    if "facts_checked" in meta and not _MONTH.match(str(meta["facts_checked"])):
        yield (
            "facts_checked",
            f"facts_checked must be a month like 2025-08, not {meta['facts_checked']!r}",
        )


_CHECKS = (_keys, _title, _module, _whole_numbers, _lists, _translation, _facts_month)


def material_entries(value) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], list[str]]:
    """Front-matter materials lines: a plain line, or {text: ..., print: [group ids]} for a line
    whose cards, role cards or boards print from materials.pdf (toolkit/materials/)."""
    entries, problems = [], []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            ids = item.get("print")
            if not isinstance(item.get("text"), str) or not (
                isinstance(ids, list) and ids and all(isinstance(i, str) for i in ids)
            ):
                problems.append(
                    "a materials line with cards must be 'text: <words>' and "
                    "'print: [group-id, ...]'"
                )
                continue
            entries.append((item["text"], tuple(ids)))
        else:
            entries.append((str(item), ()))
    return tuple(entries), problems


def guide_fields(meta: dict, slug: str, lang: str, entries) -> dict:
    """The `Guide` fields the front matter gives, numbers in the language's digits."""

    def words(key: str, default: str = "") -> str:
        return native_numbers(str(meta.get(key, default)), lang)

    def whole(key: str) -> int:
        return int(meta.get(key, 0)) if isinstance(meta.get(key), int) else 0

    return {
        "title": words("title", slug),
        "handout_title": words("handout_title", meta.get("title", slug)),
        "module": str(meta.get("module", "")),
        "order": whole("order"),
        "minutes": whole("minutes"),
        "summary": words("summary"),
        "objectives": tuple(native_numbers(str(x), lang) for x in meta.get("objectives") or ()),
        "materials": tuple(native_numbers(text, lang) for text, _ in entries),
        "material_entries": entries,
        "translation": str(meta.get("translation", "")),
        "facts_checked": str(meta.get("facts_checked", "")),
    }
