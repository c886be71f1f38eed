"""Checks of a guide's steps: the session's shape (welcome first, feedback last, minutes that add up),
dialogue over lecture, and words short enough for low-literacy groups.

`parse.parse_guide` runs `check_steps` on the steps it read. Each check is one rule and returns the
`Problem`s it finds, naming the step's line and what to fix.
"""

from __future__ import annotations

import re

from .model import Problem, Step

FIRST_STEP, LAST_STEP = "welcome", "feedback"
MAX_AVERAGE_SENTENCE_WORDS = 20
# Every guide has at least one of each: a facilitator's note, a handout and a facts card.
REQUIRED_BLOCKS = ("note", "handout", "facts")
_SENTENCE_END = re.compile(r"[.!?।؟۔]+(?=\s|$)")


def check_steps(path: str, meta: dict, steps: list[Step]) -> list[Problem]:
    """Every rule of this module over the steps of one guide (read from `path`)."""
    if not steps:
        return [
            Problem(
                path, 1, "guide has no steps; add '{#welcome minutes=10}' and '## Welcome' lines"
            )
        ]
    problems = _check_ends(path, steps) + _check_unique_ids(path, steps)
    problems += _check_total_minutes(path, meta, steps)
    problems += _check_questions(path, steps) + _check_block_kinds(path, steps)
    return problems + _check_sentence_length(path, steps)


def _check_ends(path: str, steps: list[Step]) -> list[Problem]:
    """Consent and confidentiality open every session; anonymous feedback closes it."""
    problems = []
    first, last = steps[0], steps[-1]
    if first.id != FIRST_STEP:
        problems.append(
            Problem(
                path,
                first.line,
                f"first step must have id '{FIRST_STEP}' (consent and confidentiality), "
                f"not '{first.id}'",
            )
        )
    if last.id != LAST_STEP:
        problems.append(
            Problem(
                path,
                last.line,
                f"last step must have id '{LAST_STEP}' (anonymous feedback), not '{last.id}'",
            )
        )
    return problems


def _check_unique_ids(path: str, steps: list[Step]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for step in steps:
        if step.id and step.id in seen:
            problems.append(
                Problem(
                    path,
                    step.line,
                    f"step id '{step.id}' is used twice (first on line {seen[step.id]})",
                )
            )
        seen.setdefault(step.id, step.line)
    return problems


def _check_total_minutes(path: str, meta: dict, steps: list[Step]) -> list[Problem]:
    total = sum(step.minutes for step in steps)
    minutes = meta.get("minutes")
    if isinstance(minutes, int) and total != minutes:
        message = f"step minutes add up to {total} but 'minutes: {minutes}'; make them equal"
        return [Problem(path, 1, message)]
    return []


def _check_questions(path: str, steps: list[Step]) -> list[Problem]:
    """Dialogue over lecture: every step after the welcome asks the group something."""
    return [
        Problem(
            path,
            step.line,
            f"step '{step.id}' has no '::: ask' block; add a question for the group",
        )
        for step in steps
        if step.id != FIRST_STEP and not step.blocks_of("ask")
    ]


def _check_block_kinds(path: str, steps: list[Step]) -> list[Problem]:
    kinds = {block.kind for step in steps for block in step.blocks}
    return [
        Problem(path, 1, f"guide has no '::: {kind}' block")
        for kind in REQUIRED_BLOCKS
        if kind not in kinds
    ]


def _check_sentence_length(path: str, steps: list[Step]) -> list[Problem]:
    """What the facilitator reads aloud and what goes home is read by low-literacy groups."""
    spoken = [block.text for step in steps for block in step.blocks_of("say", "handout")]
    average = average_sentence_words(spoken)
    if average <= MAX_AVERAGE_SENTENCE_WORDS:
        return []
    return [
        Problem(
            path,
            1,
            f"say and handout sentences average {average:.1f} words; keep them under "
            f"{MAX_AVERAGE_SENTENCE_WORDS} for low-literacy groups",
        )
    ]


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
