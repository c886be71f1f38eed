"""The content checker: each broken-content case fails `build.py --check`, naming file and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.content import load_library
from toolkit.content.steps import average_sentence_words
from toolkit.content_rules import find_term, load_districts

ROOT = Path(__file__).resolve().parent.parent
# A small district list in the format of toolkit/data/districts.csv (the phone engineer's data file).
DISTRICTS_FIXTURE = """\
country,province,code,en,ne,ur,aliases
NP,Bagmati,NP-SI,Sindhupalchok,सिन्धुपाल्चोक,سندھوپالچوک,Sindhupalchowk|सिन्धुपाल्चोक
NP,Madhesh,NP-DH,Dhanusha,धनुषा,دھنوشا,Dhanusa
PK,Punjab,PK-OK,Okara,ओकारा,اوکاڑہ,Okāra
PK,Khyber Pakhtunkhwa,PK-MR,Mardan,मर्दान,مردان,
"""

GUIDE = """\
---
title: {title}
handout_title: {handout_title}
module: negotiation
order: 11
minutes: 60
summary: A short test guide.
objectives: [Practise asking]
materials: [Chalk]
translation: {translation}
facts_checked: 2025-08
---

Introduction for the facilitator.

{{#welcome minutes=10}}
## Welcome

::: say
You may pass at any time. We write no names.
:::

{{#practice minutes=45}}
## Practice

::: ask
What would you ask first?
:::

::: note
Do not push anyone to share.
:::

::: handout
Ask for a receipt. Keep a copy.
:::

::: facts
A helpline number. Verify locally.
:::

{{#feedback minutes=5}}
## Feedback

::: ask
Which topic next?
:::
"""


def write_set(folder: Path, slug: str = "ng-test", **overrides: str) -> Path:
    """A valid guide in every language; `overrides` maps a language to replacement text.

    The real GLOSSARY.md comes along (the checker's word lists live there), and the district fixture
    is written beside the folder for `run_check`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "GLOSSARY.md").write_text(
        (ROOT / "content" / "GLOSSARY.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder.parent / "districts.csv").write_text(DISTRICTS_FIXTURE, encoding="utf-8")
    for lang in ("en", "ne", "ur"):
        text = overrides.get(lang) or valid(lang)
        (folder / lang).mkdir(parents=True, exist_ok=True)
        (folder / lang / f"{slug}.md").write_text(text, encoding="utf-8")
    return folder


def valid(lang: str = "en", title: str = "Asking questions") -> str:
    return GUIDE.format(
        title=title,
        handout_title="Good questions",
        translation="source" if lang == "en" else "draft",
    )


def run_check(content: Path) -> subprocess.CompletedProcess:
    districts = content.parent / "districts.csv"
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "--check",
            "--content",
            str(content),
            *(("--districts", str(districts)) if districts.is_file() else ()),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_valid_set_passes(tmp_path):
    result = run_check(write_set(tmp_path / "content"))
    assert result.returncode == 0, result.stderr
    library = load_library(tmp_path / "content")
    guide, fallback = library.get("ur", "ng-test")
    assert not fallback
    assert [s.id for s in guide.steps] == ["welcome", "practice", "feedback"]
    assert [b.kind for b in guide.steps[1].blocks] == ["ask", "note", "handout", "facts"]


BROKEN = {
    "missing key": (
        "en",
        lambda t: t.replace("summary: A short test guide.\n", ""),
        "en/ng-test.md:1: front matter is missing 'summary:'",
    ),
    "unknown key": (
        "en",
        lambda t: t.replace("order: 11\n", "order: 11\nauthor: me\n"),
        "en/ng-test.md:6: unknown front-matter key 'author'",
    ),
    "unknown container": (
        "ne",
        lambda t: t.replace("::: note", "::: notes"),
        "ne/ng-test.md:30: unknown block '::: notes'",
    ),
    "unclosed container": (
        "en",
        lambda t: t.rstrip().removesuffix(":::") + "\n",
        "en/ng-test.md:45: block is never closed",
    ),
    "step without id": (
        "en",
        lambda t: t.replace("{#practice minutes=45}\n", ""),
        "en/ng-test.md:23: step '## Practice' needs a line '{#step-id minutes=N}'",
    ),
    "step without minutes": (
        "en",
        lambda t: t.replace("{#practice minutes=45}", "{#practice}"),
        "en/ng-test.md:24: step '## Practice' needs a line",
    ),
    "minutes not summing": (
        "en",
        lambda t: t.replace("minutes=45", "minutes=40").replace("minutes: 60", "minutes: 60"),
        "en/ng-test.md:1: step minutes add up to 55 but 'minutes: 60'",
    ),
    "step differs from English": (
        "ur",
        lambda t: t.replace("{#practice", "{#role-play"),
        "ur/ng-test.md:24: step 2 is 'role-play' (45 min) but in content/en/ng-test.md it is "
        "'practice' (45 min)",
    ),
    "minutes differ from English": (
        "ne",
        lambda t: t.replace("minutes=45", "minutes=40").replace(
            "{#welcome minutes=10}", "{#welcome minutes=15}"
        ),
        "ne/ng-test.md:17: step 1 is 'welcome' (15 min) but in content/en/ng-test.md it is "
        "'welcome' (10 min)",
    ),
    "forbidden title (en)": (
        "en",
        lambda t: t.replace("title: Asking questions", "title: Avoiding trafficking"),
        "en/ng-test.md:2: title must not contain 'trafficking'",
    ),
    "forbidden title (ne)": (
        "ne",
        lambda t: t.replace("title: Asking questions", "title: मानव बेचबिखन"),
        "ne/ng-test.md:2: title must not contain 'बेचबिखन'",
    ),
    "forbidden title (ne, smuggling)": (
        "ne",
        lambda t: t.replace("title: Asking questions", "title: मानव तस्करी"),
        "ne/ng-test.md:2: title must not contain 'तस्करी'",
    ),
    "forbidden title (ur)": (
        "ur",
        lambda t: t.replace("title: Asking questions", "title: انسانی سمگلنگ"),
        "ur/ng-test.md:2: title must not contain 'سمگلنگ'",
    ),
    "first step not welcome": (
        "en",
        lambda t: t.replace("{#welcome", "{#hello"),
        "en/ng-test.md:17: first step must have id 'welcome'",
    ),
    "last step not feedback": (
        "en",
        lambda t: t.replace("{#feedback", "{#goodbye"),
        "en/ng-test.md:43: last step must have id 'feedback'",
    ),
    "step without a question": (
        "en",
        lambda t: t.replace("::: ask\nWhich topic next?\n:::\n", "::: do\nCount pebbles.\n:::\n"),
        "en/ng-test.md:43: step 'feedback' has no '::: ask' block",
    ),
    "no handout": (
        "en",
        lambda t: t.replace("::: handout", "::: do"),
        "en/ng-test.md:1: guide has no '::: handout' block",
    ),
    "no facts": (
        "en",
        lambda t: t.replace("::: facts", "::: do"),
        "en/ng-test.md:1: guide has no '::: facts' block",
    ),
    "no note": (
        "en",
        lambda t: t.replace("::: note", "::: do"),
        "en/ng-test.md:1: guide has no '::: note' block",
    ),
    "long sentences": (
        "en",
        lambda t: t.replace(
            "Ask for a receipt. Keep a copy.",
            "Ask for a receipt " + "and then keep asking " * 12 + "until it comes.",
        ),
        "say and handout sentences average",
    ),
    "bad facts month": (
        "en",
        lambda t: t.replace("facts_checked: 2025-08", "facts_checked: August"),
        "en/ng-test.md:11: facts_checked must be a month like 2025-08",
    ),
    "real district in a say block (en)": (
        "en",
        lambda t: t.replace("You may pass", "Maya is from Okara. You may pass"),
        "en/ng-test.md:20: real district 'Okara' in a '::: say' block",
    ),
    "real district with a postposition (ne)": (
        "ne",
        lambda t: t.replace("What would you ask first?", "धनुषाको एउटा गाउँकी सीता के सोध्छिन्?"),
        "ne/ng-test.md:27: real district 'धनुषा' in a '::: ask' block",
    ),
    "real district by an alias (ne)": (
        "ne",
        lambda t: t.replace("Ask for a receipt.", "Sindhupalchowk. Ask for a receipt."),
        "ne/ng-test.md:35: real district 'Sindhupalchowk' in a '::: handout' block",
    ),
    "real district (ur)": (
        "ur",
        lambda t: t.replace("You may pass", "شازیہ اوکاڑہ کے ایک گاؤں کی ہے۔ You may pass"),
        "ur/ng-test.md:20: real district 'اوکاڑہ' in a '::: say' block",
    ),
    "agent word in the handout title (en)": (
        "en",
        lambda t: t.replace("handout_title: Good questions", "handout_title: Questions for agents"),
        "en/ng-test.md:3: handout_title must not contain 'agent'",
    ),
    "abroad word in the handout title (ne)": (
        "ne",
        lambda t: t.replace("handout_title: Good questions", "handout_title: विदेशमा काम"),
        "ne/ng-test.md:3: handout_title must not contain 'विदेश'",
    ),
    "passport word in the handout title (ur)": (
        "ur",
        lambda t: t.replace("handout_title: Good questions", "handout_title: پاسپورٹ اپنے پاس"),
        "ur/ng-test.md:3: handout_title must not contain 'پاسپورٹ'",
    ),
    "no handout title": (
        "en",
        lambda t: t.replace("handout_title: Good questions\n", ""),
        "en/ng-test.md:1: front matter is missing 'handout_title:'",
    ),
    "variant spelling (ne)": (
        "ne",
        lambda t: t.replace("Do not push anyone to share.", "ढुंगा राख्नुहोस्।"),
        "ne/ng-test.md:31: write 'ढुङ्गा', not 'ढुंगा'",
    ),
    "variant spelling (ur)": (
        "ur",
        lambda t: t.replace("Do not push anyone to share.", "اسکول میں ملیں۔"),
        "ur/ng-test.md:31: write 'سکول', not 'اسکول'",
    ),
    "draft marked as source": (
        "ur",
        lambda t: t.replace("translation: draft", "translation: source"),
        "ur/ng-test.md:10: translation in 'ur' must be draft or reviewed",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_content_fails_check_naming_file_and_line(tmp_path, case):
    lang, breaker, expected = BROKEN[case]
    content = tmp_path / "content"
    write_set(content, **{lang: breaker(valid(lang))})
    result = run_check(content)
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr


def test_slug_missing_in_a_language(tmp_path):
    content = write_set(tmp_path / "content")
    (content / "ur" / "ng-test.md").unlink()
    result = run_check(content)
    assert result.returncode == 1
    assert "content/ur/ng-test.md:1: missing: content/en/ng-test.md has no 'ur' version" in (
        result.stderr
    )


def test_missing_guide_is_shown_in_english_with_a_marker(tmp_path):
    content = write_set(tmp_path / "content")
    (content / "ur" / "ng-test.md").unlink()
    guide, fallback = load_library(content).get("ur", "ng-test")
    assert fallback and guide.lang == "en"


def test_raw_html_in_content_is_not_passed_through(tmp_path):
    content = write_set(
        tmp_path / "content",
        en=valid().replace("You may pass", "<script>alert(1)</script> You may pass"),
    )
    guide, _ = load_library(content).get("en", "ng-test")
    html = guide.steps[0].blocks[0].html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_sentence_length_counts_nepali_and_urdu_full_stops():
    assert average_sentence_words(["यो छोटो वाक्य हो। अर्को पनि।"]) == 3.0
    assert average_sentence_words(["یہ چھوٹا جملہ ہے۔ کیا آپ ٹھیک ہیں؟"]) == 4.0
    assert average_sentence_words(["first item\n\nsecond item here"]) == 2.5


def test_shipped_content_passes_the_check():
    result = run_check(ROOT / "content")
    assert result.returncode == 0, result.stderr


def test_real_offices_may_stay_in_facts_and_notes(tmp_path):
    """Only scenarios are checked: a facts card may name the office in a real district."""
    text = valid("ne").replace(
        "A helpline number. Verify locally.", "धनुषाको आप्रवासी स्रोत केन्द्र। Verify locally."
    )
    text = text.replace("Do not push anyone to share.", "Sindhupalchok office hours vary.")
    result = run_check(write_set(tmp_path / "content", ne=text))
    assert result.returncode == 0, result.stderr


def test_district_check_follows_the_guides_country(tmp_path):
    """Nepali guides are checked against Nepal's list, Urdu against Pakistan's, English both."""
    ne_text = valid("ne").replace("You may pass", "Mardan. You may pass")
    ur_text = valid("ur").replace("You may pass", "Dhanusha. You may pass")
    result = run_check(write_set(tmp_path / "content", ne=ne_text, ur=ur_text))
    assert result.returncode == 0, result.stderr
    en_text = valid("en").replace("You may pass", "Mardan. You may pass")
    result = run_check(write_set(tmp_path / "content", en=en_text))
    assert "en/ng-test.md:20: real district 'Mardan'" in result.stderr


def test_district_list_reads_every_spelling(tmp_path):
    path = tmp_path / "districts.csv"
    path.write_text(DISTRICTS_FIXTURE, encoding="utf-8")
    names = load_districts(path)
    assert {"Sindhupalchok", "सिन्धुपाल्चोक", "Sindhupalchowk", "Dhanusa"} <= set(names["NP"])
    assert {"Okara", "اوکاڑہ", "Okāra", "Mardan"} <= set(names["PK"])
    assert "" not in names["PK"]


def test_place_words_match_whole_words_only():
    assert find_term("Okara", "from Okara, she said", whole_word=True) != -1
    assert find_term("Bara", "a barangay", whole_word=True) == -1
    assert find_term("धनुषा", "धनुषाको गाउँ", whole_word=False) != -1
    assert find_term("مردان", "مردانہ کپڑے", whole_word=True) == -1
    assert find_term("ौं", "गरौं", whole_word=False) != -1


def test_title_rule_needs_its_word_lists(tmp_path):
    """Without the glossary's word list the title rule would pass everything: that is a problem too."""
    content = write_set(tmp_path / "content")
    glossary = content / "GLOSSARY.md"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(text.replace("| ur | ایجنٹ", "| xx | ایجنٹ"), encoding="utf-8")
    result = run_check(content)
    assert result.returncode == 1
    assert (
        "content/GLOSSARY.md:1: no words under '## Words kept off paper that goes home' for ur"
        in (result.stderr)
    )


MATERIALS = """\
groups:
  roles:
    kind: role
    title: {en: Role cards, ne: भूमिका कार्ड, ur: کردار کے کارڈ}
    from: {step: practice}
    cards:
      - {id: woman, pictogram: person}
"""


def test_materials_card_rule(tmp_path):
    """A guide that names cards its materials set does not define fails the check."""
    content = tmp_path / "content"
    named = valid().replace(
        "materials: [Chalk]",
        "materials:\n  - text: Role cards\n    print: [roles, picture-cards]",
    )
    write_set(content, en=named)
    (content / "materials" / "pictograms").mkdir(parents=True)
    shutil.copy(ROOT / "content/materials/pictograms/person.svg", content / "materials/pictograms")
    (content / "materials" / "ng-test.yml").write_text(MATERIALS, encoding="utf-8")
    result = run_check(content)
    assert result.returncode == 1
    assert (
        "content/en/ng-test.md:9: materials names 'picture-cards', which "
        "materials/ng-test.yml does not define" in result.stderr
    ), result.stderr
    # Role cards take their words from the guide: the step must have one role per card.
    assert "group 'roles' has 1 cards, but step 'practice' here gives 0 role paragraphs" in (
        result.stderr
    )
    # A materials line that talks about cards must say which ones print.
    write_set(content, ne=valid("ne").replace("materials: [Chalk]", "materials: [भूमिका कार्ड]"))
    assert "content/ne/ng-test.md:9: materials line" in run_check(content).stderr


def test_shipped_materials_broken_copy_fails(tmp_path):
    """The shipped guides and materials pass; drop one card group and its guide fails, in every
    language, naming the file and the materials line."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "materials" / "ko-papers.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  memory-cards:", "  memory-game:"),
        encoding="utf-8",
    )
    result = run_check(content)
    assert result.returncode == 1
    for lang in ("en", "ne", "ur"):
        assert (
            f"content/{lang}/ko-papers.md:12: materials names 'memory-cards', which "
            "materials/ko-papers.yml does not define" in result.stderr
        ), result.stderr
