"""The coordinator area's menu: the pages this coordinator's role may open, in the layout's order."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from . import bp
from .accounts import RECORDER_ENDPOINTS, current_coordinator

NAV_LINKS = (
    ("coordinator.facilitators", _l("Facilitators and phones")),
    ("coordinator.attention", _l("Needs attention")),
    ("coordinator.hubs", _l("Field hubs")),
    ("coordinator.identifying", _l("Notes to review")),
    ("coordinator.import_logs", _l("Import logs")),
    ("coordinator.password", _l("Passwords")),
    ("coordinator.audit_log", _l("Audit log")),
    ("coordinator.audio_index", _l("Spoken scripts")),
)
ADMIN_PAGES = {"coordinator.password", "coordinator.audit_log"}


@bp.context_processor
def navigation() -> dict:
    coordinator = current_coordinator() or {}
    links = [
        (endpoint, label)
        for endpoint, label in NAV_LINKS
        if endpoint in current_app.view_functions
        and (endpoint not in ADMIN_PAGES or coordinator.get("role") == "admin")
        and (coordinator.get("role") != "recorder" or endpoint in RECORDER_ENDPOINTS)
    ]
    return {
        "coordinator_links": links,
        "has_report_pdf": "coordinator.report_pdf" in current_app.view_functions,
    }
