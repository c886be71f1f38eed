"""Checks of each translation against its English source: every guide exists in every language,
with the same steps (ids and minutes), module and length.

`loader.load_library` runs `check_translations` once every guide is parsed.
"""

from __future__ import annotations

from pathlib import Path

from ..languages import LANGUAGES, SOURCE_LANGUAGE
from .model import Guide, Problem


def check_translations(
    content_dir: Path, files: dict[str, dict[str, Path]], guides: dict[tuple[str, str], Guide]
) -> list[Problem]:
    """For every slug: the languages that lack it, then how each translation differs from English."""
    problems = []
    for slug in sorted({slug for by_slug in files.values() for slug in by_slug}):
        problems += _missing_languages(content_dir, files, slug)
        source = guides.get((SOURCE_LANGUAGE, slug))
        for lang in LANGUAGES if source is not None else ():
            other = guides.get((lang, slug))
            if lang != SOURCE_LANGUAGE and other is not None:
                problems += _compare_steps(source, other) + _compare_shape(source, other)
    return problems


def _missing_languages(
    content_dir: Path, files: dict[str, dict[str, Path]], slug: str
) -> list[Problem]:
    problems = []
    for lang in LANGUAGES:
        if slug in files[lang]:
            continue
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
    return problems


def _compare_shape(source: Guide, other: Guide) -> list[Problem]:
    if other.module == source.module and other.minutes == source.minutes:
        return []
    message = f"module and minutes must match {source.path} ({source.module}, {source.minutes})"
    return [Problem(other.path, 1, message)]


def _compare_steps(source: Guide, other: Guide) -> list[Problem]:
    """The first step where the translation parts from the English file, if any."""
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
