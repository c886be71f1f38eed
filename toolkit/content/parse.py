"""Parse one guide, `content/<lang>/<slug>.md`, into a `Guide` and the problems found in it.

The format is in DESIGN.md ("Content format"): front matter, a facilitator's introduction, then
steps, each a `## ` heading with `{#step-id minutes=N}` above it, holding prose and `::: kind`
blocks. markdown-it parses the file; its syntax tree gives the top-level nodes of the body, in
order: a step heading, a block, or prose. Every problem names the file and the line, and says what
to fix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .front_matter import (
    check_front_matter,
    guide_fields,
    key_line,
    material_entries,
    read_front_matter,
)
from .model import BLOCK_KINDS, Block, Guide, Problem, Step
from .steps import check_steps
from .text import running_text_html

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STEP_ID = _SLUG
_CONTAINER_LINE = re.compile(r"^\s*:::\s*(\S*)\s*(.*)$")


def _render_text(renderer, tokens, index, options, env) -> str:
    return running_text_html(tokens[index].content, env.get("lang"))


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.add_render_rule("text", _render_text)
    md.use(front_matter_plugin).use(attrs_block_plugin)
    # One container rule for every block kind (nodes `container_block`, kind in `info`): six
    # rules would each re-scan every line, which was most of the app's start-up time.
    md.use(container_plugin, name="block", validate=_is_block_kind)
    return md


def _is_block_kind(params: str, *_args) -> bool:
    return params.strip().split(" ", 1)[0] in BLOCK_KINDS


def _render(tokens: list, lang: str) -> str:
    md = _markdown()
    return md.renderer.render(tokens, md.options, {"lang": lang})


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] + 1 if node.map else 0


def parse_guide(
    path: Path, lang: str, display_path: str | None = None
) -> tuple[Guide | None, list[Problem]]:
    """Parse one guide file. Returns the guide (None if unusable) and every problem found."""
    shown = display_path or str(path)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    if not _SLUG.match(path.stem):
        return None, [Problem(shown, 1, "file name must be a lowercase slug like ng-agent.md")]
    root = SyntaxTreeNode(_markdown().parse(source))
    nodes = root.children
    if not nodes or nodes[0].type != "front_matter":
        return None, [Problem(shown, 1, "file must start with front matter between '---' lines")]
    meta, problems = read_front_matter(shown, nodes[0].content)
    if meta is None:
        return None, problems
    problems += check_front_matter(shown, lines, meta, lang)
    problems += scan_containers(shown, lines, nodes[0].map[1] if nodes[0].map else 0)
    intro, steps, found = _read_body(shown, nodes[1:], lang)
    problems += found + check_steps(shown, meta, steps)
    if not steps:
        return None, problems
    entries, entry_problems = material_entries(meta.get("materials"))
    materials_line = key_line(lines, "materials")
    problems += [Problem(shown, materials_line, message) for message in entry_problems]
    try:
        guide = Guide(
            slug=path.stem,
            lang=lang,
            **guide_fields(meta, path.stem, lang, entries),
            materials_line=materials_line,
            intro_html=_render([t for node in intro for t in node.to_tokens()], lang),
            steps=tuple(steps),
            source_hash=hashlib.sha256(source.encode()).hexdigest()[:16],
            path=shown,
        )
    except (TypeError, ValueError) as error:  # pragma: no cover - guarded by the checks above
        return None, problems + [Problem(shown, 1, f"cannot read guide: {error}")]
    return guide, problems


def _read_body(
    path: str, nodes: list[SyntaxTreeNode], lang: str
) -> tuple[list[SyntaxTreeNode], list[Step], list[Problem]]:
    """The introduction (what comes before the first step), the steps and the problems found.

    A `## ` heading opens a step; a `::: kind` block or any other top-level node (prose, a list, a
    lower heading) belongs to the step above it, or to the introduction before the first step.
    """
    intro: list[SyntaxTreeNode] = []
    steps: list[tuple[Step, list[Block]]] = []  # each step with the blocks read into it so far
    problems: list[Problem] = []
    for node in nodes:
        if node.type == "heading" and node.tag == "h1":
            message = "use '## ' for steps; the title comes from the front matter"
            problems.append(Problem(path, _line(node), message))
        if node.type == "heading" and node.tag == "h2":
            step, problem = _step(path, node)
            steps.append((step, []))
            problems += problem
        elif steps:
            steps[-1][1].append(_block(node, lang))
        elif node.type == "container_block":
            message = (
                f"'::: {_kind(node)}' block comes before the first step; put it under a "
                "'## Step' heading"
            )
            problems.append(Problem(path, _line(node), message))
        else:
            intro.append(node)
    return intro, [dataclasses.replace(s, blocks=tuple(b)) for s, b in steps], problems


def _block(node: SyntaxTreeNode, lang: str) -> Block:
    """A `::: kind` block (what is inside it rendered), or prose of kind "text" (the node itself)."""
    tokens = node.to_tokens()
    container = node.type == "container_block"
    return Block(
        kind=_kind(node) if container else "text",
        html=_render(tokens[1:-1] if container else tokens, lang),
        text="\n\n".join(token.content for token in tokens if token.type == "inline"),
        line=_line(node),
    )


def _kind(container: SyntaxTreeNode) -> str:
    return container.info.strip().split()[0]


def _step(path: str, heading: SyntaxTreeNode) -> tuple[Step, list[Problem]]:
    """A step from its `## ` heading and the `{#step-id minutes=N}` attributes above it."""
    line = _line(heading)
    step_id, minutes = heading.attrs.get("id"), heading.attrs.get("minutes")
    title = heading.children[0].content
    if not step_id or minutes is None:
        message = f"step '## {title}' needs a line '{{#step-id minutes=N}}' directly above it"
    elif not _STEP_ID.match(str(step_id)):
        message = f"step id '{step_id}' must be lowercase ASCII letters, digits and hyphens"
    elif not str(minutes).isdigit() or int(minutes) <= 0:
        message = f"step '{step_id}' minutes must be a positive whole number, not {minutes!r}"
    else:
        message = None
    step = Step(
        id=str(step_id or ""),
        title=title,
        minutes=int(minutes) if str(minutes).isdigit() else 0,
        line=line,
        blocks=(),
    )
    return step, [Problem(path, line, message)] if message else []


def scan_containers(path: str, lines: list[str], body_start: int) -> list[Problem]:
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
        elif name in BLOCK_KINDS and open_line is not None:
            message = (
                f"'::: {name}' opens inside the block opened on line {open_line}; "
                "close that one with ':::' first"
            )
            problems.append(Problem(path, number, message))
        else:
            if name not in BLOCK_KINDS:
                message = f"unknown block '::: {name}'; use one of: {', '.join(BLOCK_KINDS)}"
                problems.append(Problem(path, number, message))
            elif rest:
                problems.append(
                    Problem(path, number, f"unexpected text after '::: {name}': {rest!r}")
                )
            open_line = number
    if open_line is not None:
        problems.append(Problem(path, open_line, "block is never closed; add a line ':::'"))
    return problems
