"""The dashboard and exports: suppressed aggregates, HTML charts, CSV of figures and of logs."""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, Regexp

from ..db import get_db
from ..languages import ascii_digits
from ..reports import Filters, build_report, current_logs
from . import bp
from .accounts import login_required

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TABLE_TITLES = {
    "sessions_by_month": _l("Sessions per month"),
    "participants_by_month": _l("Participants per month"),
    "sessions_by_district": _l("Sessions by district"),
    "participants_by_district": _l("Participants by district"),
    "sessions_by_guide": _l("Sessions by guide"),
    "themes_by_district": _l("Themes raised, by district"),
    "themes_by_month": _l("Themes raised, by month"),
    "requested": _l("Topics requested next"),
    "referrals": _l("Referrals by type"),
}
ROW_LABELS = {
    "sessions_by_month": _l("Month"),
    "participants_by_month": _l("Month"),
    "sessions_by_district": _l("District"),
    "participants_by_district": _l("District"),
    "sessions_by_guide": _l("Guide"),
    "themes_by_district": _l("Theme"),
    "themes_by_month": _l("Theme"),
    "requested": _l("Guide"),
    "referrals": _l("Referral type"),
}

# --- dashboard and exports ------------------------------------------------------------------------


class FiltersForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: filters change nothing

    start = StringField(_l("From month"), validators=[Optional(), Regexp(r"^\d{4}-\d{2}$")])
    end = StringField(_l("To month"), validators=[Optional(), Regexp(r"^\d{4}-\d{2}$")])
    district = StringField(_l("District"), validators=[Optional(), Length(max=80)])


class LogsExportForm(FlaskForm):
    include_notes = BooleanField(_l("Include free-text notes"))


ROW_KINDS = {
    "sessions_by_month": "month",
    "participants_by_month": "month",
    "sessions_by_district": "district",
    "participants_by_district": "district",
    "sessions_by_guide": "guide",
    "requested": "guide",
    "themes_by_district": "theme",
    "themes_by_month": "theme",
    "referrals": "referral",
}
COLUMN_KINDS = {"themes_by_district": "district", "themes_by_month": "month"}


def name_of(kind: str | None, code: str) -> str:
    """What a coordinator reads for a stored code: a guide's title, a translated theme…"""
    from ..guides import library
    from ..i18n import current_lang, show_month
    from ..logbook import DISTRICT_LABELS, REFERRAL_LABELS, THEME_LABELS

    if kind == "month":
        return show_month(code, current_lang())
    if kind == "guide":
        guide, _fallback = library().get(current_lang(), code)
        return guide.title if guide else code
    labels = {"district": DISTRICT_LABELS, "theme": THEME_LABELS, "referral": REFERRAL_LABELS}.get(
        kind or "", {}
    )
    return str(labels.get(code, code))


# What coordinator/_table.html needs to title tables and name their rows and columns.
TABLE_CONTEXT = {
    "titles": TABLE_TITLES,
    "row_labels": ROW_LABELS,
    "row_name": lambda key, code: name_of(ROW_KINDS.get(key), code),
    "column_name": lambda key, code: name_of(COLUMN_KINDS.get(key), code),
}


def _filters() -> tuple[FiltersForm, Filters]:
    form = FiltersForm(request.args)
    if request.args and not form.validate():
        return form, Filters()
    # Months may be typed in Nepali or Urdu digits; the database stores 0-9.
    start, end = (
        ascii_digits(field.data) if field.data else None for field in (form.start, form.end)
    )
    return form, Filters(start, end, form.district.data or None)


def _report(filters: Filters):
    threshold = current_app.config.get("SUPPRESS_BELOW", 5)
    return build_report(current_logs(get_db(), filters), filters, threshold)


CHART_KEYS = (
    "sessions_by_month",
    "participants_by_month",
    "sessions_by_district",
    "sessions_by_guide",
    "requested",
    "referrals",
)
REPORT_CHART_KEYS = tuple(key for key in CHART_KEYS if key != "participants_by_month")


def _charts(report, keys) -> dict:
    """HTML bar charts of the report's tables, rows named for people (guide titles, themes…)."""
    from ..charts import bar_chart

    return {
        key: bar_chart(
            TABLE_TITLES[key],
            report.tables[key],
            label=lambda code, key=key: name_of(ROW_KINDS.get(key), code),
        )
        for key in keys
    }


@bp.route("/")
@login_required
def dashboard():
    """Sessions, people reached, themes, requests and referrals, with small counts hidden."""
    form, filters = _filters()
    report = _report(filters)
    charts = _charts(report, CHART_KEYS)
    db = get_db()
    attention = db["session_logs"].count_where("conflict = 1") if db["session_logs"].exists() else 0
    districts = sorted(
        {
            row["district"]
            for row in db.query(
                "select distinct district from session_logs where district is not null"
            )
        }
    )
    return render_template(
        "coordinator/dashboard.html",
        form=form,
        report=report,
        charts=charts,
        attention=attention,
        districts=districts,
        **TABLE_CONTEXT,
    )


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet shows as text: formula-like cells get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(rows: list[list], filename: str) -> Response:
    """UTF-8 CSV with a BOM, so Excel opens Nepali and Urdu text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/export/aggregates.csv")
@login_required
def export_aggregates():
    """Every dashboard table, suppressed as on screen, in one CSV."""
    _form, filters = _filters()
    report = _report(filters)
    rows: list[list] = [
        [_("Sessions"), report.shown_headline(report.sessions)],
        [_("Participants"), report.shown_headline(report.participants)],
        [],
    ]
    for key, table in report.tables.items():
        rows.append([str(TABLE_TITLES[key])])

        def row_name(code: str, key: str = key) -> str:
            return name_of(ROW_KINDS.get(key), code)

        if table.columns == [""]:
            rows.append([str(ROW_LABELS[key]), _("Count")])
            rows += [[row_name(row), table.shown(row)] for row in table.rows]
            rows.append([_("Total"), table.shown_total()])
        else:
            columns = [name_of(COLUMN_KINDS.get(key), column) for column in table.columns]
            rows.append([str(ROW_LABELS[key]), *columns, _("Total")])
            rows += [
                [
                    row_name(row),
                    *[table.shown(row, c) for c in table.columns],
                    table.shown_row_total(row),
                ]
                for row in table.rows
            ]
            rows.append(
                [
                    _("Total"),
                    *[table.shown_column_total(c) for c in table.columns],
                    table.shown_total(),
                ]
            )
        rows.append([])
    return csv_response(rows, "aggregates.csv")


LOG_EXPORT_COLUMNS = [
    "id",
    "rev",
    "held_on",
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
    "facilitator_id",
    "voided",
    "received_at",
]


@bp.route("/export/logs.csv", methods=["GET", "POST"])
@login_required
def export_logs():
    """Session logs without notes; notes only when chosen explicitly, after a warning."""
    form = LogsExportForm()
    if request.method == "GET":
        return render_template("coordinator/export_logs.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    columns = LOG_EXPORT_COLUMNS + (["notes"] if form.include_notes.data else [])
    _form, filters = _filters()
    logs = current_logs(get_db(), filters)
    rows = [columns] + [[log.get(column) for column in columns] for log in logs]
    return csv_response(rows, "session-logs.csv")


def _period(filters: Filters, lang: str) -> str:
    """The report's period in words a reader understands: never "… – …"."""
    from ..languages import native_digits

    start, end = (native_digits(m, lang) if m else None for m in (filters.start, filters.end))
    if start and end:
        return _("%(start)s to %(end)s", start=start, end=end)
    if start:
        return _("from %(start)s", start=start)
    if end:
        return _("up to %(end)s", end=end)
    return _("All dates")


@bp.route("/export/report.pdf")
@login_required
def report_pdf():
    """The dashboard's figures as a printable report, in the coordinator's language."""
    import datetime as dt

    from ..i18n import current_lang, show_date
    from ..languages import native_digits
    from ..pdf import write_pdf

    form, filters = _filters()
    report = _report(filters)
    lang = current_lang()
    charts = _charts(report, REPORT_CHART_KEYS)
    period = _period(filters, lang)
    html = render_template(
        "pdf/report.html",
        report=report,
        charts=charts,
        period=period,
        **TABLE_CONTEXT,
        district=name_of("district", filters.district) if filters.district else "",
        printed=show_date(dt.date.today(), lang),
        size="a4",
        page_size="A4",
        digits=lambda value: native_digits(value, lang),
    )
    return Response(
        write_pdf(html),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="session-report.pdf"',
            "Cache-Control": "no-store",
        },
    )
