"""Printable session materials: every guide's materials.pdf in every language, the links to it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from toolkit import pdf, printing
from toolkit.content import load_library
from toolkit.languages import LANGUAGES
from toolkit.materials import (
    check_materials,
    groups_for,
    guide_words,
    load_sets,
    materials_html,
    page_count,
    pictogram,
)

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
LIBRARY = load_library(CONTENT)
SETS, _ = load_sets(CONTENT)
CASES = [(lang, slug) for lang in LANGUAGES for slug in LIBRARY.slugs()]


@pytest.fixture(scope="module")
def app(make_app):
    return make_app()  # one PDF cache for the module: each PDF renders once


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "m.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


def pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "m.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def expected_words(guide, lang):
    """Every caption, role name and card text the PDF must show, in `lang`."""
    words = []
    for group in groups_for(guide, SETS):
        words.append(group.title[lang])
        if group.kind == "topics":  # the titles of the guides offered for the next session
            words += [LIBRARY.get(lang, card.id)[0].title for card in group.cards]
        elif group.source_step:
            for title, text in guide_words(guide, group):
                words += [title, text]
        else:
            words += [card.caption[lang] for card in group.cards]
    return [w for w in words if w]


def plain(text: str) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def test_every_guide_prints_materials_and_names_them_in_front_matter():
    for (lang, slug), guide in LIBRARY.guides.items():
        assert groups_for(guide, SETS), f"{lang}/{slug} prints no materials"
    # No pictogram is missing and each is stroke-only on the 48-unit grid.
    for path in (CONTENT / "materials" / "pictograms").glob("*.svg"):
        svg = path.read_text()
        assert 'viewBox="0 0 48 48"' in svg and 'fill="none"' in svg, path.name
        assert "<image" not in svg and "<text" not in svg, path.name
        assert pictogram(CONTENT, path.stem) is not None


@pytest.mark.parametrize(("lang", "slug"), CASES)
def test_materials_pdf_has_every_card_in_the_language(app, client_factory, tmp_path, lang, slug):
    client = client_factory(app)
    with client.get(f"/{lang}/guides/{slug}/materials.pdf") as response:  # close the file
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        data = response.get_data()
        disposition = response.headers["Content-Disposition"]
    guide, _ = LIBRARY.get(lang, slug)
    # A neutral file name: the session number, not the topic.
    assert f"session-{guide.order:02d}-materials-{lang}.pdf" in disposition
    assert pages(data, tmp_path) == page_count(guide, SETS)
    if lang == "ur":
        # pdftotext breaks Nastaliq: check the fonts and the HTML that went to WeasyPrint.
        path = tmp_path / "m.pdf"
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        names = [line.split()[0] for line in fonts.splitlines()[2:]]
        assert any(name.endswith("+Toolkit-Noto-Nastaliq-Urdu") for name in names), fonts
        # Only the toolkit's own fonts: a system font (Noto Kufi) never stands in for a glyph.
        assert all("+Toolkit-" in name for name in names), fonts
        with app.app_context():
            page = plain(pdf.in_language(lang, materials_html, guide, lang, content_dir=CONTENT))
        for words in expected_words(guide, lang):
            assert plain(words) in page
    else:
        text = " ".join(pdf_text(data, tmp_path).split())
        for words in expected_words(guide, lang):
            # Long card texts wrap; compare their first words.
            assert " ".join(plain(words).split()[:3]) in text, (lang, slug, words)


@pytest.fixture(scope="module")
def client_factory():
    return lambda app: app.test_client()


def test_guide_page_links_materials(app):
    client = app.test_client()
    for lang in LANGUAGES:
        html = client.get(f"/{lang}/guides/ko-papers").get_data(as_text=True)
        assert f'href="/{lang}/guides/ko-papers/materials.pdf"' in html
        assert "data-keep-download=" in html


def test_booklet_names_each_guides_materials(app):
    """With the server's address the booklet prints each guide's materials link; without it, a bare
    path would be no use on paper, so it names the guide page's button instead."""
    for base_url in ("https://toolkit.example.org", None):
        app.config["BASE_URL"] = base_url
        with app.app_context(), force_locale("ne"):
            html = pdf.in_language(
                "ne", pdf.booklet_html, printing.booklet_guides("ne", None), "ne"
            )
            button = gettext("Print cards and boards")
        for slug in LIBRARY.slugs():
            assert (f"https://toolkit.example.org/ne/guides/{slug}/materials.pdf" in html) == bool(
                base_url
            )
        if base_url is None:
            assert "/materials.pdf" not in html
            assert html.count(f"«{button}»") == len(LIBRARY.slugs())


def test_unknown_guide_has_no_materials(app):
    assert app.test_client().get("/en/guides/no-such-guide/materials.pdf").status_code == 404


def test_handout_shows_the_guides_pictograms_in_its_picture_box(app):
    with app.app_context():
        guide, _ = LIBRARY.get("ur", "ng-employer")
        html = pdf.handout_page_html(guide, "ur", "a4", False)
    box = html.split('class="picture pictograms"', 1)[1].split("</div>", 1)[0]
    assert box.count("<svg") == len(SETS["ng-employer"].handout) == 4
    assert pictogram(CONTENT, "tea-cup") in box


def test_topic_cards_must_name_guides(tmp_path):
    shutil.copytree(CONTENT / "materials", tmp_path / "materials")
    path = tmp_path / "materials" / "ng-agent.yml"
    path.write_text(path.read_text().replace("topics: [ng-employer,", "topics: [ng-boss,"))
    problems = [str(p) for p in check_materials(tmp_path, LIBRARY.guides)]
    assert problems == [
        f"{tmp_path.name}/materials/ng-agent.yml:1: group 'topic-cards': topic 'ng-boss' is not "
        "a guide; use the slug of a guide in content/<lang>/"
    ]
