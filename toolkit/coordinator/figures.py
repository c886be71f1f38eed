"""The report's figures as a coordinator reads them: the filters of a request, table titles, names
for stored codes, and charts. Shared by the dashboard page, the aggregates CSV and the report PDF.

Figures come from SQL over the report rollup (toolkit/reports.py), so they are as fresh as the last
committed sync, whatever the number of logs.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional, Regexp

from ..db import get_db
from ..i18n import current_lang, show_month
from ..languages import ascii_digits
from ..library import library
from ..reports import Filters, Report, build_report
from ..vocabulary import label

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
# What the rows and columns of each table hold, so each code is named for people.
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

CHART_KEYS = (
    "sessions_by_month",
    "participants_by_month",
    "sessions_by_district",
    "sessions_by_guide",
    "requested",
    "referrals",
)
REPORT_CHART_KEYS = tuple(key for key in CHART_KEYS if key != "participants_by_month")

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class FiltersForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: filters change nothing

    start = StringField(_l("From month"), validators=[Optional(), Regexp(MONTH)])
    end = StringField(_l("To month"), validators=[Optional(), Regexp(MONTH)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=80)])


def name_of(kind: str | None, code: str) -> str:
    """What a coordinator reads for a stored code: a guide's title, a translated theme…"""
    if kind == "month":
        return show_month(code, current_lang())
    if kind == "guide":
        guide, _fallback = library().get(current_lang(), code)
        return guide.title if guide else code
    return (label(kind, code) if kind else None) or code


# What coordinator/_table.html needs to title tables and name their rows and columns.
TABLE_CONTEXT = {
    "titles": TABLE_TITLES,
    "row_labels": ROW_LABELS,
    "row_name": lambda key, code: name_of(ROW_KINDS.get(key), code),
    "column_name": lambda key, code: name_of(COLUMN_KINDS.get(key), code),
}


def request_filters() -> tuple[FiltersForm, Filters]:
    """The period and district the request asks for (none when the form is wrong)."""
    form = FiltersForm(request.args)
    if request.args and not form.validate():
        return form, Filters()
    # Months may be typed in Nepali or Urdu digits; the database stores 0-9.
    start, end = (
        ascii_digits(field.data) if field.data else None for field in (form.start, form.end)
    )
    return form, Filters(start, end, form.district.data or None)


def report_of(filters: Filters) -> Report:
    """The report of these filters, with this deployment's suppression threshold."""
    threshold = current_app.config.get("SUPPRESS_BELOW", 5)
    return build_report(get_db(), filters, threshold)


def charts(report: Report, keys) -> dict:
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
