"""The card rule: every group a guide names exists, and its cards can be printed in the language.

`content.loader.load_library` calls `check_materials` once every guide is parsed. Also: a materials
line that mentions cards names the group that prints them, every pictogram exists, topic cards name
guides, and cards that take their words from the guide find them (as many as the set defines).
No Flask import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ..content.model import Guide, Problem
from .sets import (
    MATERIALS_FOLDER,
    PICTOGRAM_FOLDER,
    MaterialSet,
    find_group,
    guide_words,
    load_sets,
    pictogram,
)

# A materials line that talks about cards must say which ones print (one word per language).
CARD_WORDS = ("card", "कार्ड", "کارڈ")


def check_materials(
    content_dir: Path | str, guides: Mapping[tuple[str, str], Guide]
) -> list[Problem]:
    """Every check of this module: the sets' own, then each guide's (in language and slug order)."""
    sets, problems = load_sets(content_dir)
    problems = list(problems)
    for material_set in sets.values():
        problems += _check_pictograms(content_dir, material_set)
    slugs = {slug for _lang, slug in guides}
    for material_set in sets.values():
        problems += _check_topics(material_set, slugs)
    for (_lang, slug), guide in sorted(guides.items()):
        problems += _check_card_lines(guide, slug) + _check_groups(guide, slug, sets)
    return problems


def _pictograms_named(material_set: MaterialSet) -> Iterator[tuple[str, str, bool]]:
    """(where, name, whether to say where to draw it) for every pictogram a set names: the
    handout's, each board's centre, each card's."""
    for name in material_set.handout:
        yield "handout", name, True
    for group in material_set.groups.values():
        centre = (group.board or {}).get("center")
        if centre:
            yield f"group '{group.id}'", str(centre), False
        for card in group.cards:
            for name in card.pictograms:
                yield f"group '{group.id}' card '{card.id}'", name, True


def _check_pictograms(content_dir: Path | str, material_set: MaterialSet) -> list[Problem]:
    """Every pictogram a set names is a file in pictograms/: a missing one would print blank."""
    problems = []
    for where, name, say_where in _pictograms_named(material_set):
        if pictogram(content_dir, name) is not None:
            continue
        draw = f" in {MATERIALS_FOLDER}/{PICTOGRAM_FOLDER}/; draw {name}.svg" if say_where else ""
        problems.append(Problem(material_set.path, 1, f"{where}: no pictogram '{name}'{draw}"))
    return problems


def _check_topics(material_set: MaterialSet, slugs: set[str]) -> list[Problem]:
    """A topic card (the vote on the next topic) names a guide: its title is the card's words."""
    return [
        Problem(
            material_set.path,
            1,
            f"group '{group.id}': topic '{card.id}' is not a guide; "
            "use the slug of a guide in content/<lang>/",
        )
        for group in material_set.groups.values()
        if group.kind == "topics"
        for card in group.cards
        if card.id not in slugs
    ]


def _check_card_lines(guide: Guide, slug: str) -> list[Problem]:
    """A materials line that talks about cards says which group prints them."""
    return [
        Problem(
            guide.path,
            guide.materials_line,
            f"materials line {text[:40]!r}… names cards but not which to print; "
            f"write it as 'text: …' with 'print: [group id]' from "
            f"{MATERIALS_FOLDER}/{slug}.yml",
        )
        for text, printables in guide.material_entries
        if not printables and any(word in text.lower() for word in CARD_WORDS)
    ]


def _check_groups(guide: Guide, slug: str, sets: Mapping[str, MaterialSet]) -> list[Problem]:
    """Every group the guide prints is defined, and the guide gives the words its cards take."""
    problems = []
    for group_id in guide.printables:
        group = find_group(sets, slug, group_id)
        if group is None:
            message = (
                f"materials names '{group_id}', which {MATERIALS_FOLDER}/{slug}.yml does not "
                "define; add the group there or fix the name"
            )
            problems.append(Problem(guide.path, guide.materials_line, message))
            continue
        if group.source_step and (found := len(guide_words(guide, group))) != len(group.cards):
            given = "role paragraphs (**Name:** …)" if group.kind == "role" else "list items"
            message = (
                f"group '{group_id}' has {len(group.cards)} cards, but step "
                f"'{group.source_step}' here gives {found} {given}; make them match"
            )
            problems.append(Problem(guide.path, guide.materials_line, message))
    return problems
