"""Fixed vocabularies of the session log: themes, venue types, referral types, countries, provinces,
districts, each code with its label in one table (`TERMS`; districts in toolkit/data/districts.csv).

Codes are never translated (they are stored and synced); labels are translated for display by
`label()`. Deployments may extend the lists through config keys of the same name (`vocabulary_from`).
No Flask import at module level: the sync validator, the log form and the coordinator share these.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


def N_(message: str) -> str:
    """Mark a label for extraction (Babel's `N_` keyword); `label()` translates it when shown."""
    return message


@dataclass(frozen=True)
class Term:
    """One code of a fixed vocabulary: what a log stores and syncs, and what a person reads for it."""

    kind: str  # "theme" | "venue" | "referral" | "province" | "country"
    code: str  # ASCII for themes, venues and referrals; never translated
    label: str  # the English label, a catalog msgid: translated when shown
    country: str | None = None  # the country it belongs to (provinces); None: every country
    # No longer offered by the log form, still valid: old logs and phones not yet updated sync.
    retired: bool = False


# The one table of labels. DESIGN.md "Data model": themes women raise, recorded with no names; a
# venue is a general place type, never an address; referrals are counted by type only (who was
# referred is never recorded). Retired: a log holds nothing about violence or anyone's migration
# history (DESIGN.md and CONTENT-BRIEF.md "never record"), and in a small village group
# "violence: 1" points to one woman.
TERMS: tuple[Term, ...] = (
    Term("theme", "wages", N_("Wages")),
    Term("theme", "fees-and-debt", N_("Recruitment fees and debt")),
    Term("theme", "contract", N_("Contracts")),
    Term("theme", "documents-passport", N_("Documents and passport")),
    Term("theme", "rest-day", N_("Rest day")),
    Term("theme", "working-conditions", N_("Working conditions")),
    Term("theme", "family-decision", N_("Family decisions")),
    Term("theme", "stigma", N_("Stigma")),
    Term("theme", "local-work", N_("Work at home or nearby")),
    Term("theme", "services-access", N_("Getting services")),
    Term("theme", "health-wellbeing", N_("Health and wellbeing")),
    Term("theme", "organising", N_("Organising together")),
    Term("theme", "complaint-routes", N_("Where to complain")),
    Term("theme", "violence-referral", N_("Violence and referral (old logs only)"), retired=True),
    Term("venue", "community-hall", N_("Community hall")),
    Term("venue", "home", N_("Someone's home")),
    Term("venue", "school", N_("School")),
    Term("venue", "health-post", N_("Health post")),
    Term("venue", "outdoors", N_("Outdoors")),
    Term("venue", "office", N_("Office")),
    Term("venue", "other", N_("Other place")),
    Term("referral", "migrant-resource-centre", N_("Migrant resource centre")),
    Term("referral", "legal-aid", N_("Legal aid")),
    Term("referral", "health", N_("Health services")),
    Term(
        "referral", "violence-support", N_("Support after violence (old logs only)"), retired=True
    ),
    Term("referral", "skills-or-work", N_("Skills training or work")),
    Term("referral", "savings-or-credit", N_("Savings or credit group")),
    Term("referral", "government-office", N_("Government office")),
    Term("referral", "other", N_("Other referral")),
    Term("country", "NP", N_("Nepal")),
    Term("country", "PK", N_("Pakistan")),
    # Provinces are named by districts.csv's `province` column.
    Term("province", "Koshi", N_("Koshi Province"), country="NP"),
    Term("province", "Madhesh", N_("Madhesh Province"), country="NP"),
    Term("province", "Bagmati", N_("Bagmati Province"), country="NP"),
    Term("province", "Gandaki", N_("Gandaki Province"), country="NP"),
    Term("province", "Lumbini", N_("Lumbini Province"), country="NP"),
    Term("province", "Karnali", N_("Karnali Province"), country="NP"),
    Term("province", "Sudurpashchim", N_("Sudurpashchim Province"), country="NP"),
    Term("province", "Punjab", N_("Punjab"), country="PK"),
    Term("province", "Sindh", N_("Sindh"), country="PK"),
    Term("province", "Khyber Pakhtunkhwa", N_("Khyber Pakhtunkhwa"), country="PK"),
    Term("province", "Balochistan", N_("Balochistan"), country="PK"),
    Term(
        "province", "Islamabad Capital Territory", N_("Islamabad Capital Territory"), country="PK"
    ),
    Term("province", "Azad Jammu and Kashmir", N_("Azad Jammu and Kashmir"), country="PK"),
    Term("province", "Gilgit-Baltistan", N_("Gilgit-Baltistan"), country="PK"),
)
_TERM = {(term.kind, term.code): term for term in TERMS}


def codes(kind: str) -> tuple[str, ...]:
    """The built-in codes of one vocabulary, in the order the log form offers them."""
    return tuple(term.code for term in TERMS if term.kind == kind)


THEMES = codes("theme")
VENUE_TYPES = codes("venue")
REFERRAL_TYPES = codes("referral")
RETIRED_CODES = frozenset(term.code for term in TERMS if term.retired)
COUNTRIES = {term.code: term.label for term in TERMS if term.kind == "country"}

# Every district of Nepal and Pakistan, with labels in en/ne/ur (toolkit/data/districts.csv; its source
# and date are in districts.md). A district's code is what a log stores: the codes used before the full
# lists shipped are kept exactly, so every stored log stays valid. Config DISTRICTS may add codes and
# DISTRICTS_OFFERED may narrow what the log form offers (the sync validator still accepts them all).
DISTRICTS_CSV = Path(__file__).parent / "data" / "districts.csv"


@dataclass(frozen=True)
class District:
    """One row of districts.csv."""

    country: str
    province: str
    code: str
    labels: dict[str, str]  # language -> name in that language's script
    aliases: tuple[str, ...]


def _read_districts(path: Path = DISTRICTS_CSV) -> tuple[District, ...]:
    with path.open(encoding="utf-8", newline="") as file:
        return tuple(
            District(
                country=row["country"],
                province=row["province"],
                code=row["code"],
                labels={"en": row["en"], "ne": row["ne"], "ur": row["ur"]},
                aliases=tuple(alias for alias in row["aliases"].split("|") if alias),
            )
            for row in csv.DictReader(file)
        )


DISTRICT_ROWS = _read_districts()
DISTRICT_BY_CODE = {row.code: row for row in DISTRICT_ROWS}
DISTRICTS = {
    country: tuple(row.code for row in DISTRICT_ROWS if row.country == country)
    for country in dict.fromkeys(row.country for row in DISTRICT_ROWS)
}


def district_label(code: str, lang: str) -> str:
    """A district's name in the language's script; a code a deployment added shows as itself."""
    row = DISTRICT_BY_CODE.get(code)
    return row.labels.get(lang) or row.labels["en"] if row else code


def vocabulary_from(config: dict, name: str, default):
    """The deployment's list if configured (e.g. THEMES in instance/config.py), else the default."""
    return config.get(name) or default


def extended(config: dict, name: str, built_in: tuple[str, ...]) -> list[str]:
    """The built-in codes, then any a deployment added in config (as the sync validator accepts)."""
    extra = vocabulary_from(config, name, ())
    return [*built_in, *(code for code in extra if code not in built_in)]


def label(kind: str, code: str) -> str | None:
    """What a person reads for a stored code, in the language of this request; None if unknown.

    Districts read in their language's script from districts.csv (not the catalogs, so the data
    file is the one place to correct a name); the rest through the catalogs. Needs a request:
    Flask-Babel and i18n are imported in this function only, so the sync validator, which imports
    this module for the codes, stays free of Flask.
    """
    if kind == "district":
        from .i18n import current_lang

        return district_label(code, current_lang()) if code in DISTRICT_BY_CODE else None
    term = _TERM.get((kind, code))
    if term is None:
        return None
    from flask_babel import gettext

    return gettext(term.label)


def labels(kind: str) -> dict[str, str]:
    """Every built-in code of one vocabulary (or every district) with its label, as `label` gives."""
    found = DISTRICT_BY_CODE if kind == "district" else codes(kind)
    return {code: label(kind, code) for code in found}
