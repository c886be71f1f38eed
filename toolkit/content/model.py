"""What a parsed guide is: `Guide`, its `Step`s and their `Block`s, and a `Problem` found on the way.

Plain frozen dataclasses, built only by `parse.parse_guide`: the app, the PDF builder and the
materials code read them and never change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BLOCK_KINDS = ("say", "ask", "do", "note", "handout", "facts")
MODULES = ("livelihood", "options", "negotiation")
# Blocks that participants may see (the handout PDF); everything else is for the facilitator.
PARTICIPANT_BLOCKS = ("handout", "facts")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, with where it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised when content cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
    # (text, printable group ids) per materials line: see toolkit/materials/
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
