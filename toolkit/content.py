"""Session guides: parse `content/<lang>/<slug>.md` into `Guide` and `Step`, and check them.

No Flask import: `build.py --check`, the app and the PDF builder all use this module. The format is in
DESIGN.md ("Content format"). Every problem names the file and the line, and says what to fix.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .languages import LANGUAGES, SOURCE_LANGUAGE, native_digits

BLOCK_KINDS = ("say", "ask", "do", "note", "handout", "facts")
MODULES = ("livelihood", "options", "negotiation")
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
FIRST_STEP, LAST_STEP = "welcome", "feedback"
MIN_GUIDE_MINUTES, MAX_GUIDE_MINUTES = 60, 90
MAX_AVERAGE_SENTENCE_WORDS = 20
# Blocks that participants may see (the handout PDF); everything else is for the facilitator.
PARTICIPANT_BLOCKS = ("handout", "facts")

# libyaml's loader when present: front matter of 39 guides is most of the app's start-up time.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STEP_ID = _SLUG
_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
_CONTAINER_LINE = re.compile(r"^\s*:::\s*(\S*)\s*(.*)$")
_SENTENCE_END = re.compile(r"[.!?।؟۔]+(?=\s|$)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, with where it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Block:
    kind: str  # one of BLOCK_KINDS, or "text" for prose between blocks
    html: str
    text: str  # markdown source of the block, for checks and plain-text uses
    line: int


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    minutes: int
    line: int
    blocks: tuple[Block, ...]

    def blocks_of(self, *kinds: str) -> tuple[Block, ...]:
        return tuple(block for block in self.blocks if block.kind in kinds)


@dataclass(frozen=True)
class Guide:
    slug: str
    lang: str
    title: str
    handout_title: str
    module: str
    order: int
    minutes: int
    summary: str
    objectives: tuple[str, ...]
    materials: tuple[str, ...]
    translation: str
    facts_checked: str
    intro_html: str
    steps: tuple[Step, ...]
    source_hash: str
    path: str = field(compare=False)
    # (text, printable group ids) per materials line: see toolkit/materials.py
    material_entries: tuple[tuple[str, tuple[str, ...]], ...] = ()
    materials_line: int = 1

    @property
    def printables(self) -> tuple[str, ...]:
        """Ids of the materials groups this guide prints (materials.pdf), in order."""
        return tuple(group for _, ids in self.material_entries for group in ids)

    def blocks_of(self, *kinds: str) -> tuple[Block, ...]:
        return tuple(block for step in self.steps for block in step.blocks_of(*kinds))

    @property
    def step_shape(self) -> tuple[tuple[str, int], ...]:
        return tuple((step.id, step.minutes) for step in self.steps)


class ContentError(Exception):
    """Raised when content cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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


def _render_text(renderer, tokens, index, options, env) -> str:
    return running_text_html(tokens[index].content, env.get("lang"))


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.add_render_rule("text", _render_text)
    md.use(front_matter_plugin).use(attrs_block_plugin)
    # One container rule for every block kind (tokens `container_block_open`, kind in `info`): six
    # rules would each re-scan every line, which was most of the app's start-up time.
    md.use(container_plugin, name="block", validate=_is_block_kind)
    return md


def _is_block_kind(params: str, *_args) -> bool:
    return params.strip().split(" ", 1)[0] in BLOCK_KINDS


def average_sentence_words(texts: list[str]) -> float:
    """Mean words per sentence over `texts` (paragraphs and list items separated by blank lines).

    A paragraph or list item that does not end with a full stop still counts as a sentence.
    """
    words = sentences = 0
    for text in texts:
        for chunk in re.split(r"\n\s*\n", text):
            plain = re.sub(r"[*_`#>]", " ", chunk).replace("\n", " ").strip()
            if not plain:
                continue
            words += len(plain.split())
            ends = len(_SENTENCE_END.findall(plain))
            sentences += ends if _SENTENCE_END.search(plain[-1:] + " ") else ends + 1
    return words / sentences if sentences else 0.0


def _scan_containers(path: str, lines: list[str], body_start: int) -> list[Problem]:
    """Check `:::` lines by hand: markdown-it turns an unknown container into a silent paragraph."""
    problems = []
    open_line = None
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        match = _CONTAINER_LINE.match(line)
        if not match:
            continue
        name, rest = match.groups()
        if not name:
            if open_line is None:
                problems.append(Problem(path, number, "':::' closes a block that was never opened"))
            open_line = None
        elif name not in BLOCK_KINDS:
            problems.append(
                Problem(
                    path,
                    number,
                    f"unknown block '::: {name}'; use one of: {', '.join(BLOCK_KINDS)}",
                )
            )
            open_line = number
        elif open_line is not None:
            problems.append(
                Problem(
                    path,
                    number,
                    f"'::: {name}' opens inside the block opened on line {open_line}; "
                    "close that one with ':::' first",
                )
            )
        else:
            if rest:
                problems.append(
                    Problem(path, number, f"unexpected text after '::: {name}': {rest!r}")
                )
            open_line = number
    if open_line is not None:
        problems.append(Problem(path, open_line, "block is never closed; add a line ':::'"))
    return problems


def front_matter_end(lines: list[str]) -> int:
    """How many lines the front matter takes, closing '---' included (0 when there is none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return number
    return 0


def _key_line(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return number
        if number > 1 and line.strip() == "---":
            break
    return 1


def _check_front_matter(path: str, lines: list[str], meta: dict, lang: str) -> list[Problem]:
    problems = []
    for key in REQUIRED_KEYS:
        if key not in meta:
            problems.append(Problem(path, 1, f"front matter is missing '{key}:'"))
    for key in meta:
        if key not in REQUIRED_KEYS:
            problems.append(
                Problem(
                    path,
                    _key_line(lines, str(key)),
                    f"unknown front-matter key '{key}'; allowed: {', '.join(REQUIRED_KEYS)}",
                )
            )

    def bad(key: str, message: str) -> None:
        problems.append(Problem(path, _key_line(lines, key), message))

    if "title" in meta:
        title = str(meta["title"])
        for word in FORBIDDEN_TITLE_WORDS:
            if word.lower() in title.lower():
                bad(
                    "title",
                    f"title must not contain '{word}': present sessions as livelihood "
                    "and wellbeing sessions",
                )
    if "module" in meta and meta["module"] not in MODULES:
        bad("module", f"module '{meta['module']}' is not one of: {', '.join(MODULES)}")
    for key in ("order", "minutes"):
        if key in meta and (not isinstance(meta[key], int) or isinstance(meta[key], bool)):
            bad(key, f"'{key}' must be a whole number, not {meta[key]!r}")
    minutes = meta.get("minutes")
    if isinstance(minutes, int) and not MIN_GUIDE_MINUTES <= minutes <= MAX_GUIDE_MINUTES:
        bad(
            "minutes",
            f"a session lasts {MIN_GUIDE_MINUTES}-{MAX_GUIDE_MINUTES} minutes, not {minutes}",
        )
    for key in ("objectives", "materials"):
        if key in meta and not (isinstance(meta[key], list) and meta[key]):
            bad(key, f"'{key}' must be a non-empty list")
    if "translation" in meta:
        state = meta["translation"]
        if state not in TRANSLATION_STATES:
            bad("translation", f"translation must be one of {', '.join(TRANSLATION_STATES)}")
        elif (lang == SOURCE_LANGUAGE) != (state == "source"):
            expected = "source" if lang == SOURCE_LANGUAGE else "draft or reviewed"
            bad("translation", f"translation in '{lang}' must be {expected}, not {state}")
    if "facts_checked" in meta and not _MONTH.match(str(meta["facts_checked"])):
        bad(
            "facts_checked",
            f"facts_checked must be a month like 2025-08, not {meta['facts_checked']!r}",
        )
    return problems


def parse_guide(
    path: Path, lang: str, display_path: str | None = None
) -> tuple[Guide | None, list[Problem]]:
    """Parse one guide file. Returns the guide (None if unusable) and every problem found."""
    shown = display_path or str(path)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    slug = path.stem
    problems: list[Problem] = []
    if not _SLUG.match(slug):
        return None, [Problem(shown, 1, "file name must be a lowercase slug like ng-agent.md")]

    md = _markdown()
    tokens = md.parse(source)
    if not tokens or tokens[0].type != "front_matter":
        return None, [Problem(shown, 1, "file must start with front matter between '---' lines")]
    try:
        meta = yaml.load(tokens[0].content, Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        return None, [Problem(shown, line, f"front matter is not valid YAML: {error}")]
    if not isinstance(meta, dict):
        return None, [Problem(shown, 1, "front matter must be 'key: value' lines")]
    problems += _check_front_matter(shown, lines, meta, lang)
    body_start = tokens[0].map[1] if tokens[0].map else 0
    problems += _scan_containers(shown, lines, body_start)

    intro_tokens: list = []
    steps: list[dict] = []
    index = 1
    while index < len(tokens):
        token = tokens[index]
        line = (token.map[0] + 1) if token.map else 0
        if token.type == "heading_open" and token.tag == "h2":
            step_id = token.attrs.get("id")
            minutes = token.attrs.get("minutes")
            title = tokens[index + 1].content
            if not step_id or minutes is None:
                problems.append(
                    Problem(
                        shown,
                        line,
                        f"step '## {title}' needs a line "
                        "'{#step-id minutes=N}' directly above it",
                    )
                )
            elif not _STEP_ID.match(str(step_id)):
                problems.append(
                    Problem(
                        shown,
                        line,
                        f"step id '{step_id}' must be lowercase ASCII letters, digits and hyphens",
                    )
                )
            elif not str(minutes).isdigit() or int(minutes) <= 0:
                problems.append(
                    Problem(
                        shown,
                        line,
                        f"step '{step_id}' minutes must be a "
                        f"positive whole number, not {minutes!r}",
                    )
                )
            steps.append(
                {
                    "id": str(step_id or ""),
                    "title": title,
                    "minutes": int(minutes) if str(minutes).isdigit() else 0,
                    "line": line,
                    "blocks": [],
                }
            )
            index += 3
            continue
        if token.type.startswith("container_") and token.type.endswith("_open"):
            kind = token.info.strip().split()[0]
            depth, end = 1, index + 1
            while end < len(tokens) and depth:
                if tokens[end].type == token.type:
                    depth += 1
                elif tokens[end].type == "container_block_close":
                    depth -= 1
                end += 1
            inner = tokens[index + 1 : end - 1]
            block = Block(
                kind=kind,
                html=md.renderer.render(inner, md.options, {"lang": lang}),
                text="\n\n".join(t.content for t in inner if t.type == "inline"),
                line=line,
            )
            if steps:
                steps[-1]["blocks"].append(block)
            else:
                problems.append(
                    Problem(
                        shown,
                        line,
                        f"'::: {kind}' block comes before the first "
                        "step; put it under a '## Step' heading",
                    )
                )
            index = end
            continue
        # Any other top-level block: prose, list, lower heading.
        end = index + 1
        if token.nesting == 1:
            depth = 1
            while end < len(tokens) and depth:
                depth += tokens[end].nesting
                end += 1
        chunk = tokens[index:end]
        if token.type == "heading_open" and token.tag == "h1":
            problems.append(
                Problem(shown, line, "use '## ' for steps; the title comes from the front matter")
            )
        if steps:
            steps[-1]["blocks"].append(
                Block(
                    kind="text",
                    html=md.renderer.render(chunk, md.options, {"lang": lang}),
                    text="\n\n".join(t.content for t in chunk if t.type == "inline"),
                    line=line,
                )
            )
        else:
            intro_tokens.extend(chunk)
        index = end

    problems += _check_steps(shown, meta, steps)
    if not steps:
        return None, problems
    entries, entry_problems = material_entries(meta.get("materials"))
    problems += [Problem(shown, _key_line(lines, "materials"), p) for p in entry_problems]
    try:
        guide = Guide(
            slug=slug,
            lang=lang,
            title=native_numbers(str(meta.get("title", slug)), lang),
            handout_title=native_numbers(
                str(meta.get("handout_title", meta.get("title", slug))), lang
            ),
            module=str(meta.get("module", "")),
            order=int(meta.get("order", 0)) if isinstance(meta.get("order"), int) else 0,
            minutes=int(meta.get("minutes", 0)) if isinstance(meta.get("minutes"), int) else 0,
            summary=native_numbers(str(meta.get("summary", "")), lang),
            objectives=tuple(native_numbers(str(x), lang) for x in meta.get("objectives") or ()),
            materials=tuple(native_numbers(text, lang) for text, _ in entries),
            material_entries=entries,
            materials_line=_key_line(lines, "materials"),
            translation=str(meta.get("translation", "")),
            facts_checked=str(meta.get("facts_checked", "")),
            intro_html=md.renderer.render(intro_tokens, md.options, {"lang": lang}),
            steps=tuple(
                Step(s["id"], s["title"], s["minutes"], s["line"], tuple(s["blocks"]))
                for s in steps
            ),
            source_hash=hashlib.sha256(source.encode()).hexdigest()[:16],
            path=shown,
        )
    except (TypeError, ValueError) as error:  # pragma: no cover - guarded by the checks above
        return None, problems + [Problem(shown, 1, f"cannot read guide: {error}")]
    return guide, problems


def material_entries(value) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], list[str]]:
    """Front-matter materials lines: a plain line, or {text: ..., print: [group ids]} for a line
    whose cards, role cards or boards print from materials.pdf (toolkit/materials.py)."""
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


def _check_steps(path: str, meta: dict, steps: list[dict]) -> list[Problem]:
    problems = []
    if not steps:
        return [
            Problem(
                path, 1, "guide has no steps; add '{#welcome minutes=10}' and '## Welcome' lines"
            )
        ]
    if steps[0]["id"] != FIRST_STEP:
        problems.append(
            Problem(
                path,
                steps[0]["line"],
                f"first step must have id "
                f"'{FIRST_STEP}' (consent and confidentiality), "
                f"not '{steps[0]['id']}'",
            )
        )
    if steps[-1]["id"] != LAST_STEP:
        problems.append(
            Problem(
                path,
                steps[-1]["line"],
                f"last step must have id "
                f"'{LAST_STEP}' (anonymous feedback), not '{steps[-1]['id']}'",
            )
        )
    seen: dict[str, int] = {}
    for step in steps:
        if step["id"] and step["id"] in seen:
            problems.append(
                Problem(
                    path,
                    step["line"],
                    f"step id '{step['id']}' is used twice (first on line {seen[step['id']]})",
                )
            )
        seen.setdefault(step["id"], step["line"])
    total = sum(step["minutes"] for step in steps)
    minutes = meta.get("minutes")
    if isinstance(minutes, int) and total != minutes:
        problems.append(
            Problem(
                path, 1, f"step minutes add up to {total} but 'minutes: {minutes}'; make them equal"
            )
        )
    # Dialogue over lecture: every step after the welcome asks the group something.
    for step in steps:
        kinds = {block.kind for block in step["blocks"]}
        if step["id"] != FIRST_STEP and "ask" not in kinds:
            problems.append(
                Problem(
                    path,
                    step["line"],
                    f"step '{step['id']}' has no '::: ask' block; add a question for the group",
                )
            )
    all_kinds = {block.kind for step in steps for block in step["blocks"]}
    for kind in ("note", "handout", "facts"):
        if kind not in all_kinds:
            problems.append(Problem(path, 1, f"guide has no '::: {kind}' block"))
    spoken = [b.text for s in steps for b in s["blocks"] if b.kind in ("say", "handout")]
    average = average_sentence_words(spoken)
    if average > MAX_AVERAGE_SENTENCE_WORDS:
        problems.append(
            Problem(
                path,
                1,
                f"say and handout sentences average {average:.1f} "
                f"words; keep them under {MAX_AVERAGE_SENTENCE_WORDS} for "
                "low-literacy groups",
            )
        )
    return problems


@dataclass
class Library:
    """Every guide in every language, parsed once, with the problems found."""

    content_dir: Path
    guides: dict[tuple[str, str], Guide]
    problems: list[Problem]
    version: str

    def get(self, lang: str, slug: str) -> tuple[Guide | None, bool]:
        """The guide in `lang`, else the English one. The flag says English stands in."""
        guide = self.guides.get((lang, slug))
        if guide is not None:
            return guide, False
        return self.guides.get((SOURCE_LANGUAGE, slug)), lang != SOURCE_LANGUAGE

    def slugs(self) -> list[str]:
        """Every slug, in module and order of the English guides."""
        slugs = {slug for (_, slug) in self.guides}

        def key(slug: str) -> tuple:
            guide = self.guides.get((SOURCE_LANGUAGE, slug)) or next(
                g for (_, s), g in self.guides.items() if s == slug
            )
            module_rank = MODULES.index(guide.module) if guide.module in MODULES else 99
            return (module_rank, guide.order, slug)

        return sorted(slugs, key=key)

    def for_language(self, lang: str) -> list[tuple[Guide, bool]]:
        """Every guide as shown in `lang` (with the English stand-in flag), in order."""
        return [pair for slug in self.slugs() if (pair := self.get(lang, slug))[0] is not None]

    def by_module(self, lang: str) -> dict[str, list[tuple[Guide, bool]]]:
        groups: dict[str, list[tuple[Guide, bool]]] = {module: [] for module in MODULES}
        for guide, fallback in self.for_language(lang):
            groups.setdefault(guide.module, []).append((guide, fallback))
        return {module: items for module, items in groups.items() if items}


def load_library(content_dir: Path | str) -> Library:
    """Parse every guide under `content_dir` and check them against each other."""
    content_dir = Path(content_dir)
    guides: dict[tuple[str, str], Guide] = {}
    problems: list[Problem] = []
    digest = hashlib.sha256()
    files: dict[str, dict[str, Path]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        folder = content_dir / lang
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            files[lang][path.stem] = path
    for lang, by_slug in files.items():
        for slug, path in by_slug.items():
            shown = f"{content_dir.name}/{lang}/{path.name}"
            digest.update(f"{lang}/{slug}\0".encode() + path.read_bytes())
            guide, found = parse_guide(path, lang, shown)
            problems += found
            if guide is not None:
                guides[(lang, slug)] = guide
    problems += _check_across_languages(content_dir, files, guides)
    from .materials.sets import check_materials  # the card rule; it imports this module

    problems += check_materials(content_dir, guides)
    return Library(content_dir, guides, problems, digest.hexdigest()[:12])


def _check_across_languages(
    content_dir: Path, files: dict[str, dict[str, Path]], guides: dict[tuple[str, str], Guide]
) -> list[Problem]:
    problems = []
    all_slugs = sorted({slug for by_slug in files.values() for slug in by_slug})
    for slug in all_slugs:
        for lang in LANGUAGES:
            if slug not in files[lang]:
                have = next(
                    f"{content_dir.name}/{other}/{slug}.md"
                    for other in (SOURCE_LANGUAGE, *LANGUAGES)
                    if slug in files[other]
                )
                problems.append(
                    Problem(
                        f"{content_dir.name}/{lang}/{slug}.md",
                        1,
                        f"missing: {have} has no '{lang}' version; add this file",
                    )
                )
        source = guides.get((SOURCE_LANGUAGE, slug))
        if source is None:
            continue
        for lang in LANGUAGES:
            other = guides.get((lang, slug))
            if lang == SOURCE_LANGUAGE or other is None:
                continue
            problems += _compare_steps(source, other)
            if other.module != source.module or other.minutes != source.minutes:
                problems.append(
                    Problem(
                        other.path,
                        1,
                        f"module and minutes must match "
                        f"{source.path} ({source.module}, {source.minutes})",
                    )
                )
    return problems


def _compare_steps(source: Guide, other: Guide) -> list[Problem]:
    for position in range(max(len(source.steps), len(other.steps))):
        mine = other.steps[position] if position < len(other.steps) else None
        theirs = source.steps[position] if position < len(source.steps) else None
        if mine is None:
            return [
                Problem(
                    other.path,
                    other.steps[-1].line if other.steps else 1,
                    f"step '{theirs.id}' of {source.path} is missing here",
                )
            ]
        if theirs is None:
            return [Problem(other.path, mine.line, f"step '{mine.id}' is not in {source.path}")]
        if (mine.id, mine.minutes) != (theirs.id, theirs.minutes):
            return [
                Problem(
                    other.path,
                    mine.line,
                    f"step {position + 1} is '{mine.id}' ({mine.minutes} min) but in "
                    f"{source.path} it is '{theirs.id}' ({theirs.minutes} min); "
                    "step ids and minutes must match the English file",
                )
            ]
    return []
