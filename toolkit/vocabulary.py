"""Fixed vocabularies of the session log: themes, venue types, referral types, districts.

Codes are ASCII and never translated (they are stored and synced); labels are translated for display.
Deployments may extend the lists through config keys of the same name (see `vocabulary_from`).
No Flask import: the sync validator and the log form share these.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

# DESIGN.md "Data model": themes women raise, recorded with no names.
THEMES = (
    "wages",
    "fees-and-debt",
    "contract",
    "documents-passport",
    "rest-day",
    "working-conditions",
    "family-decision",
    "stigma",
    "local-work",
    "services-access",
    "health-wellbeing",
    "organising",
    "complaint-routes",
    "violence-referral",
)

# A general place type, never an address.
VENUE_TYPES = ("community-hall", "home", "school", "health-post", "outdoors", "office", "other")

# Referrals are counted by type only: who was referred is never recorded.
REFERRAL_TYPES = (
    "migrant-resource-centre",
    "legal-aid",
    "health",
    "violence-support",
    "skills-or-work",
    "savings-or-credit",
    "government-office",
    "other",
)

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


COUNTRIES = {"NP": "Nepal", "PK": "Pakistan"}


def vocabulary_from(config: dict, name: str, default):
    """The deployment's list if configured (e.g. THEMES in instance/config.py), else the default."""
    return config.get(name) or default
