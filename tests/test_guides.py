"""Reading guides: redirects, lists, guide pages, language switcher, markers, 404s."""

from __future__ import annotations

import re

import pytest

from toolkit.content.model import BLOCK_KINDS
from toolkit.languages import LANGUAGES

STARTERS = ("lw-our-work", "ko-recruitment", "ng-agent")


def test_root_redirects_by_accept_language_and_is_never_cached(client):
    response = client.get("/", headers={"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ur/"
    assert "no-store" in response.headers["Cache-Control"]


def test_root_prefers_the_remembered_language(client):
    client.get("/ne/")  # visiting a language remembers it
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.headers["Location"] == "/ne/"


def test_root_falls_back_to_english(client):
    assert client.get("/", headers={"Accept-Language": "fr"}).headers["Location"] == "/en/"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_index_lists_guides_grouped_by_module(client, app, lang):
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{LANGUAGES[lang].direction}">' in html
    library = app.extensions["toolkit.library"]
    for guide, _ in library.for_language(lang):
        assert f'href="/{lang}/guides/{guide.slug}"' in html
    modules = re.findall(r'<h2 id="module-([a-z]+)"', html)
    assert modules == [m for m in ("livelihood", "options", "negotiation") if m in modules]
    assert len(modules) >= 3


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("slug", STARTERS)
def test_guide_page_shows_every_step_and_block_kind(client, app, lang, slug):
    response = client.get(f"/{lang}/guides/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    guide, fallback = app.extensions["toolkit.library"].get(lang, slug)
    assert not fallback, f"{slug} must exist in {lang}"
    assert f"<h1>{guide.title}</h1>" in html.replace("&#39;", "'")
    for step in guide.steps:
        assert f'<section class="step" id="{step.id}"' in html
    for kind in BLOCK_KINDS:
        assert f'class="block block-{kind}"' in html, f"{kind} block missing from {slug}"
    # Digits in the language's script: the guide length uses native digits.
    assert f"{''.join(LANGUAGES[lang].digits[int(d)] for d in str(guide.minutes))}" in html


def test_urdu_page_is_right_to_left(client):
    html = client.get("/ur/guides/ng-agent").get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html
    assert "گروپ سے پوچھیں" in html  # "Ask the group" label, translated


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_draft_translation_is_marked(client, lang):
    html = client.get(f"/{lang}/guides/ng-agent").get_data(as_text=True)
    assert "marker-draft" in html


def test_english_stands_in_for_a_missing_translation_with_a_marker(app, make_app, tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], content)
    (content / "ur" / "ng-agent.md").unlink()
    client = make_app(DATABASE=app.config["DATABASE"], CONTENT_DIR=str(content)).test_client()
    html = client.get("/ur/guides/ng-agent").get_data(as_text=True)
    assert "marker-fallback" in html
    assert '<article class="guide" lang="en" dir="ltr">' in html
    assert '<html lang="ur" dir="rtl">' in html  # the interface stays in Urdu


def test_language_switcher_stays_on_the_same_guide(client):
    html = client.get("/en/guides/ko-recruitment").get_data(as_text=True)
    assert 'href="/ne/guides/ko-recruitment"' in html
    assert 'href="/ur/guides/ko-recruitment"' in html


def test_guide_page_renders_identical_bytes(client):
    first = client.get("/ne/guides/ng-agent").data
    assert first == client.get("/ne/guides/ng-agent").data


@pytest.mark.parametrize(
    "url",
    [
        "/xx/",
        "/en/guides/no-such-guide",
        "/en/guides/..%2F..%2Fetc%2Fpasswd",
        "/en/guides/%2e%2e",
        "/en/guides/NG-AGENT",
        "/en/guides/ng_agent",
        "/ne/guides/ng-agent%00",
    ],
)
def test_unknown_or_odd_urls_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404


def test_404_page_is_in_the_best_language(client):
    html = client.get("/ne/guides/nothing-here").get_data(as_text=True)
    assert '<html lang="ne"' in html and "पृष्ठ भेटिएन" in html
    html = client.get("/xx/", headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert '<html lang="ur" dir="rtl"' in html and "صفحہ نہیں ملا" in html
