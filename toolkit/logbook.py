"""The phone's session logbook: the log form, this phone's logs, and enrolment.

These pages are precached by the service worker, so they render the same bytes on every request:
no CSRF token, no nonce, nothing about the person or device. Everything per-device (the logs, the
device token, the facilitator's country, the PIN) lives in IndexedDB and is filled in by
static/js/logbook.js. What the form needs offline (guides and their steps, districts, vocabularies,
translated messages for JavaScript) is inlined in the page as JSON.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l

from .languages import LANGUAGES
from .library import library
from .sync.record import MAX_TEXT
from .version import APP_VERSION
from .vocabulary import (
    COUNTRIES,
    DISTRICT_BY_CODE,
    DISTRICTS,
    REFERRAL_TYPES,
    RETIRED_CODES,
    THEMES,
    VENUE_TYPES,
    extended,
    label,
    vocabulary_from,
)

bp = Blueprint("logbook", __name__)

# Messages that JavaScript shows, translated here so the phone needs no catalog of its own.
# Placeholders are {name} (filled by JavaScript), never %-style (Jinja would format those).
JS_STRINGS = {
    # sync status in the header
    "pending": _l("Waiting to send: {n}"),
    "attention": _l("Need attention: {n}"),
    "all_sent": _l("All logs sent."),
    "last_sync": _l("Last sent to the server: {time}"),
    "never_synced": _l("Not sent to the server yet."),
    "syncing": _l("Sending…"),
    "next_try": _l("Next try at {time}."),
    "not_enrolled": _l("This phone is not enrolled yet, so logs stay on it until it is."),
    "enrolled_as": _l("Enrolled for {name}"),
    # the last sync error, in plain words
    "err_offline": _l("No connection. Your logs are kept on this phone and will be sent later."),
    "err_network": _l(
        "The connection broke before the server answered. Nothing is marked as sent; the logs "
        "will be sent again."
    ),
    "err_timeout": _l(
        "The server took too long to answer. Nothing is marked as sent; the logs will be sent again."
    ),
    "err_server": _l("The server had a problem. Your logs are kept; trying again soon."),
    "err_busy": _l("The server is busy. Your logs are kept; trying again soon."),
    "err_token": _l("The server does not know this phone. Enrol it again with a new code."),
    "err_revoked": _l("This phone's access was withdrawn. Ask your coordinator for a new code."),
    "err_too_large": _l("Too much to send at once. Sending in smaller parts."),
    "err_rejected": _l(
        "The server could not read the logs. They are kept on this phone; tell your coordinator."
    ),
    "err_other": _l("Could not send. Your logs are kept on this phone and will be sent later."),
    # record states
    "state_draft": _l("Draft"),
    "state_queued": _l("Waiting to send"),
    "state_sent": _l("Sending"),
    "state_acknowledged": _l("Received by the server"),
    "state_needs-attention": _l("Needs attention"),
    "voided": _l("Voided"),
    "reason_invalid": _l("The server could not accept this log. Fix these and save again:"),
    "reason_stale": _l(
        "This log was changed elsewhere. Your edit is kept here beside the server's version."
    ),
    "reason_conflict": _l(
        "The server already has a different copy of this log. Both are kept for your coordinator "
        "to check."
    ),
    "server_version": _l("Server's version"),
    "your_version": _l("Your edit"),
    "keep_mine": _l("Send my edit"),
    "take_server": _l("Use the server's version"),
    "participants_n": _l("Participants: {n}"),
    "edit": _l("Open"),
    "no_logs": _l("No logs on this phone yet."),
    "editing": _l("Editing a saved log"),
    # form validation
    "fix_fields": _l("Please fix the marked fields."),
    "required_guide": _l("Choose the guide you used."),
    "required_date": _l("Enter the date of the session."),
    "bad_date": _l("This is not a valid date."),
    "future_date": _l("The date cannot be in the future. Check the phone's date."),
    "whole_number": _l("Enter a whole number, for example 12."),
    "range": _l("Enter a number from {min} to {max}."),
    "returnees_more": _l("Returnees cannot be more than participants."),
    "required_district": _l("Choose the district."),
    "required_venue": _l("Choose the type of place."),
    "too_long": _l("Keep this under {max} characters."),
    "choose_guide_first": _l("Choose a guide to see its steps."),
    # the privacy check before text leaves the phone
    "privacy_title": _l("Check before saving"),
    "privacy_body": _l(
        "A log must never show who took part. Remove names and phone numbers, or confirm that "
        "this text identifies no one."
    ),
    "privacy_phone": _l("Looks like a phone number:"),
    "privacy_name": _l("Looks like a person's name:"),
    "privacy_back": _l("Go back and edit"),
    "privacy_confirm": _l("It identifies no one: save"),
    # saving, voiding, exporting
    "saved": _l("Saved on this phone. It will be sent when there is a connection."),
    "draft_saved": _l("Draft saved on this phone. It is not sent until you save the log."),
    "void_confirm": _l(
        "Void this log? It stays in the records, marked as entered by mistake, and is no longer "
        "counted. You can restore it later."
    ),
    "void_yes": _l("Void this log"),
    "keep_log": _l("Keep the log"),
    "cancel": _l("Cancel"),
    "voided_marker": _l("Voided: this log was entered by mistake. It is kept but not counted."),
    "restore": _l("Restore this log"),
    "restored_done": _l("Log restored. The change will be sent."),
    # the same log edited in two tabs
    "other_tab": _l(
        "This log was changed in another tab or window after you opened it. Nothing is lost: "
        "choose which version to keep."
    ),
    "saved_version": _l("Saved version"),
    "keep_typed": _l("Keep what I typed"),
    "take_saved": _l("Use the saved version"),
    # what women in other sessions asked about (from the server's suppressed counts)
    "elsewhere": _l("Women in other sessions asked about: {themes}"),
    "voided_done": _l("Log voided. The change will be sent."),
    "export_none": _l("There are no unsent logs to export."),
    "export_done": _l("Exported unsent logs: {n}"),
    "storage_error": _l(
        "Could not save on this phone. Check that the phone has space, and try again."
    ),
    "not_found": _l("This log is not on this phone."),
    # PIN lock
    "pin_wrong": _l("Wrong PIN. Try again."),
    "pin_rules": _l("The PIN must be 4 to 8 digits."),
    "pin_mismatch": _l("The two PINs are not the same."),
    "pin_set": _l("PIN set. The logbook will ask for it."),
    "pin_removed": _l("PIN removed."),
    "pin_unavailable": _l("A PIN needs a secure connection (https)."),
    # enrolment
    "enrol_working": _l("Enrolling this phone…"),
    "enrol_done": _l("This phone is now enrolled for {name}. Logs will be sent to this server."),
    "enrol_failed": _l("That code did not work: {error}"),
    "enrol_offline": _l(
        "No connection. Connect to the internet or the resource centre Wi-Fi and try again."
    ),
    "enrol_replace": _l(
        "This phone is enrolled for {name}. Entering a new code replaces that enrolment."
    ),
    "enrol_code_missing": _l("Enter the code, for example ABCD-EFGH."),
}


def _label(kind: str, code: str) -> str:
    """The translated label of a vocabulary code; a code a deployment added shows as itself."""
    return label(kind, code) or code.replace("-", " ")


def offered_districts(config) -> dict[str, list[str]]:
    """The districts the log form offers, per country.

    As the sync validator does, a deployment's DISTRICTS add to the built-in ones; DISTRICTS_OFFERED
    (codes) then narrows what the form shows, while the validator keeps accepting every known code,
    so logs already stored for a district no longer offered stay valid.
    """
    districts = {country: list(names) for country, names in DISTRICTS.items()}
    for country, names in vocabulary_from(config, "DISTRICTS", {}).items():
        districts.setdefault(country, [])
        districts[country] += [name for name in names if name not in districts[country]]
    offered = set(config.get("DISTRICTS_OFFERED") or ())
    if offered:
        districts = {
            country: [code for code in codes if code in offered]
            for country, codes in districts.items()
        }
    return {country: codes for country, codes in districts.items() if codes}


def _province_label(code: str) -> str:
    """The translated province of a district (empty for a code a deployment added)."""
    row = DISTRICT_BY_CODE.get(code)
    return (label("province", row.province) or row.province) if row else ""


def logbook_data(lang: str) -> dict:
    """Everything the log form needs offline, for the page's JSON block (same bytes every time)."""
    config = current_app.config
    lib = library()
    guides = [
        {
            "slug": guide.slug,
            "title": guide.title,
            "lang": guide.lang,
            "minutes": guide.minutes,
            "steps": [[step.id, step.title] for step in guide.steps],
        }
        for guide, _fallback in lib.for_language(lang)
    ]
    districts = offered_districts(config)
    return {
        "lang": lang,
        "digits": LANGUAGES[lang].digits,
        "separator": LANGUAGES[lang].separator,
        "list_separator": LANGUAGES[lang].list_separator,
        "calendar": LANGUAGES[lang].calendar,
        "country": LANGUAGES[lang].country,
        "app_version": APP_VERSION,
        "content_version": lib.version,
        "guides": guides,
        "districts": {
            country: [[code, _label("district", code), _province_label(code)] for code in codes]
            for country, codes in districts.items()
        },
        "countries": {code: _label("country", code) for code in COUNTRIES},
        "strings": {key: str(text) for key, text in JS_STRINGS.items()},
        "theme_labels": {
            code: _label("theme", code)
            for code in extended(current_app.config, "THEMES", THEMES)
            if code not in RETIRED_CODES
        },
    }


def vocabularies() -> dict:
    """Themes, venue types and referral types as (code, translated label) pairs.

    Retired codes are not offered; the form keeps them hidden so that editing an old log loses nothing.
    """
    themes = extended(current_app.config, "THEMES", THEMES)
    referrals = extended(current_app.config, "REFERRAL_TYPES", REFERRAL_TYPES)
    return {
        "themes": [(c, _label("theme", c)) for c in themes if c not in RETIRED_CODES],
        "venues": [
            (c, _label("venue", c))
            for c in extended(current_app.config, "VENUE_TYPES", VENUE_TYPES)
        ],
        "referrals": [(c, _label("referral", c)) for c in referrals if c not in RETIRED_CODES],
        "retired_themes": [c for c in themes if c in RETIRED_CODES],
        "retired_referrals": [c for c in referrals if c in RETIRED_CODES],
    }


def render_log_shell(lang: str) -> str:
    """The log page: the form and an empty list that JavaScript fills from IndexedDB."""
    return render_template(
        "logbook/log.html", data=logbook_data(lang), max_text=MAX_TEXT, **vocabularies()
    )


@bp.route("/<lang:lang>/log")
def log(lang: str):
    """Log a session; list this phone's logs (from IndexedDB, by JavaScript)."""
    return render_log_shell(lang)


@bp.route("/<lang:lang>/log/<id:log_id>")
def edit(lang: str, log_id: str):
    """One log, opened from IndexedDB: the same document as /<lang>/log (the SW serves one shell)."""
    # Render exactly the /<lang>/log document, language links included, so both URLs are one shell.
    request.view_args = {"lang": lang}
    request.url_rule = next(current_app.url_map.iter_rules("logbook.log"))
    return render_log_shell(lang)


@bp.route("/<lang:lang>/enrol")
def enrol(lang: str):
    """Enter an enrolment code; JavaScript exchanges it for a device token (POST /api/v1/enrol)."""
    data = {
        "lang": lang,
        "digits": LANGUAGES[lang].digits,
        "strings": {key: str(text) for key, text in JS_STRINGS.items()},
    }
    return render_template("logbook/enrol.html", data=data)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
