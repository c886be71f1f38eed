"""The content format: the parse of a fixture guide pinned, and every message of the format checker.

The fixture holds every block kind, prose, a list and a lower heading between blocks, an introduction,
a materials line that prints cards, numbers and a web address. Each broken copy below breaks one rule
and must give exactly the problems listed (file, line and words), in order.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from toolkit.content import Guide, load_library
from toolkit.content.model import Block, Step
from toolkit.content.parse import parse_guide

FIXTURE = """\
---
title: Asking 2 questions
handout_title: Good questions
module: negotiation
order: 3
minutes: 60
summary: A fixture with 3 steps.
objectives: [Practise asking, Keep 1 copy]
materials:
  - Chalk
  - text: Role cards
    print: [roles]
translation: draft
facts_checked: 2025-08
---

Read the *whole* guide first.

{#welcome minutes=10}
## Welcome

::: say
You may pass at any time. We write no names.
:::

{#practice minutes=45}
## Practice

Split into pairs.

- **Meena:** you want 2 receipts.
- Second item

### Then

::: ask
What would you ask first?
:::

::: do
Count 10 pebbles.

- one
- two
:::

::: note
Do not push anyone to share.
:::

::: handout
Ask for a receipt. See beoe.gov.pk/list-of-oeps for 1.5 lakh.
:::

::: facts
A helpline number.

Verify locally.
:::

{#feedback minutes=5}
## Feedback

::: ask
Which topic next?
:::
"""


def parse(tmp_path: Path, text: str, lang: str = "ne", name: str = "ng-fixture.md"):
    path = tmp_path / lang / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_guide(path, lang, f"{lang}/{name}")


def para(words: str) -> str:
    return f"<p>{words}</p>\n"


def test_fixture_guide_parses_to_every_field(tmp_path):
    guide, problems = parse(tmp_path, FIXTURE)
    assert problems == []
    role = "<li><strong>Meena:</strong> you want २ receipts.</li>\n<li>Second item</li>\n"
    address = '<span class="url" dir="ltr" translate="no">beoe.gov.pk/list-of-oeps</span>'
    assert guide == Guide(
        slug="ng-fixture",
        lang="ne",
        title="Asking २ questions",
        handout_title="Good questions",
        module="negotiation",
        order=3,
        minutes=60,
        summary="A fixture with ३ steps.",
        objectives=("Practise asking", "Keep १ copy"),
        materials=("Chalk", "Role cards"),
        material_entries=(("Chalk", ()), ("Role cards", ("roles",))),
        materials_line=9,
        translation="draft",
        facts_checked="2025-08",
        intro_html=para("Read the <em>whole</em> guide first."),
        steps=(
            Step(
                "welcome",
                "Welcome",
                10,
                20,
                (
                    Block(
                        "say",
                        para("You may pass at any time. We write no names."),
                        "You may pass at any time. We write no names.",
                        22,
                    ),
                ),
            ),
            Step(
                "practice",
                "Practice",
                45,
                27,
                (
                    Block("text", para("Split into pairs."), "Split into pairs.", 29),
                    Block(
                        "text",
                        f"<ul>\n{role}</ul>\n",
                        "**Meena:** you want 2 receipts.\n\nSecond item",
                        31,
                    ),
                    Block("text", "<h3>Then</h3>\n", "Then", 34),
                    Block(
                        "ask", para("What would you ask first?"), "What would you ask first?", 36
                    ),
                    Block(
                        "do",
                        para("Count १० pebbles.") + "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n",
                        "Count 10 pebbles.\n\none\n\ntwo",
                        40,
                    ),
                    Block(
                        "note",
                        para("Do not push anyone to share."),
                        "Do not push anyone to share.",
                        47,
                    ),
                    Block(
                        "handout",
                        para(f"Ask for a receipt. See {address} for १.५ lakh."),
                        "Ask for a receipt. See beoe.gov.pk/list-of-oeps for 1.5 lakh.",
                        51,
                    ),
                    Block(
                        "facts",
                        para("A helpline number.") + para("Verify locally."),
                        "A helpline number.\n\nVerify locally.",
                        55,
                    ),
                ),
            ),
            Step(
                "feedback",
                "Feedback",
                5,
                62,
                (Block("ask", para("Which topic next?"), "Which topic next?", 64),),
            ),
        ),
        source_hash=hashlib.sha256(FIXTURE.encode()).hexdigest()[:16],
        path="ne/ng-fixture.md",
    )
    assert guide.printables == ("roles",)
    assert guide.step_shape == (("welcome", 10), ("practice", 45), ("feedback", 5))


FM_END = "facts_checked: 2025-08\n---\n"
BROKEN = {
    "file name": (
        "ne",
        "Ng_Fixture.md",
        lambda t: t,
        False,
        [(1, "file name must be a lowercase slug like ng-agent.md")],
    ),
    "no front matter": (
        "ne",
        None,
        lambda t: t.split(FM_END, 1)[1],
        False,
        [(1, "file must start with front matter between '---' lines")],
    ),
    "invalid yaml": (
        "ne",
        None,
        lambda t: t.replace("order: 3", "order: [3"),
        False,
        [(6, "front matter is not valid YAML: while parsing a flow sequence")],
    ),
    "front matter not a mapping": (
        "ne",
        None,
        lambda t: "---\n- a\n---\n" + t.split(FM_END, 1)[1],
        False,
        [(1, "front matter must be 'key: value' lines")],
    ),
    "missing key": (
        "ne",
        None,
        lambda t: t.replace("summary: A fixture with 3 steps.\n", ""),
        True,
        [(1, "front matter is missing 'summary:'")],
    ),
    "unknown key": (
        "ne",
        None,
        lambda t: t.replace("order: 3\n", "order: 3\nauthor: me\n"),
        True,
        [
            (
                6,
                "unknown front-matter key 'author'; allowed: title, handout_title, module, order, "
                "minutes, summary, objectives, materials, translation, facts_checked",
            )
        ],
    ),
    "title word": (
        "ne",
        None,
        lambda t: t.replace("title: Asking 2", "title: Avoiding trafficking,"),
        True,
        [
            (
                2,
                "title must not contain 'trafficking': present sessions as livelihood and "
                "wellbeing sessions",
            )
        ],
    ),
    "module": (
        "ne",
        None,
        lambda t: t.replace("module: negotiation", "module: money"),
        True,
        [(4, "module 'money' is not one of: livelihood, options, negotiation")],
    ),
    "order": (
        "ne",
        None,
        lambda t: t.replace("order: 3", "order: third"),
        True,
        [(5, "'order' must be a whole number, not 'third'")],
    ),
    "session minutes": (
        "ne",
        None,
        lambda t: t.replace("minutes: 60", "minutes: 100"),
        True,
        [
            (6, "a session lasts 60-90 minutes, not 100"),
            (1, "step minutes add up to 60 but 'minutes: 100'; make them equal"),
        ],
    ),
    "empty list": (
        "ne",
        None,
        lambda t: t.replace("objectives: [Practise asking, Keep 1 copy]", "objectives: []"),
        True,
        [(8, "'objectives' must be a non-empty list")],
    ),
    "translation state": (
        "ne",
        None,
        lambda t: t.replace("translation: draft", "translation: done"),
        True,
        [(13, "translation must be one of source, draft, reviewed")],
    ),
    "translation of the source": (
        "en",
        None,
        lambda t: t,
        True,
        [(13, "translation in 'en' must be source, not draft")],
    ),
    "source marked as a translation": (
        "ne",
        None,
        lambda t: t.replace("translation: draft", "translation: source"),
        True,
        [(13, "translation in 'ne' must be draft or reviewed, not source")],
    ),
    "facts month": (
        "ne",
        None,
        lambda t: t.replace("facts_checked: 2025-08", "facts_checked: August"),
        True,
        [(14, "facts_checked must be a month like 2025-08, not 'August'")],
    ),
    "materials line": (
        "ne",
        None,
        lambda t: t.replace("print: [roles]", "print: roles"),
        True,
        [(9, "a materials line with cards must be 'text: <words>' and 'print: [group-id, ...]'")],
    ),
    "title heading": (
        "ne",
        None,
        lambda t: t.replace("### Then", "# Then"),
        True,
        [(34, "use '## ' for steps; the title comes from the front matter")],
    ),
    "block before the first step": (
        "ne",
        None,
        lambda t: t.replace("guide first.\n", "guide first.\n\n::: note\nEarly.\n:::\n"),
        True,
        [(19, "'::: note' block comes before the first step; put it under a '## Step' heading")],
    ),
    "step without attributes": (
        "ne",
        None,
        lambda t: t.replace("{#practice minutes=45}\n", ""),
        True,
        [
            (26, "step '## Practice' needs a line '{#step-id minutes=N}' directly above it"),
            (1, "step minutes add up to 15 but 'minutes: 60'; make them equal"),
        ],
    ),
    "step id": (
        "ne",
        None,
        lambda t: t.replace("{#practice", "{#Practice_1"),
        True,
        [(27, "step id 'Practice_1' must be lowercase ASCII letters, digits and hyphens")],
    ),
    "step minutes": (
        "ne",
        None,
        lambda t: t.replace("minutes=45", "minutes=0"),
        True,
        [
            (27, "step 'practice' minutes must be a positive whole number, not '0'"),
            (1, "step minutes add up to 15 but 'minutes: 60'; make them equal"),
        ],
    ),
    "unknown block": (
        "ne",
        None,
        lambda t: t.replace("::: note", "::: notes"),
        True,
        [
            (47, "unknown block '::: notes'; use one of: say, ask, do, note, handout, facts"),
            (1, "guide has no '::: note' block"),
        ],
    ),
    "text after the kind": (
        "ne",
        None,
        lambda t: t.replace("::: say", "::: say loudly"),
        True,
        [(22, "unexpected text after '::: say': 'loudly'")],
    ),
    "close without open": (
        "ne",
        None,
        lambda t: t.replace("Split into pairs.\n", "Split into pairs.\n:::\n"),
        True,
        [(30, "':::' closes a block that was never opened")],
    ),
    "open inside a block": (
        "ne",
        None,
        lambda t: t.replace(
            "Do not push anyone to share.\n", "Do not push anyone to share.\n::: say\n"
        ),
        True,
        [
            (
                49,
                "'::: say' opens inside the block opened on line 47; close that one with ':::' first",
            )
        ],
    ),
    "never closed": (
        "ne",
        None,
        lambda t: t.rstrip().removesuffix(":::"),
        True,
        [(64, "block is never closed; add a line ':::'")],
    ),
    "no steps": (
        "ne",
        None,
        lambda t: t.split("{#welcome")[0],
        False,
        [(1, "guide has no steps; add '{#welcome minutes=10}' and '## Welcome' lines")],
    ),
    "first step": (
        "ne",
        None,
        lambda t: t.replace("{#welcome", "{#hello"),
        True,
        [
            (20, "first step must have id 'welcome' (consent and confidentiality), not 'hello'"),
            (20, "step 'hello' has no '::: ask' block; add a question for the group"),
        ],
    ),
    "last step": (
        "ne",
        None,
        lambda t: t.replace("{#feedback", "{#goodbye"),
        True,
        [(62, "last step must have id 'feedback' (anonymous feedback), not 'goodbye'")],
    ),
    "step id twice": (
        "ne",
        None,
        lambda t: t.replace("{#practice", "{#feedback"),
        True,
        [(62, "step id 'feedback' is used twice (first on line 27)")],
    ),
    "no question": (
        "ne",
        None,
        lambda t: t.replace("::: ask\nWhich", "::: do\nWhich"),
        True,
        [(62, "step 'feedback' has no '::: ask' block; add a question for the group")],
    ),
    "no facts": (
        "ne",
        None,
        lambda t: t.replace("::: facts", "::: do"),
        True,
        [(1, "guide has no '::: facts' block")],
    ),
    "long sentences": (
        "ne",
        None,
        lambda t: t.replace(
            "Ask for a receipt.", "Ask for a receipt " + "and keep asking " * 30 + "until it comes."
        ),
        True,
        [
            (
                1,
                "say and handout sentences average 28.0 words; keep them under 20 for low-literacy groups",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_format_rule_names_file_line_and_fix(tmp_path, case):
    lang, name, breaker, usable, expected = BROKEN[case]
    guide, problems = parse(tmp_path, breaker(FIXTURE), lang, name or "ng-fixture.md")
    assert [(p.line, p.message.split("\n")[0]) for p in problems] == expected
    assert {p.path for p in problems} == {f"{lang}/{name or 'ng-fixture.md'}"}
    assert (guide is not None) == usable


def write_languages(folder: Path, **overrides: str) -> Path:
    """The fixture in every language (English as the source); `overrides` maps a language to its
    text, or to "" to leave that language's file out. No cards print: the card rule has its tests in
    test_content.py and test_materials.py."""
    for lang in ("en", "ne", "ur"):
        text = overrides.get(lang, FIXTURE).replace(PRINTED, "  - Pebbles\n")
        if lang == "en":
            text = text.replace("translation: draft", "translation: source")
        if text:
            (folder / lang).mkdir(parents=True, exist_ok=True)
            (folder / lang / "ng-fixture.md").write_text(text, encoding="utf-8")
    return folder


PRINTED = "  - text: Role cards\n    print: [roles]\n"
EXTRA_STEP = "{#extra minutes=5}\n## Extra\n\n::: ask\nAnything else?\n:::\n"
ACROSS_LANGUAGES = {
    "missing language": (
        {"ur": ""},
        [
            "content/ur/ng-fixture.md:1: missing: content/en/ng-fixture.md has no 'ur' version; "
            "add this file"
        ],
    ),
    "module differs": (
        {"ne": FIXTURE.replace("module: negotiation", "module: options")},
        [
            "content/ne/ng-fixture.md:1: module and minutes must match content/en/ng-fixture.md "
            "(negotiation, 60)"
        ],
    ),
    "step missing in a translation": (
        {"ur": FIXTURE.split("{#feedback")[0]},
        [
            "content/ur/ng-fixture.md:26: last step must have id 'feedback' (anonymous feedback), "
            "not 'practice'",
            "content/ur/ng-fixture.md:1: step minutes add up to 55 but 'minutes: 60'; make them "
            "equal",
            "content/ur/ng-fixture.md:26: step 'feedback' of content/en/ng-fixture.md is missing "
            "here",
        ],
    ),
    "step only in a translation": (
        {"ne": FIXTURE + "\n" + EXTRA_STEP.replace("minutes=5", "minutes=1")},
        [
            "content/ne/ng-fixture.md:68: last step must have id 'feedback' (anonymous feedback), "
            "not 'extra'",
            "content/ne/ng-fixture.md:1: step minutes add up to 61 but 'minutes: 60'; make them "
            "equal",
            "content/ne/ng-fixture.md:68: step 'extra' is not in content/en/ng-fixture.md",
        ],
    ),
    "step differs from English": (
        {"ne": FIXTURE.replace("{#practice", "{#role-play")},
        [
            "content/ne/ng-fixture.md:26: step 2 is 'role-play' (45 min) but in "
            "content/en/ng-fixture.md it is 'practice' (45 min); step ids and minutes must match "
            "the English file"
        ],
    ),
}


@pytest.mark.parametrize("case", list(ACROSS_LANGUAGES))
def test_each_translation_rule_names_file_line_and_fix(tmp_path, case):
    overrides, expected = ACROSS_LANGUAGES[case]
    library = load_library(write_languages(tmp_path / "content", **overrides))
    assert [str(problem) for problem in library.problems] == expected


def test_fixture_passes_in_every_language(tmp_path):
    library = load_library(write_languages(tmp_path / "content"))
    assert library.problems == []
    assert sorted(library.guides) == [
        ("en", "ng-fixture"),
        ("ne", "ng-fixture"),
        ("ur", "ng-fixture"),
    ]
