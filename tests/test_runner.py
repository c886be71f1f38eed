"""Facilitator mode page: every step in one cacheable page, in every language."""

from __future__ import annotations

import json
import re

import pytest
from flask_babel import force_locale

from toolkit.languages import LANGUAGES
from toolkit.library import library
from toolkit.runner import SCRIPT_STRINGS

COMPLETE_GUIDES = ["lw-our-work", "ko-recruitment", "ng-agent"]
SECTION = re.compile(r'<section class="run-step" id="([a-z0-9-]+)"[^>]*>')


def strings_in(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="runner-strings">(.*?)</script>', html)
    assert match, "the runner's strings are missing from the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize("slug", COMPLETE_GUIDES)
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_runner_holds_every_step_of_the_guide(app, client, lang, slug):
    response = client.get(f"/{lang}/guides/{slug}/run")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context():
        guide, fallback = library().get(lang, slug)
        version = library().version
    assert not fallback
    assert SECTION.findall(html) == [step.id for step in guide.steps]
    for step in guide.steps:
        assert f'<span class="run-step-title">{step.title}</span>' in html
        assert f'data-minutes="{step.minutes}"' in html
    assert f'data-content-version="{version}"' in html
    assert f'data-guide="{slug}"' in html
    assert f'<html lang="{lang}" dir="{LANGUAGES[lang].direction}">' in html


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_runner_page_is_the_same_bytes_every_time(client, lang):
    first = client.get(f"/{lang}/guides/lw-our-work/run")
    second = client.get(f"/{lang}/guides/lw-our-work/run")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    body = first.get_data(as_text=True).lower()
    assert "csrf" not in body and "nonce" not in body
    assert "set-cookie" not in {name.lower() for name in first.headers.keys()}


def test_without_javascript_the_steps_read_as_a_list(client):
    """Only the controls wait for JavaScript; every step and its notes are in the page, not hidden."""
    html = client.get("/en/guides/lw-our-work/run").get_data(as_text=True)
    for tag in SECTION.finditer(html):
        assert " hidden" not in tag.group(0)
    for name in ("run-start", "run-bar", "run-nav", "run-summary", "run-conflict"):
        assert re.search(rf'class="[^"]*\b{name}\b[^"]*"[^>]* hidden', html), (
            f"{name} shows without JS"
        )
    # Facilitator notes sit behind a tap.
    assert '<details class="block block-note">' in html
    assert 'class="block block-note"' not in html.replace('<details class="block block-note">', "")


@pytest.mark.parametrize(
    "path",
    [
        "/en/guides/no-such-guide/run",
        "/xx/guides/lw-our-work/run",
        "/en/guides/LW-OUR-WORK/run",
        "/en/guides/lw-our-work/run/extra",
    ],
)
def test_unknown_guide_or_language_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_runner_strings_are_in_the_page_language(app, client, lang):
    shown = strings_in(client.get(f"/{lang}/guides/ng-agent/run").get_data(as_text=True))
    english = strings_in(client.get("/en/guides/ng-agent/run").get_data(as_text=True))
    assert shown.keys() == english.keys() == SCRIPT_STRINGS.keys()
    with app.test_request_context(), force_locale(lang):
        for key, text in SCRIPT_STRINGS.items():
            assert shown[key] == str(text) != english[key], f"{key!r} is not translated into {lang}"
    assert "%(n)s" in shown["step_of"] and "%(total)s" in shown["step_of"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_guide_page_offers_to_run_the_session(client, lang):
    html = client.get(f"/{lang}/guides/ko-recruitment").get_data(as_text=True)
    run_link = re.search(r'<a class="button" data-runner-start href="([^"]+)">([^<]+)</a>', html)
    assert run_link and run_link.group(1) == f"/{lang}/guides/ko-recruitment/run"
    # "Resume session" is in the page for JavaScript to show when this guide is in progress.
    assert re.search(r'data-runner-resume="ko-recruitment" href="[^"]+/run" hidden>', html)
    assert "/static/js/runner.js" in html
