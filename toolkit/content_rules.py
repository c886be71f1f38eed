"""Do-no-harm rules of the content checker: no real places in scenarios, neutral paper, one spelling.

`build.py --check` runs these (`check_house_rules`), not `load_library`, so that the app starts fast.
Each rule is one small function that returns `Problem`s naming file and line. The data the rules
use lives with the people who keep it:

- the district list: `toolkit/data/districts.csv` (columns `country,province,code,en,ne,ur,aliases`,
  aliases `|`-separated), the same list the log form offers;
- the words kept off paper that goes home, and one spelling per word: `content/GLOSSARY.md`, in the
  tables under "## Words kept off paper that goes home" and "## One spelling per word".

No Flask import.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .content.front_matter import front_matter_end, read_front_matter
from .content.model import Problem
from .languages import LANGUAGES

DISTRICTS_CSV = Path(__file__).resolve().parent / "data" / "districts.csv"
GLOSSARY_FILE = "GLOSSARY.md"
TITLE_WORDS_HEADING = "## Words kept off paper that goes home"
SPELLINGS_HEADING = "## One spelling per word"
ORDINARY_WORDS_HEADING = "## District names that are also ordinary words"
# Blocks where a scenario is told or written down: a real district there makes a neighbour the example.
# Facts and notes may name real offices (a DoFE office, an MRC in a district).
SCENARIO_BLOCKS = ("say", "ask", "do", "handout")
_CONTAINER_LINE = re.compile(r"^\s*:::\s*(\S*)")


@dataclass(frozen=True)
class Glossary:
    """What the checker reads from content/GLOSSARY.md."""

    title_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> words
    spellings: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # (write, not)
    ordinary_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> words


def _letter(char: str) -> bool:
    """A letter or a combining mark: Devanagari vowel signs and Urdu diacritics belong to words."""
    return unicodedata.category(char)[0] in "LM"


def find_term(term: str, text: str, *, whole_word: bool) -> int:
    """Index of `term` in `text` where it starts a word (and, with `whole_word`, ends one), or -1.

    Case is ignored. A term that itself starts with a vowel sign (a spelling like "ौं") matches
    anywhere. Nepali postpositions join the word (धनुषाको), so pass `whole_word=False` there.
    """
    if not term:
        return -1
    haystack, needle = text.casefold(), term.casefold()
    anywhere = unicodedata.category(needle[0]).startswith("M")
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        starts = anywhere or start == 0 or not _letter(haystack[start - 1])
        ends = not whole_word or end == len(haystack) or not _letter(haystack[end])
        if starts and ends:
            return start
        start = haystack.find(needle, start + 1)
    return -1


def _scripted_whole_word(term: str) -> bool:
    """Nepali words take joined postpositions (सिन्धुपाल्चोकको); Latin and Urdu words stand alone."""
    return not any("\u0900" <= char <= "\u097f" for char in term)


def load_districts(path: Path = DISTRICTS_CSV) -> dict[str, tuple[str, ...]]:
    """Every spelling of every district, by country code: en, ne and ur names and the aliases.

    Without the data file, the built-in programme districts (English names) stand in.
    """
    if not path.is_file():
        from .vocabulary import DISTRICTS

        return {country: tuple(names) for country, names in DISTRICTS.items()}
    names: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            spellings = [row.get(key) or "" for key in ("en", "ne", "ur")]
            spellings += (row.get("aliases") or "").split("|")
            bucket = names.setdefault((row.get("country") or "").strip(), set())
            bucket.update(s.strip() for s in spellings if s and s.strip())
    return {country: tuple(sorted(found)) for country, found in names.items()}


def _table_rows(lines: list[str], heading: str) -> list[list[str]]:
    """The cells of the markdown table under `heading` (header and rule rows left out)."""
    rows: list[list[str]] = []
    inside = False
    for line in lines:
        if line.startswith("## "):
            inside = line.strip() == heading
            continue
        if inside and line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line.strip()):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # the first row is the header


def _words(cell: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in re.split(r"[,،]", cell) if word.strip())


def load_glossary(content_dir: Path) -> Glossary:
    """Read the checker's word lists from content/GLOSSARY.md (empty lists when it is missing)."""
    path = content_dir / GLOSSARY_FILE
    if not path.is_file():
        return Glossary()
    lines = path.read_text(encoding="utf-8").splitlines()
    title_words = {row[0]: _words(row[1]) for row in _table_rows(lines, TITLE_WORDS_HEADING)}
    spellings: dict[str, list[tuple[str, str]]] = {}
    for lang, write, avoid, *_why in _table_rows(lines, SPELLINGS_HEADING):
        for variant in _words(avoid):
            spellings.setdefault(lang, []).append((write, variant))
    ordinary = {row[0]: _words(row[1]) for row in _table_rows(lines, ORDINARY_WORDS_HEADING)}
    return Glossary(
        title_words=title_words,
        spellings={lang: tuple(pairs) for lang, pairs in spellings.items()},
        ordinary_words=ordinary,
    )


def check_glossary_present(content_dir: Path, glossary: Glossary) -> list[Problem]:
    """The title rule needs its word lists: a missing glossary or language is itself a problem."""
    path = f"{content_dir.name}/{GLOSSARY_FILE}"
    missing = [lang for lang in LANGUAGES if not glossary.title_words.get(lang)]
    if not missing:
        return []
    return [
        Problem(
            path,
            1,
            f"no words under '{TITLE_WORDS_HEADING}' for {', '.join(missing)}; "
            "add a row '| <lang> | word, word |' to that table",
        )
    ]


def block_lines(lines: list[str], body_start: int):
    """(line number, block kind or None, line) for every body line; `:::` lines themselves skipped."""
    kind = None
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        match = _CONTAINER_LINE.match(line)
        if match:
            kind = match.group(1) or None
            continue
        yield number, kind, line


def districts_for(lang: str, districts: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Nepali guides are checked against Nepal's districts, Urdu against Pakistan's, English both."""
    country = LANGUAGES[lang].country
    if country is None:
        return tuple(name for names in districts.values() for name in names)
    return districts.get(country, ())


def check_real_places(
    path: str,
    lines: list[str],
    body_start: int,
    names: tuple[str, ...],
    ordinary: tuple[str, ...] = (),
) -> list[Problem]:
    """No real district in a say, ask, do or handout block: the example must not be a neighbour."""
    problems = []
    allowed = {word.casefold() for word in ordinary}
    # One C-level substring search per name over the whole file first: few names occur at all.
    whole = "\n".join(lines).casefold()
    present = [n for n in names if n.casefold() in whole and n.casefold() not in allowed]
    for number, kind, line in block_lines(lines, body_start):
        if kind not in SCENARIO_BLOCKS or not present:
            continue
        for name in present:
            if find_term(name, line, whole_word=_scripted_whole_word(name)) != -1:
                problems.append(
                    Problem(
                        path,
                        number,
                        f"real district '{name}' in a '::: {kind}' block; use an invented or "
                        "general place ('a village like ours'). Real offices belong in facts or notes",
                    )
                )
                break
    return problems


def check_handout_title(path: str, line: int, meta: dict, words: tuple[str, ...]) -> list[Problem]:
    """The handout goes home: its title (and so the PDF's title and file name) says nothing of going."""
    if "handout_title" not in meta:
        return []  # the front-matter check already reports the missing key
    title = str(meta["handout_title"])
    for word in words:
        if find_term(word, title, whole_word=False) != -1:
            return [
                Problem(
                    path,
                    line,
                    f"handout_title must not contain '{word}': paper that goes home gets a "
                    "neutral, livelihood-framed title (word list: content/GLOSSARY.md)",
                )
            ]
    return []


def check_spellings(
    path: str, lines: list[str], pairs: tuple[tuple[str, str], ...]
) -> list[Problem]:
    """One spelling per word in each language, as content/GLOSSARY.md lists it."""
    problems = []
    whole = "\n".join(lines).casefold()
    pairs = tuple((write, variant) for write, variant in pairs if variant.casefold() in whole)
    for number, line in enumerate(lines, start=1) if pairs else ():
        for write, variant in pairs:
            if find_term(variant, line, whole_word=False) != -1:
                problems.append(
                    Problem(
                        path,
                        number,
                        f"write '{write}', not '{variant}' (one spelling per word: "
                        "content/GLOSSARY.md)",
                    )
                )
    return problems


def check_house_rules(content_dir: Path, districts_csv: Path = DISTRICTS_CSV) -> list[Problem]:
    """Run every rule of this module over every guide under `content_dir`.

    Kept out of `load_library` so that the app starts fast: `build.py --check` runs it.
    """
    content_dir = Path(content_dir)
    glossary = load_glossary(content_dir)
    districts = load_districts(districts_csv)
    problems = check_glossary_present(content_dir, glossary)
    for lang in LANGUAGES:
        names = districts_for(lang, districts)
        ordinary = glossary.ordinary_words.get(lang, ())
        for file in sorted((content_dir / lang).glob("*.md")):
            shown = f"{content_dir.name}/{lang}/{file.name}"
            lines = file.read_text(encoding="utf-8").splitlines()
            body_start = front_matter_end(lines)
            meta_line, meta = _handout_title_line(lines, body_start)
            problems += check_real_places(shown, lines, body_start, names, ordinary)
            problems += check_handout_title(
                shown, meta_line, meta, glossary.title_words.get(lang, ())
            )
            problems += check_spellings(shown, lines, glossary.spellings.get(lang, ()))
    return problems


def _handout_title_line(lines: list[str], body_start: int) -> tuple[int, dict]:
    """The line of `handout_title:` and the front matter as YAML reads it (empty when unreadable:
    the front-matter check reports that)."""
    meta, _problems = read_front_matter("", "\n".join(lines[1 : max(body_start - 1, 1)]))
    for number, line in enumerate(lines[:body_start], start=1):
        if line.startswith("handout_title:"):
            return number, meta or {}
    return 1, {}
