"""What sync says to a phone: the field errors of a result and the whole-request problems.

English msgids, translated in the request's language by the API (api.py `translate`, `error`).
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction (Babel's `N_` keyword); the API translates it when it answers."""
    return message


# Field error messages: one per field of a result's "errors".
REQUIRED = N_("required: add this field")
UNKNOWN_FIELD = N_("unknown field")
NOT_TEXT = N_("must be text")
NOT_TIMESTAMP = N_("must be a time written like 2026-11-20T10:06:00Z")
TOO_LONG = N_("too long: at most %(max)s characters")
BROKEN_CHARACTER = N_(
    "has a broken character (often half an emoji): delete the last characters and type them again"
)
NOT_WHOLE_NUMBER = N_("must be a whole number from %(min)s to %(max)s")
NOT_UUID = N_("must be an id like 1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed")
NOT_BOOLEAN = N_("must be true or false")
NOT_DATE = N_("must be a date written like 2026-11-20")
DATE_TOO_EARLY = N_("is before the year 2000: check the date")
DATE_IN_FUTURE = N_("is in the future: check the date and the phone's clock")
UNKNOWN_GUIDE = N_("unknown guide '%(value)s': choose a guide from the list")
UNKNOWN_LANGUAGE = N_("unknown language '%(value)s': use one of %(languages)s")
UNKNOWN_DISTRICT = N_("unknown district '%(value)s': choose a district from the list")
UNKNOWN_VENUE = N_("unknown venue type '%(value)s': choose one from the list")
NOT_LIST = N_("must be a list")
UNKNOWN_STEP = N_("'%(value)s' is not a step of this guide")
UNKNOWN_THEME = N_("unknown theme '%(value)s': choose themes from the list")
UNKNOWN_REFERRAL = N_("unknown referral type '%(value)s': choose one from the list")
LISTED_TWICE = N_("'%(value)s' is listed twice")
NOT_COUNTS = N_('must be counts by referral type, like {"legal-aid": 2}')
MORE_RETURNEES = N_("cannot be more than the number of participants")
NOT_A_LOG = N_("is not a log: each log must be a JSON object")
NOT_HUB_DEVICE = N_(
    "this phone was not registered by this hub for this facilitator: push the hub's devices first"
)
OTHER_FACILITATOR = N_("this log belongs to another facilitator: save it as a new log")
NOT_HUB_FACILITATOR = N_(
    "this facilitator was not registered by this hub: push the hub's facilitators first"
)


# Whole-request problems (a 400, or 413 for too many records): the batch cannot be read at all.
NOT_JSON = N_('The request must be JSON like {"records": [...]}.')
TOO_DEEP = N_("The request is nested too deeply: send JSON at most %(depth)s levels deep.")
RECORDS_NOT_LIST = N_('"records" must be a list of logs.')
RECORD_NOT_OBJECT = N_("Log number %(number)s is not a log: each log must be a JSON object.")
VERSION_NOT_TEXT = N_('"%(name)s" must be text.')
TOO_LARGE = N_("Too much in one request: send at most %(records)s logs and at most 1 MB at a time.")
