"""Fixed vocabularies of the session log: themes, venue types, referral types, districts.

Codes are ASCII and never translated (they are stored and synced); labels are translated for display.
Deployments may extend the lists through config keys of the same name (see `vocabulary_from`).
No Flask import: the sync validator and the log form share these.
"""

from __future__ import annotations

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

# Districts where sessions run, per country (config DISTRICTS may replace or extend them).
DISTRICTS = {
    "NP": (
        "Sindhupalchok",
        "Kavrepalanchok",
        "Nuwakot",
        "Dolakha",
        "Makwanpur",
        "Chitwan",
        "Dhanusha",
        "Mahottari",
        "Sarlahi",
        "Siraha",
        "Saptari",
        "Morang",
        "Jhapa",
        "Sunsari",
        "Rupandehi",
        "Kapilvastu",
        "Banke",
        "Kailali",
    ),
    "PK": (
        "Sialkot",
        "Gujranwala",
        "Gujrat",
        "Lahore",
        "Okara",
        "Faisalabad",
        "Multan",
        "Rawalpindi",
        "Mardan",
        "Swat",
        "Peshawar",
        "Dera Ghazi Khan",
        "Karachi",
        "Hyderabad",
    ),
}

COUNTRIES = {"NP": "Nepal", "PK": "Pakistan"}


def vocabulary_from(config: dict, name: str, default):
    """The deployment's list if configured (e.g. THEMES in instance/config.py), else the default."""
    return config.get(name) or default
