"""Catalogs, digits and dates."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from toolkit.i18n import bikram_sambat, show_date
from toolkit.languages import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    TABLE_FILE,
    TableError,
    ascii_digits,
    load_table,
    native_digits,
)

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = ROOT / ".venv" / "bin" / "pybabel"
TRANSLATED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]  # each has a catalog


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory) -> Path:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [str(PYBABEL), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    return pot


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_ui_string_is_translated(fresh_pot, lang):
    with fresh_pot.open("rb") as handle:
        template = read_po(handle)
    po_path = ROOT / "toolkit" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        if isinstance(strings, tuple):
            strings = all(strings)
        if not translated or not strings or translated.fuzzy:
            missing.append(message.id)
    assert not missing, f"untranslated in {lang}: {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogs_compile_without_errors(lang):
    po_path = ROOT / "toolkit" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    assert [errors for _, errors in catalog.check() if errors] == []
    # A fuzzy header is dropped from the .mo, and plural forms with it.
    assert not catalog.fuzzy and catalog.plural_forms.startswith("nplurals=2")


def test_native_digits_round_trip():
    assert native_digits(2083, "ne") == "२०८३"
    assert native_digits("75 min", "ur") == "۷۵ min"
    assert native_digits(75, "en") == "75"
    assert ascii_digits("२०८३ / ۷۵ / ٣") == "2083 / 75 / 3"


def test_nepali_dates_show_bikram_sambat_beside_gregorian(app):
    with app.test_request_context("/ne/"):
        app.preprocess_request()
        assert bikram_sambat(dt.date(2026, 11, 23)) == "७ मंसिर २०८३ वि.सं."
        shown = show_date(dt.date(2026, 11, 23), "ne")
        assert shown.startswith("७ मंसिर २०८३ वि.सं. (") and "२०२६" in shown
    with app.test_request_context("/en/"):
        assert show_date("2026-11-23", "en") == "Nov 23, 2026"


def test_a_programmes_rows_add_to_the_table_and_a_wrong_row_is_named(tmp_path):
    extra = tmp_path / "languages.toml"
    row = (Path(__file__).parent / "fixtures" / "fourth_language" / "languages.toml").read_text()
    extra.write_text(row, "utf-8")
    languages, source = load_table(TABLE_FILE, extra)
    assert list(languages) == [*LANGUAGES, "bn"] and source == SOURCE_LANGUAGE
    assert languages["bn"].font.family == "Noto Sans Bengali"
    extra.write_text(row.replace('calendar = "gregorian"\n', ""), "utf-8")
    with pytest.raises(TableError, match=r"languages.toml: \[languages.bn\] needs calendar"):
        load_table(TABLE_FILE, extra)
    extra.write_text(row.replace("[languages.bn]", "[languages.ne]"), "utf-8")
    with pytest.raises(TableError, match=r"\[languages.ne\] is already in"):
        load_table(TABLE_FILE, extra)
