"""Field hubs as central sees them: last completed push, what each still holds back, revoked or not."""

from __future__ import annotations

from flask import render_template

from ..db import get_db
from ..hub.registry import hub_overview
from . import bp
from .accounts import login_required


@bp.route("/hubs")
@login_required
def hubs():
    """The `toolkit hubs` list as a page (read-only: tokens are managed on the command line)."""
    return render_template("coordinator/hubs.html", hubs=hub_overview(get_db()))
