"""The logs as a coordinator reads them in a spreadsheet (#13), and cells a spreadsheet keeps as text.

Headings in her language, names instead of codes and ids (the facilitator is staff; participants are
never recorded), dates a spreadsheet reads as dates, one column per theme (1 when raised) and per
referral type (the count), the guides asked for by title. Latin digits, so the numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator

from flask import current_app
from flask_babel import gettext as _

from ..i18n import bikram_sambat, current_lang
from ..languages import LANGUAGES
from ..library import library
from ..vocabulary import REFERRAL_TYPES, THEMES, extended, label, labels

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)

# What a facilitator logged, in the order both logs files (spreadsheet and data) show it.
LOGGED_COLUMNS = [
    "guide",
    "lang",
    "district",
    "venue_type",
    "minutes",
    "participants",
    "returnees",
    "steps_done",
    "themes",
    "requested",
    "referrals",
    "market_info",
]
# What the spreadsheet file reads from session_logs (facilitator_name: the facilitators table).
SPREADSHEET_SOURCE = ["held_on", "facilitator_name", *LOGGED_COLUMNS, "received_at"]


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: formula-like cells get a leading apostrophe.

    Numbers stay numbers (the csv module writes them); None is an empty cell. Called for every
    cell of a million-row export, so it does as little as it can.
    """
    if type(value) is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    return "" if value is None else str(value)


def _loaded(value: str | None, empty):
    """A stored JSON field, or `empty` when it is missing or broken."""
    try:
        loaded = json.loads(value or "null")
    except (TypeError, ValueError):
        return empty
    return loaded if isinstance(loaded, type(empty)) else empty


def _memo(function: Callable[[str | None], object], limit: int = 4096) -> Callable:
    """`function` remembered by its argument: a year of logs repeats a few thousand theme lists,
    dates and referral sets, so each is turned into cells once (bounded: memory stays flat)."""
    seen: dict = {}

    def remembered(value):
        if value not in seen:
            if len(seen) >= limit:
                seen.clear()
            seen[value] = function(value)
        return seen[value]

    return remembered


def spreadsheet_header(
    themes: list[str], referral_types: list[str], with_bs: bool, include_notes: bool
) -> list[str]:
    """The headings, in the coordinator's language, in the order `log_cells` writes the cells."""
    return [
        _("Date"),
        *([_("Date (Bikram Sambat)")] if with_bs else []),
        _("Facilitator"),
        _("Guide"),
        _("Language of the session"),
        _("District"),
        _("Place"),
        _("Minutes"),
        _("Participants"),
        _("Returnees"),
        _("Steps done"),
        *[_("Theme: %(name)s", name=label("theme", code) or code) for code in themes],
        *[
            _("Referrals: %(name)s", name=label("referral", code) or code)
            for code in referral_types
        ],
        _("Topics requested next"),
        _("Jobs, fees and conditions reported"),
        _("Received (UTC)"),
        *([_("Notes")] if include_notes else []),
    ]


def _bs_date(value: str | None) -> str:
    try:
        return bikram_sambat(dt.date.fromisoformat(value or ""))
    except ValueError:
        return ""


def log_cells(
    lang: str, themes: list[str], referral_types: list[str], with_bs: bool
) -> Callable[[tuple], list]:
    """A function from one row of SPREADSHEET_SOURCE (+ notes) to its cells, names looked up once."""
    guides = library()
    titles = {}
    for slug in guides.slugs():
        guide, _fallback = guides.get(lang, slug)
        titles[slug] = guide.title if guide else slug
    districts, venues = labels("district"), labels("venue")
    languages = {code: language.native_name for code, language in LANGUAGES.items()}

    def theme_cells(value):
        raised = set(map(str, _loaded(value, [])))
        return [1 if code in raised else "" for code in themes]

    def referral_cells(value):
        counts = _loaded(value, {})
        return [counts.get(code, "") for code in referral_types]

    def requested_titles(value):
        return "; ".join(titles.get(str(slug), str(slug)) for slug in _loaded(value, []))

    themes_of, referrals_of = _memo(theme_cells), _memo(referral_cells)
    requested_of, bs_of = _memo(requested_titles), _memo(_bs_date)
    steps_of = _memo(lambda value: len(_loaded(value, [])))
    safe = spreadsheet_safe  # text cells only: counts, 1s and dates need no escaping

    def cells(row: tuple) -> list:
        (held_on, facilitator, guide, session_lang, district, venue, minutes, participants,
         returnees, steps, themes_json, requested_json, referrals_json, market_info, received,
         *notes) = row  # fmt: skip
        return [
            safe(held_on),
            *([bs_of(held_on)] if with_bs else []),
            safe(facilitator),
            safe(titles.get(guide, guide)),
            safe(languages.get(session_lang, session_lang)),
            safe(districts.get(district, district)),
            safe(venues.get(venue, venue)),
            minutes,
            participants,
            returnees,
            steps_of(steps),
            *themes_of(themes_json),
            *referrals_of(referrals_json),
            safe(requested_of(requested_json)),
            safe(market_info),
            (received or "").replace("T", " ").rstrip("Z"),
            *map(safe, notes),
        ]

    return cells


def spreadsheet_rows(rows: Iterable[tuple], include_notes: bool) -> Iterator[list]:
    """The header, then each log (rows of SPREADSHEET_SOURCE, + notes) as a coordinator reads it."""
    lang = current_lang()
    config = current_app.config
    themes = extended(config, "THEMES", THEMES)
    referral_types = extended(config, "REFERRAL_TYPES", REFERRAL_TYPES)
    with_bs = LANGUAGES[lang].calendar == "bs"
    yield list(
        map(spreadsheet_safe, spreadsheet_header(themes, referral_types, with_bs, include_notes))
    )
    cells = log_cells(lang, themes, referral_types, with_bs)
    for row in rows:
        yield cells(row)
