"""The vocabulary table: every code a log stores has one label, in every language, from one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from toolkit.languages import LANGUAGES, SOURCE_LANGUAGE
from toolkit.vocabulary import DISTRICT_ROWS, TERMS, label, labels

TOOLKIT = Path(__file__).resolve().parent.parent / "toolkit"


def test_every_province_of_the_district_list_has_a_label_in_its_country():
    provinces = {(row.country, row.province) for row in DISTRICT_ROWS}
    named = {(term.country, term.code) for term in TERMS if term.kind == "province"}
    assert provinces <= named, f"provinces without a label: {sorted(provinces - named)}"


def test_every_country_of_the_district_list_has_a_name():
    countries = {row.country for row in DISTRICT_ROWS}
    assert countries <= {term.code for term in TERMS if term.kind == "country"}


def test_codes_are_unique_within_each_vocabulary():
    keys = [(term.kind, term.code) for term in TERMS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE])
def test_every_label_is_translated(app, lang):
    """A label missing from a catalog would show in English on a Nepali or Urdu page."""
    with app.test_request_context(f"/{lang}/log"), force_locale(lang):
        untranslated = [
            (term.kind, term.code) for term in TERMS if label(term.kind, term.code) == term.label
        ]
    assert not untranslated


def test_districts_read_in_the_pages_script(app):
    with app.test_request_context("/ne/log"):
        names = labels("district")
    assert names["Kathmandu"] != "Kathmandu" and len(names) == len(DISTRICT_ROWS)
    assert label("district", "Nowhere-added-by-config") is None


def test_no_module_reaches_into_the_logbook_views():
    """Labels and vocabularies come from toolkit/vocabulary.py; only the app factory loads the views."""
    importers = []
    for path in TOOLKIT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
                if any(name.split(".")[-1] == "logbook" for name in names):
                    importers.append(str(path.relative_to(TOOLKIT)))
    assert importers == ["__init__.py"]
