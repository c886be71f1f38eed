"""Check one record as the phone sent it: `validate_record`, one small check per field.

The limits and formats are record.py's; what a record may name (guides, steps, vocabularies) is
the server's `SyncRules`. No Flask: the ingest, the demo data and the tests call it directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .messages import (
    BROKEN_CHARACTER,
    DATE_IN_FUTURE,
    DATE_TOO_EARLY,
    LISTED_TWICE,
    MORE_RETURNEES,
    NOT_A_LOG,
    NOT_BOOLEAN,
    NOT_COUNTS,
    NOT_DATE,
    NOT_LIST,
    NOT_TEXT,
    NOT_TIMESTAMP,
    NOT_UUID,
    NOT_WHOLE_NUMBER,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_DISTRICT,
    UNKNOWN_FIELD,
    UNKNOWN_GUIDE,
    UNKNOWN_LANGUAGE,
    UNKNOWN_REFERRAL,
    UNKNOWN_STEP,
    UNKNOWN_THEME,
    UNKNOWN_VENUE,
)
from .record import (
    ALLOWED_KEYS,
    DATE,
    EARLIEST_HELD_ON,
    HALF_CHARACTER,
    HELD_ON_DAYS_AHEAD,
    MAX_COUNT,
    MAX_MINUTES,
    MAX_REV,
    MAX_TEXT,
    MAX_VERSION,
    MIN_MINUTES,
    RELAY_FIELDS,
    FieldError,
    is_timestamp,
    is_uuid,
    shown,
)
from .rules import SyncRules

# --- what one value may be ------------------------------------------------------------------------


def _whole(value: Any, low: int, high: int) -> FieldError | None:
    """A whole number in [low, high] (JSON true/false and 7.0 are not numbers here)."""
    if type(value) is not int or not low <= value <= high:
        return FieldError(NOT_WHOLE_NUMBER, {"min": low, "max": high})
    return None


def _text(value: Any, limit: int) -> tuple[str, FieldError | None]:
    """Free text: null counts as empty."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", FieldError(NOT_TEXT)
    if len(value) > limit:
        return value, FieldError(TOO_LONG, {"max": limit})
    if HALF_CHARACTER.search(value):
        return value, FieldError(BROKEN_CHARACTER)
    return value, None


def _code(value: Any, allowed: frozenset[str], message: str) -> FieldError | None:
    """One code from `allowed` (a guide, language, district, venue type): text, and known."""
    if value is None:
        return FieldError(REQUIRED)
    if not isinstance(value, str):
        return FieldError(NOT_TEXT)
    if value not in allowed:
        return FieldError(message, {"value": shown(value)})
    return None


def _choices(value: Any, allowed: frozenset[str], message: str) -> tuple[list, FieldError | None]:
    """A list of distinct codes, each from `allowed`; null counts as empty."""
    if value is None:
        return [], None
    if not isinstance(value, list):
        return [], FieldError(NOT_LIST)
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            return value, FieldError(message, {"value": type(item).__name__})
        if item not in allowed:
            return value, FieldError(message, {"value": shown(item)})
        if item in seen:
            return value, FieldError(LISTED_TWICE, {"value": shown(item)})
        seen.add(item)
    return value, None


def _day(value: Any, today: dt.date) -> FieldError | None:
    """The day a session was held: a real date, from 2000 to tomorrow (phone clocks are often wrong)."""
    if value is None:
        return FieldError(REQUIRED)
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return FieldError(NOT_DATE)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return FieldError(NOT_DATE)
    if day < EARLIEST_HELD_ON:
        return FieldError(DATE_TOO_EARLY)
    if day > today + dt.timedelta(days=HELD_ON_DAYS_AHEAD):
        return FieldError(DATE_IN_FUTURE)
    return None


def _returnees(value: Any, participants: Any) -> FieldError | None:
    """Returnees among the participants: optional, and never more than them."""
    if value is None:
        return None
    if (error := _whole(value, 0, MAX_COUNT)) is not None:
        return error
    if type(participants) is int and value > participants:
        return FieldError(MORE_RETURNEES)
    return None


def _referral_counts(value: Any, kinds: frozenset[str]) -> FieldError | None:
    """Counts by referral type ({"legal-aid": 2}); null counts as none."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return FieldError(NOT_COUNTS)
    for kind, count in value.items():
        if kind not in kinds:
            return FieldError(UNKNOWN_REFERRAL, {"value": shown(kind)})
        if (error := _whole(count, 0, MAX_COUNT)) is not None:
            return error
    return None


# --- the fields of one record ---------------------------------------------------------------------


@dataclass
class _Checked:
    """One record being checked: what came, its canonical form so far, its field errors so far."""

    sent: Mapping[str, Any]
    rules: SyncRules
    country: str | None
    today: dt.date
    clean: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)

    def keep(self, name: str, value: Any, error: FieldError | None) -> None:
        """A field's canonical value, and its error if it has one."""
        self.clean[name] = value
        if error is not None:
            self.errors[name] = error

    def required_whole(self, name: str, low: int, high: int) -> None:
        """A whole number that must be there (a null that was sent is a wrong number, not missing)."""
        value = self.sent.get(name)
        error = _whole(value, low, high)
        if error is not None and name not in self.sent:
            error = FieldError(REQUIRED)
        self.keep(name, value, error)


def _identity(record: _Checked) -> None:
    """`id` (a UUID, any case, stored lower-case) and `rev`."""
    log_id = record.sent.get("id")
    if log_id is None:
        record.errors["id"] = FieldError(REQUIRED)
    elif not isinstance(log_id, str) or not is_uuid(log_id.lower()):
        record.errors["id"] = FieldError(NOT_UUID)
    else:
        record.clean["id"] = log_id.lower()
    record.required_whole("rev", 1, MAX_REV)


def _guide_and_versions(record: _Checked) -> None:
    guide, lang = record.sent.get("guide"), record.sent.get("lang")
    record.keep("guide", guide, _code(guide, record.rules.guides, UNKNOWN_GUIDE))
    error = _code(lang, record.rules.languages, UNKNOWN_LANGUAGE)
    if error is not None:  # name the language table's codes, never a fixed list
        known = ", ".join(sorted(record.rules.languages))
        error = FieldError(error.message, {**error.params, "languages": known})
    record.keep("lang", lang, error)
    for name in ("content_version", "app_version"):
        record.keep(name, *_text(record.sent.get(name), MAX_VERSION))


def _held_on(record: _Checked) -> None:
    held_on = record.sent.get("held_on")
    record.keep("held_on", held_on, _day(held_on, record.today))


def _counts(record: _Checked) -> None:
    """Minutes and participants (required), returnees (at most the participants)."""
    record.required_whole("minutes", MIN_MINUTES, MAX_MINUTES)
    record.required_whole("participants", 0, MAX_COUNT)
    returnees = record.sent.get("returnees")
    record.keep("returnees", returnees, _returnees(returnees, record.clean["participants"]))


def _place(record: _Checked) -> None:
    """The district (of the sender's country) and the venue type."""
    district, venue = record.sent.get("district"), record.sent.get("venue_type")
    districts = record.rules.districts_for(record.country)
    record.keep("district", district, _code(district, districts, UNKNOWN_DISTRICT))
    record.keep("venue_type", venue, _code(venue, record.rules.venue_types, UNKNOWN_VENUE))


def _lists(record: _Checked) -> None:
    """Steps done (of this guide: unchecked when the guide is wrong), themes, guides requested."""
    no_guide = "guide" in record.errors
    steps = frozenset() if no_guide else record.rules.steps.get(record.clean["guide"], frozenset())
    for name, allowed, message in (
        ("steps_done", steps, UNKNOWN_STEP),
        ("themes", record.rules.themes, UNKNOWN_THEME),
        ("requested", record.rules.guides, UNKNOWN_GUIDE),
    ):
        value, error = _choices(record.sent.get(name), allowed, message)
        record.keep(name, value, None if name == "steps_done" and no_guide else error)


def _referrals(record: _Checked) -> None:
    referrals = record.sent.get("referrals")
    error = _referral_counts(referrals, record.rules.referral_types)
    record.keep("referrals", {} if referrals is None else referrals, error)


def _texts_and_times(record: _Checked) -> None:
    """Free text, the voided flag, and the phone's own timestamps (optional)."""
    for name in ("market_info", "notes"):
        record.keep(name, *_text(record.sent.get(name), MAX_TEXT))
    voided = record.sent.get("voided", False)
    record.keep("voided", voided, None if type(voided) is bool else FieldError(NOT_BOOLEAN))
    for name in ("created_at", "updated_at"):
        value = record.sent.get(name)
        wrong = value is not None and not is_timestamp(value)
        record.keep(name, value, FieldError(NOT_TIMESTAMP) if wrong else None)


def _relayed_ids(record: _Checked) -> None:
    """The device and facilitator a hub relays a record for (a device's come from its token)."""
    for name in RELAY_FIELDS:
        value = record.sent.get(name)
        if value is None:
            record.errors[name] = FieldError(REQUIRED)
        elif not is_uuid(value):
            record.errors[name] = FieldError(NOT_UUID)
        else:
            record.clean[name] = value


# In the order of the phone's fields: a result lists its errors in this order too.
_FIELD_CHECKS: tuple[Callable[[_Checked], None], ...] = (
    _identity,
    _guide_and_versions,
    _held_on,
    _counts,
    _place,
    _lists,
    _referrals,
    _texts_and_times,
)


def validate_record(
    record: Mapping[str, Any],
    rules: SyncRules,
    country: str | None,
    today: dt.date,
    relayed: bool = False,
) -> tuple[dict, dict[str, FieldError]]:
    """Check one record as the phone sent it.

    Returns the record in canonical form (every client field, defaults filled in) and the field
    errors; the record may be stored only when there are none. `country` picks the district list;
    `today` is the server's date (`held_on` may be at most one day later: phone clocks are often
    wrong). `relayed` (a hub token) requires the body's device_id and facilitator_id.
    """
    if not isinstance(record, Mapping):
        return {}, {"record": FieldError(NOT_A_LOG)}
    checked = _Checked(record, rules, country, today)
    for key in record:
        if key not in ALLOWED_KEYS:
            checked.errors[shown(key)] = FieldError(UNKNOWN_FIELD)
    for check in (*_FIELD_CHECKS, _relayed_ids) if relayed else _FIELD_CHECKS:
        check(checked)
    return checked.clean, checked.errors
