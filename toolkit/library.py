"""The guide library and the sync rules made from it: the one accessor every module uses.

The library is parsed once when the app starts; the sync rules (guides, steps, languages, districts
a log may name) are built from it and the config on first use. Views, exports, PDFs and sync all
reach both through here, never through another module's views.
"""

from __future__ import annotations

import re

from flask import Flask, abort, current_app
from flask_babel import lazy_gettext as _l

from .content import Library, load_library
from .languages import LANGUAGES
from .sync.rules import SyncRules, rules_from

MODULE_NAMES = {
    "livelihood": _l("Livelihood and wellbeing"),
    "options": _l("Knowing your options"),
    "negotiation": _l("Negotiation skills"),
}
BLOCK_LABELS = {
    "say": _l("Read aloud"),
    "ask": _l("Ask the group"),
    "do": _l("Do"),
    "note": _l("For the facilitator only"),
    "handout": _l("Handout"),
    "facts": _l("Facts: verify locally"),
}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # checked with fullmatch


def library() -> Library:
    """The guides, parsed once when the app starts."""
    return current_app.extensions["toolkit.library"]


def sync_rules() -> SyncRules:
    """Validation rules of this app, built once from its content and config."""
    rules = current_app.extensions.get("toolkit.sync_rules")
    if rules is None:
        rules = rules_from(library(), LANGUAGES, current_app.config)
        current_app.extensions["toolkit.sync_rules"] = rules
    return rules


def guide_or_404(lang: str, slug: str):
    """The guide in `lang` (or English, flagged), never touching the file system with `slug`."""
    if lang not in LANGUAGES or not _SLUG.fullmatch(slug):
        abort(404)
    guide, fallback = library().get(lang, slug)
    if guide is None:
        abort(404)
    return guide, fallback


def init_app(app: Flask) -> None:
    app.extensions["toolkit.library"] = load_library(app.config["CONTENT_DIR"])
    for problem in app.extensions["toolkit.library"].problems:
        app.logger.warning("content: %s", problem)
