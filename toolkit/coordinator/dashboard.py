"""The dashboard page: suppressed aggregates as HTML charts and tables, with the filters.

The figures and their names come from figures.py; exports.py and report_pdf.py give the same
figures as files.
"""

from __future__ import annotations

from flask import render_template

from ..db import get_db
from ..reports import logs_needing_attention, report_districts
from . import bp
from .accounts import login_required
from .figures import CHART_KEYS, TABLE_CONTEXT, charts, report_of, request_filters


@bp.route("/")
@login_required
def dashboard():
    """Sessions, people reached, themes, requests and referrals, with small counts hidden."""
    form, filters = request_filters()
    report = report_of(filters)
    db = get_db()
    return render_template(
        "coordinator/dashboard.html",
        form=form,
        report=report,
        charts=charts(report, CHART_KEYS),
        attention=logs_needing_attention(db),
        districts=report_districts(db),
        **TABLE_CONTEXT,
    )
