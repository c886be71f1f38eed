"""A fourth language is a content change: Bengali from fixture files only, no code edited.

The fixture (tests/fixtures/fourth_language/) is what a programme writes: a language-table row and a
font row (languages.toml, named by TOOLKIT_LANGUAGES_FILE), two guides in the new language (copies of
English ones with a Bengali title, summary and greeting, `translation: draft`) and a catalog of a few
strings. The test adds what every language needs beside them in a temporary content folder (the
project's versions of the two guides, a glossary row, card captions), then runs, in processes of
their own so that this process's LANGUAGES stay the project's three: `build.py --check` on that
folder, and fixtures/fourth_language/programme.py, which builds the catalog, the fonts and the
offline pack into the folder, starts the app on them and reports what a phone gets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from toolkit.build.fonts import cmap
from toolkit.languages import EXTRA_TABLE_ENV, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "fourth_language"
LANG = "bn"
SLUGS = ("lw-our-work", "lw-money")
BENGALI = re.compile("[\u0980-\u09ff]")


def with_captions(value, lang: str):
    """Materials data with `lang` words beside every {en, ne, ur} mapping (the English words)."""
    if isinstance(value, dict):
        value = {key: with_captions(item, lang) for key, item in value.items()}
        if {"en", "ne", "ur"} <= set(value):
            value[lang] = value["en"]
        return value
    if isinstance(value, list):
        return [with_captions(item, lang) for item in value]
    return value


def content_folder(target: Path) -> Path:
    """The project's two guides in its three languages, the fixture's in Bengali, and the rest every
    language needs: a glossary row and card captions (topic cards name only these two guides)."""
    for lang in ("en", "ne", "ur"):
        (target / lang).mkdir(parents=True)
        for slug in SLUGS:
            shutil.copy(ROOT / "content" / lang / f"{slug}.md", target / lang)
    shutil.copytree(FIXTURE / "content" / LANG, target / LANG)
    glossary = (ROOT / "content" / "GLOSSARY.md").read_text("utf-8")
    row = "| bn | এজেন্ট, বিদেশ, ভিসা, পাসপোর্ট, নিয়োগকর্তা, অভিবাসন |\n"
    glossary = re.sub(r"(\| ur \| ایجنٹ[^\n]*\n)", lambda match: match.group(1) + row, glossary)
    (target / "GLOSSARY.md").write_text(glossary, "utf-8")
    materials = target / "materials"
    shutil.copytree(ROOT / "content" / "materials" / "pictograms", materials / "pictograms")
    for name in ("_shared", *SLUGS):
        data = yaml.safe_load((ROOT / "content" / "materials" / f"{name}.yml").read_text("utf-8"))
        for group in data.get("groups", {}).values():
            if group.get("kind") == "topics":
                group["topics"] = [slug for slug in SLUGS if slug != name]
        text = yaml.safe_dump(with_captions(data, LANG), allow_unicode=True, sort_keys=False)
        (materials / f"{name}.yml").write_text(text, "utf-8")
    return target


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    work = tmp_path_factory.mktemp("fourth-language")
    content_folder(work / "content")
    catalog = work / "translations" / LANG / "LC_MESSAGES"
    catalog.mkdir(parents=True)
    shutil.copy(FIXTURE / "messages.po", catalog / "messages.po")
    env = {**os.environ, EXTRA_TABLE_ENV: str(FIXTURE / "languages.toml")}
    check = subprocess.run(
        [sys.executable, "build.py", "--check", "--content", str(work / "content")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    run = subprocess.run(
        [sys.executable, str(FIXTURE / "programme.py"), str(work)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return SimpleNamespace(check=check, work=work, **json.loads(run.stdout))


def test_this_process_keeps_the_projects_languages():
    assert LANG not in LANGUAGES  # the fourth language lives only in the programme's processes


def test_the_content_check_takes_the_new_language(programme):
    assert programme.check.returncode == 0, programme.check.stderr
    assert "in bn, en, ne, ur" in programme.check.stdout
    assert "0 problem(s)" in programme.check.stdout


@pytest.mark.parametrize(
    "page",
    ["/bn/", "/bn/guides/lw-our-work", "/bn/guides/lw-our-work/run", "/bn/log", "/bn/offline"],
)
def test_every_page_is_served_in_the_new_language(programme, page):
    answer = programme.pages[page]
    assert answer["status"] == 200
    html = answer["text"]
    assert '<html lang="bn" dir="ltr">' in html
    assert "সেশনের খাতা" in html  # "Session logbook", from the new catalog
    assert "noto-sans-bengali.woff2" in html  # its font is preloaded, beside Noto Sans
    assert "/static/css/fonts.css" in html


def test_a_guide_in_the_new_language_shows_its_text_digits_and_draft_notice(programme):
    guide = programme.pages["/bn/guides/lw-our-work"]["text"]
    assert "আমাদের কাজ, আমাদের জীবন" in guide and "স্বাগতম, আসার জন্য ধন্যবাদ।" in guide
    assert "৭৫" in guide  # 75 minutes, in Bengali digits
    assert '<p class="marker marker-draft" role="note">' in guide  # `translation: draft`
    index = programme.pages["/bn/"]["text"]
    assert "টাকা, ঋণ আর পরিকল্পনা" in index
    # Other languages offer it in the switcher, by its own name.
    assert 'hreflang="bn">বাংলা</a>' in programme.pages["/en/guides/lw-our-work"]["text"]


def test_the_web_manifest_and_service_worker_know_the_new_language(programme):
    manifest = json.loads(programme.pages["/manifest.webmanifest?lang=bn"]["text"])
    assert manifest["lang"] == "bn" and manifest["start_url"] == "/bn/"
    assert programme.pages["/sw.js"]["status"] == 200


def test_the_new_font_is_subset_and_declared_from_what_it_holds(programme):
    assert "noto-sans-bengali.woff2" in programme.fonts
    font = programme.work / "static" / "fonts" / "noto-sans-bengali.woff2"
    held = cmap(font)
    css = (programme.work / "static" / "css" / "fonts.css").read_text("utf-8")
    face = re.search(r'"Toolkit Noto Sans Bengali"[^}]*unicode-range: ([^;]+);', css)
    assert face, css
    for item in face.group(1).split(", "):
        start, _, end = item.removeprefix("U+").partition("-")
        assert set(range(int(start, 16), int(end or start, 16) + 1)) <= held, item
    assert (
        '[lang="bn"] { font-family: "Toolkit Noto Sans Bengali", "Toolkit Noto Sans", sans-serif; }'
        in css
    )
    assert 'html[lang="bn"] ol { list-style-type: bengali; }' in css
    shown = {char for page in programme.pages.values() for char in BENGALI.findall(page["text"])}
    assert shown and {ord(char) for char in shown} <= held
    # The project's own subsets are the ones build.py made: nothing in static/ changed.
    assert not (ROOT / "static" / "fonts" / "noto-sans-bengali.woff2").exists()
    assert "Bengali" not in (ROOT / "static" / "css" / "fonts.css").read_text("utf-8")


def test_the_handout_pdf_embeds_the_new_font_and_no_other(programme):
    assert programme.handout == {"status": 200, "mimetype": "application/pdf"}
    assert programme.weasyprint_warnings == []
    fonts = subprocess.run(
        ["pdffonts", str(programme.work / "handout.pdf")], capture_output=True, text=True
    ).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert any(name.endswith("+Toolkit-Noto-Sans-Bengali") for name in names), fonts
    assert all("+Toolkit-" in name for name in names), fonts  # never a system font
    # Bengali's pre-base vowel signs (ে in "আমাদের") read back in order: each line carries its text.
    text = subprocess.run(
        ["pdftotext", str(programme.work / "handout.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "আমাদের কাজ, আমাদের জীবন" in text, text[:300]


def test_the_offline_pack_holds_the_new_languages_pages_and_font_only_there(programme):
    urls = [url.split("?")[0] for url in programme.precache[LANG]]
    for page in ("/bn/", "/bn/guides/lw-our-work", "/bn/guides/lw-money/run", "/bn/log"):
        assert page in urls
    assert "/static/css/fonts.css" in urls
    fonts = {Path(url).name for url in urls if url.startswith("/static/fonts/")}
    assert fonts == {"noto-sans-bengali.woff2", "noto-sans.woff2"}
    nepali = [url.split("?")[0] for url in programme.precache["ne"]]
    assert "/bn/offline" in nepali  # a Bengali link opened offline says so in Bengali
    assert "/static/fonts/noto-sans-bengali.woff2" not in nepali


def test_a_log_in_the_new_language_syncs_and_an_unknown_one_is_named(programme):
    assert programme.sync["status"] == 200
    created, unknown = programme.sync["answer"]["results"]
    assert created["status"] == "created", created
    assert unknown["status"] == "invalid"
    assert "bn, en, ne, ur" in json.dumps(unknown["errors"]), unknown
