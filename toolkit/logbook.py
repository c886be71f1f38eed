"""The phone's session logbook: the log form, this phone's logs, and enrolment.

These pages are precached by the service worker, so they render the same bytes on every request:
no CSRF token, no nonce, nothing about the person or device. Everything per-device (the logs, the
device token, the facilitator's country, the PIN) lives in IndexedDB and is filled in by
static/js/logbook.js. What the form needs offline (guides and their steps, districts, vocabularies,
translated messages for JavaScript) is inlined in the page as JSON.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l

from .guides import language_or_404, library
from .languages import LANGUAGES
from .version import APP_VERSION
from .vocabulary import (
    COUNTRIES,
    DISTRICTS,
    REFERRAL_TYPES,
    THEMES,
    VENUE_TYPES,
    vocabulary_from,
)

bp = Blueprint("logbook", __name__)

_LOG_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

THEME_LABELS = {
    "wages": _l("Wages"),
    "fees-and-debt": _l("Recruitment fees and debt"),
    "contract": _l("Contracts"),
    "documents-passport": _l("Documents and passport"),
    "rest-day": _l("Rest day"),
    "working-conditions": _l("Working conditions"),
    "family-decision": _l("Family decisions"),
    "stigma": _l("Stigma"),
    "local-work": _l("Work at home or nearby"),
    "services-access": _l("Getting services"),
    "health-wellbeing": _l("Health and wellbeing"),
    "organising": _l("Organising together"),
    "complaint-routes": _l("Where to complain"),
    "violence-referral": _l("Violence and referral"),
}
VENUE_LABELS = {
    "community-hall": _l("Community hall"),
    "home": _l("Someone's home"),
    "school": _l("School"),
    "health-post": _l("Health post"),
    "outdoors": _l("Outdoors"),
    "office": _l("Office"),
    "other": _l("Other place"),
}
REFERRAL_LABELS = {
    "migrant-resource-centre": _l("Migrant resource centre"),
    "legal-aid": _l("Legal aid"),
    "health": _l("Health services"),
    "violence-support": _l("Support after violence"),
    "skills-or-work": _l("Skills training or work"),
    "savings-or-credit": _l("Savings or credit group"),
    "government-office": _l("Government office"),
    "other": _l("Other referral"),
}
# District names are written in the page's script; the stored code stays the English name.
DISTRICT_LABELS = {
    "Sindhupalchok": _l("Sindhupalchok"),
    "Kavrepalanchok": _l("Kavrepalanchok"),
    "Nuwakot": _l("Nuwakot"),
    "Dolakha": _l("Dolakha"),
    "Makwanpur": _l("Makwanpur"),
    "Chitwan": _l("Chitwan"),
    "Dhanusha": _l("Dhanusha"),
    "Mahottari": _l("Mahottari"),
    "Sarlahi": _l("Sarlahi"),
    "Siraha": _l("Siraha"),
    "Saptari": _l("Saptari"),
    "Morang": _l("Morang"),
    "Jhapa": _l("Jhapa"),
    "Sunsari": _l("Sunsari"),
    "Rupandehi": _l("Rupandehi"),
    "Kapilvastu": _l("Kapilvastu"),
    "Banke": _l("Banke"),
    "Kailali": _l("Kailali"),
    "Sialkot": _l("Sialkot"),
    "Gujranwala": _l("Gujranwala"),
    "Gujrat": _l("Gujrat"),
    "Lahore": _l("Lahore"),
    "Okara": _l("Okara"),
    "Faisalabad": _l("Faisalabad"),
    "Multan": _l("Multan"),
    "Rawalpindi": _l("Rawalpindi"),
    "Mardan": _l("Mardan"),
    "Swat": _l("Swat"),
    "Peshawar": _l("Peshawar"),
    "Dera Ghazi Khan": _l("Dera Ghazi Khan"),
    "Karachi": _l("Karachi"),
    "Hyderabad": _l("Hyderabad"),
}
COUNTRY_LABELS = {"NP": _l("Nepal"), "PK": _l("Pakistan")}

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
        "Void this log? It stays in the records, marked as entered by mistake. This cannot be undone."
    ),
    "void_yes": _l("Void the log"),
    "cancel": _l("Cancel"),
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


def _label(labels: dict, code: str) -> str:
    """The translated label of a vocabulary code; a code a deployment added shows as itself."""
    return str(labels[code]) if code in labels else code.replace("-", " ")


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
    # As the sync validator does: a deployment's districts add to the built-in ones.
    districts = {country: list(names) for country, names in DISTRICTS.items()}
    for country, names in vocabulary_from(config, "DISTRICTS", {}).items():
        districts.setdefault(country, [])
        districts[country] += [name for name in names if name not in districts[country]]
    return {
        "lang": lang,
        "digits": LANGUAGES[lang].digits,
        "separator": LANGUAGES[lang].separator,
        "country": LANGUAGES[lang].country,
        "app_version": APP_VERSION,
        "content_version": lib.version,
        "guides": guides,
        "districts": {
            country: [[code, _label(DISTRICT_LABELS, code)] for code in codes]
            for country, codes in districts.items()
        },
        "countries": {code: _label(COUNTRY_LABELS, code) for code in COUNTRIES},
        "strings": {key: str(text) for key, text in JS_STRINGS.items()},
    }


def _extended(name: str, built_in: tuple[str, ...]) -> list[str]:
    """The built-in codes, then any a deployment added in config (as the sync validator accepts)."""
    extra = vocabulary_from(current_app.config, name, ())
    return [*built_in, *(code for code in extra if code not in built_in)]


def vocabularies() -> dict:
    """Themes, venue types and referral types as (code, translated label) pairs."""
    return {
        "themes": [(c, _label(THEME_LABELS, c)) for c in _extended("THEMES", THEMES)],
        "venues": [(c, _label(VENUE_LABELS, c)) for c in _extended("VENUE_TYPES", VENUE_TYPES)],
        "referrals": [
            (c, _label(REFERRAL_LABELS, c)) for c in _extended("REFERRAL_TYPES", REFERRAL_TYPES)
        ],
    }


def render_log_shell(lang: str) -> str:
    """The log page: the form and an empty list that JavaScript fills from IndexedDB."""
    return render_template("logbook/log.html", data=logbook_data(lang), **vocabularies())


@bp.route("/<lang>/log")
def log(lang: str):
    """Log a session; list this phone's logs (from IndexedDB, by JavaScript)."""
    language_or_404(lang)
    return render_log_shell(lang)


@bp.route("/<lang>/log/<log_id>")
def edit(lang: str, log_id: str):
    """One log, opened from IndexedDB: the same document as /<lang>/log (the SW serves one shell)."""
    language_or_404(lang)
    if not _LOG_ID.match(log_id):
        abort(404)
    # Render exactly the /<lang>/log document, language links included, so both URLs are one shell.
    request.view_args = {"lang": lang}
    request.url_rule = next(current_app.url_map.iter_rules("logbook.log"))
    return render_log_shell(lang)


@bp.route("/<lang>/enrol")
def enrol(lang: str):
    """Enter an enrolment code; JavaScript exchanges it for a device token (POST /api/v1/enrol)."""
    language_or_404(lang)
    data = {
        "lang": lang,
        "digits": LANGUAGES[lang].digits,
        "strings": {key: str(text) for key, text in JS_STRINGS.items()},
    }
    return render_template("logbook/enrol.html", data=data)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
