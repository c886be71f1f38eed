"""Every route that takes a language or an id names it with a converter, so no view checks it by hand.

The cases come from the app's own url_map: a route added later with a bare `<lang>` or `<thing_id>`
fails here, and an unknown language or a malformed id is a 404 before any view (or login) runs.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import NotFound

from toolkit import create_app
from toolkit.db import init_db

GOOD = {"lang": "en", "id": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", "default": "x"}
# A language outside the table that the segment's shape allows, and ids that are not lowercase UUIDs.
BAD = {
    "lang": ["xx", "nep"],
    "id": [
        "not-an-id",
        "1B9D6BCD-BBFD-4B2D-9B5D-AB8DFBBD4BED",
        "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4be",
    ],
}
LANGUAGE_NAMES = {"lang", "language"}


def kind_of(name: str) -> str | None:
    """What a URL variable holds, judged by its name: a language, an id, or something else."""
    if name in LANGUAGE_NAMES:
        return "lang"
    if name == "id" or name.endswith("_id"):
        return "id"
    return None


def _rules():
    """(rule text, method, variable name, kind) for every variable naming a language or an id."""
    app = create_app({"TESTING": True, "DATABASE": ":memory:", "SECRET_KEY": "test"})
    cases = []
    for rule in app.url_map.iter_rules():
        method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
        for name in sorted(rule.arguments):
            if kind_of(name):
                cases.append((rule.rule, method, name, kind_of(name)))
    return cases


CASES = _rules()


def url_for_rule(rule: str, values: dict[str, str]) -> str:
    """The rule with each `<converter:name>` or `<name>` replaced by values[name]."""
    url = rule
    for name, value in values.items():
        for part in (f"<{name}>", *(f"<{c}:{name}>" for c in ("lang", "id", "string"))):
            url = url.replace(part, value)
    return url


def good_values(rule: str) -> dict[str, str]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    return {name: GOOD[kind_of(name) or "default"] for name in names}


def test_the_cases_cover_the_routes_of_languages_and_ids():
    """The parametrization below found the routes it is about (not an empty list by accident)."""
    rules = {rule for rule, *_ in CASES}
    assert "/<lang:lang>/log/<id:log_id>" in rules
    assert any(rule.startswith("/coordinator/audio/") for rule in rules)
    assert any(rule.startswith("/coordinator/devices/") for rule in rules)


@pytest.mark.parametrize(("rule", "method", "name", "kind"), CASES)
def test_route_names_its_language_or_id_with_a_converter(rule, method, name, kind):
    assert f"<{kind}:{name}>" in rule, f"{rule}: write <{kind}:{name}>, not a bare <{name}>"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    database = str(tmp_path_factory.mktemp("routes") / "toolkit.sqlite")
    init_db(database)
    app = create_app(
        {"TESTING": True, "DATABASE": database, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
    )
    return app, app.test_client()


@pytest.mark.parametrize(("rule", "method", "name", "kind"), CASES)
def test_unknown_language_or_malformed_id_is_404(client, rule, method, name, kind):
    app, test_client = client
    values = good_values(rule)
    adapter = app.url_map.bind("localhost")
    adapter.match(url_for_rule(rule, values), method=method)  # the good values route
    for bad in BAD[kind]:
        url = url_for_rule(rule, {**values, name: bad})
        with pytest.raises(NotFound):
            adapter.match(url, method=method)
        assert test_client.open(url, method=method).status_code == 404, url
