"""Printable session materials: picture cards, role cards, text cards and boards, one PDF per guide.

A guide's materials set is `content/materials/<slug>.yml`, the same for every language: groups of
cards, each card with a pictogram from `content/materials/pictograms/` (stroke-only SVG on a 48-unit
grid, drawn for this toolkit) and a caption per language. Role and text cards can instead take their
words from the guide itself (`from: {step: brief-roles}`), so the printed card always says what the
facilitator reads aloud, in every language. A guide names what it prints in its front matter:

    materials:
      - text: Four role cards (woman, friend, agent, observer)
        print: [roles]

`card_rule.check_materials` (called by the content checker) fails when a guide names a group its set does
not define, when a card lacks a caption or a pictogram, or when a guide's words do not yield the
cards the set expects. No Flask import: `sets` reads, `card_rule` checks, `sheets` lays out and renders;
pdf.py renders it in a language like the handouts; printing.py serves it.
"""

from .card_rule import check_materials
from .sets import (
    PER_PAGE,
    SHARED_SET,
    CardSpec,
    Group,
    MaterialSet,
    groups_for,
    guide_words,
    load_sets,
    materials_dir,
    pictogram,
)
from .sheets import (
    Card,
    Sheet,
    clock_marks,
    handout_pictograms,
    materials_digest,
    materials_files,
    materials_html,
    materials_key,
    page_count,
    path_squares,
    render_materials,
    sheets,
)

__all__ = [
    "PER_PAGE",
    "SHARED_SET",
    "Card",
    "CardSpec",
    "Group",
    "MaterialSet",
    "Sheet",
    "check_materials",
    "clock_marks",
    "groups_for",
    "guide_words",
    "handout_pictograms",
    "load_sets",
    "materials_digest",
    "materials_dir",
    "materials_files",
    "materials_html",
    "materials_key",
    "page_count",
    "path_squares",
    "pictogram",
    "render_materials",
    "sheets",
]
