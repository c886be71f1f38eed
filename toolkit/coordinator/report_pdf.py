"""The dashboard's figures as a printable report (PDF), in the coordinator's language."""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template
from flask_babel import gettext as _

from .. import pdf
from ..i18n import current_lang, show_date
from ..languages import native_digits
from ..reports import Filters
from . import bp
from .accounts import login_required
from .figures import REPORT_CHART_KEYS, TABLE_CONTEXT, charts, name_of, report_of, request_filters


def period_words(filters: Filters, lang: str) -> str:
    """The report's period in words a reader understands: never "… – …"."""
    start, end = (native_digits(m, lang) if m else None for m in (filters.start, filters.end))
    if start and end:
        return _("%(start)s to %(end)s", start=start, end=end)
    if start:
        return _("from %(start)s", start=start)
    if end:
        return _("up to %(end)s", end=end)
    return _("All dates")


def report_html(filters: Filters) -> str:
    """The report page as it goes to WeasyPrint: figures, charts, period, district, print date."""
    report = report_of(filters)
    lang = current_lang()
    return render_template(
        "pdf/report.html",
        report=report,
        charts=charts(report, REPORT_CHART_KEYS),
        period=period_words(filters, lang),
        **TABLE_CONTEXT,
        district=name_of("district", filters.district) if filters.district else "",
        printed=show_date(dt.date.today(), lang),
        size="a4",
        page_size="A4",
        digits=lambda value: native_digits(value, lang),
    )


@bp.route("/export/report.pdf")
@login_required
def report_pdf():
    """The dashboard's figures as a printable report, in the coordinator's language."""
    _form, filters = request_filters()
    return Response(
        pdf.write_pdf(report_html(filters)),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="session-report.pdf"',
            "Cache-Control": "no-store",
        },
    )
