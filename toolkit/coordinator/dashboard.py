"""The dashboard and exports: suppressed aggregates, HTML charts, CSV of figures and of logs.

Figures come from SQL over the report rollup (toolkit/reports.py), so they are as fresh as the last
committed sync, whatever the number of logs; the logs CSV streams from a cursor, row by row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp

from ..db import get_db
from ..languages import ascii_digits
from ..reports import Filters, build_report, iter_logs, logs_needing_attention, report_districts
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


MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class FiltersForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: filters change nothing

    start = StringField(_l("From month"), validators=[Optional(), Regexp(MONTH)])
    end = StringField(_l("To month"), validators=[Optional(), Regexp(MONTH)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=80)])


class LogsExportForm(FlaskForm):
    layout = RadioField(
        _l("Kind of file"),
        choices=[
            SelectChoice(
                "spreadsheet",
                _l("For a spreadsheet: in your language, with names and a column per theme"),
            ),
            SelectChoice("data", _l("Machine-readable: codes, ids and JSON fields, as stored")),
        ],
        default="spreadsheet",
    )
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
    from ..i18n import current_lang, show_month
    from ..library import library
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
    return build_report(get_db(), filters, threshold)


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
    attention = logs_needing_attention(db)
    districts = report_districts(db)
    return render_template(
        "coordinator/dashboard.html",
        form=form,
        report=report,
        charts=charts,
        attention=attention,
        districts=districts,
        **TABLE_CONTEXT,
    )


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: formula-like cells get a leading apostrophe.

    Numbers stay numbers (the csv module writes them); None is an empty cell. Called for every
    cell of a million-row export, so it does as little as it can.
    """
    if type(value) is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    return "" if value is None else str(value)


_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)


def csv_response(rows: Iterable[list], filename: str, escaped: bool = False) -> Response:
    """UTF-8 CSV with a BOM, so Excel opens Nepali and Urdu text correctly.

    Streamed: rows are written in chunks as they come (from a cursor, for the logs), so the
    download starts at once and memory stays flat however many rows there are. Every cell goes
    through `spreadsheet_safe`, unless the rows come `escaped` already (their text cells).
    """

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        for number, row in enumerate(rows, 1):
            writer.writerow(row if escaped else list(map(spreadsheet_safe, row)))
            if number % CSV_CHUNK_ROWS == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(chunks()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


CSV_CHUNK_ROWS = 500


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


# The machine-readable logs file: stored codes, ids and JSON fields, as in session_logs.
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
# What the spreadsheet file reads from session_logs (facilitator_name: the facilitators table).
SPREADSHEET_SOURCE = [
    "held_on",
    "facilitator_name",
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
    "received_at",
]


def _loaded(value: str | None, empty):
    """A stored JSON field, or `empty` when it is missing or broken."""
    try:
        loaded = json.loads(value or "null")
    except (TypeError, ValueError):
        return empty
    return loaded if isinstance(loaded, type(empty)) else empty


def _memo(function: Callable[[str | None], object], limit: int = 4096) -> Callable:
    """`function` remembered by its argument: a year of logs repeats a few thousand theme lists,
    dates and referral sets, so each is turned into cells once (bounded: memory stays flat)."""
    seen: dict = {}

    def remembered(value):
        if value not in seen:
            if len(seen) >= limit:
                seen.clear()
            seen[value] = function(value)
        return seen[value]

    return remembered


def spreadsheet_rows(rows: Iterable[tuple], include_notes: bool) -> Iterator[list]:
    """The logs as a coordinator reads them in a spreadsheet (#13): headings in her language,
    names instead of codes and ids (the facilitator is staff; participants are never recorded),
    dates a spreadsheet reads as dates, one column per theme (1 when raised) and per referral type
    (the count), the guides asked for by title. Latin digits, so the numbers stay numbers."""
    from ..i18n import bikram_sambat, current_lang
    from ..languages import LANGUAGES
    from ..library import library
    from ..logbook import DISTRICT_LABELS, REFERRAL_LABELS, THEME_LABELS, VENUE_LABELS
    from ..vocabulary import REFERRAL_TYPES, THEMES, vocabulary_from

    lang = current_lang()
    config = current_app.config
    themes = list(dict.fromkeys([*THEMES, *vocabulary_from(config, "THEMES", ())]))
    referral_types = list(
        dict.fromkeys([*REFERRAL_TYPES, *vocabulary_from(config, "REFERRAL_TYPES", ())])
    )
    guides = library()
    titles = {}
    for slug in guides.slugs():
        guide, _fallback = guides.get(lang, slug)
        titles[slug] = guide.title if guide else slug
    districts = {code: str(label) for code, label in DISTRICT_LABELS.items()}
    venues = {code: str(label) for code, label in VENUE_LABELS.items()}
    languages = {code: language.native_name for code, language in LANGUAGES.items()}

    header = [_("Date")]
    if LANGUAGES[lang].calendar == "bs":
        header.append(_("Date (Bikram Sambat)"))
    header += [
        _("Facilitator"),
        _("Guide"),
        _("Language of the session"),
        _("District"),
        _("Place"),
        _("Minutes"),
        _("Participants"),
        _("Returnees"),
        _("Steps done"),
        *[_("Theme: %(name)s", name=THEME_LABELS.get(code, code)) for code in themes],
        *[
            _("Referrals: %(name)s", name=REFERRAL_LABELS.get(code, code))
            for code in referral_types
        ],
        _("Topics requested next"),
        _("Jobs, fees and conditions reported"),
        _("Received (UTC)"),
    ]
    if include_notes:
        header.append(_("Notes"))

    def theme_cells(value):
        raised = set(map(str, _loaded(value, [])))
        return [1 if code in raised else "" for code in themes]

    def referral_cells(value):
        counts = _loaded(value, {})
        return [counts.get(code, "") for code in referral_types]

    def requested_titles(value):
        return "; ".join(titles.get(str(slug), str(slug)) for slug in _loaded(value, []))

    def bs_date(value):
        import datetime as dt

        try:
            return bikram_sambat(dt.date.fromisoformat(value or ""))
        except ValueError:
            return ""

    themes_of, referrals_of = _memo(theme_cells), _memo(referral_cells)
    requested_of, bs_of = _memo(requested_titles), _memo(bs_date)
    steps_of = _memo(lambda value: len(_loaded(value, [])))
    safe = spreadsheet_safe  # text cells only: counts, 1s and dates need no escaping
    yield list(map(safe, header))
    for row in rows:
        (held_on, facilitator, guide, session_lang, district, venue, minutes, participants,
         returnees, steps, themes_json, requested_json, referrals_json, market_info, received,
         *notes) = row  # fmt: skip
        cells = [safe(held_on)]
        if LANGUAGES[lang].calendar == "bs":
            cells.append(bs_of(held_on))
        cells += [
            safe(facilitator),
            safe(titles.get(guide, guide)),
            safe(languages.get(session_lang, session_lang)),
            safe(districts.get(district, district)),
            safe(venues.get(venue, venue)),
            minutes,
            participants,
            returnees,
            steps_of(steps),
            *themes_of(themes_json),
            *referrals_of(referrals_json),
            safe(requested_of(requested_json)),
            safe(market_info),
            (received or "").replace("T", " ").rstrip("Z"),
            *map(safe, notes),
        ]
        yield cells


@bp.route("/export/logs.csv", methods=["GET", "POST"])
@login_required
def export_logs():
    """Session logs without notes; notes only when chosen explicitly, after a warning.

    Two kinds: for a spreadsheet (readable, in the coordinator's language) or machine-readable
    (codes and JSON as stored). Both stream from one cursor: a million rows start at once.
    """
    form = LogsExportForm()
    if request.method == "GET":
        return render_template("coordinator/export_logs.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    notes = ["notes"] if form.include_notes.data else []
    _form, filters = _filters()
    if form.layout.data == "data":
        columns = LOG_EXPORT_COLUMNS + notes
        rows = _streamed_logs(filters, columns)
        return csv_response(_with_header(columns, rows), "session-logs-data.csv")
    rows = _streamed_logs(filters, SPREADSHEET_SOURCE + notes)
    return csv_response(spreadsheet_rows(rows, bool(notes)), "session-logs.csv", escaped=True)


def _streamed_logs(filters: Filters, columns: list[str]) -> Iterator[tuple]:
    """Logs from a connection of the stream's own: the request's closes when the view returns,
    while the download goes on (and a dropped download closes this one at once)."""
    from ..db import connect

    db = connect(current_app.config["DATABASE"])
    try:
        yield from iter_logs(db, filters, columns)
    finally:
        db.conn.close()


def _with_header(header: list, rows: Iterable) -> Iterator:
    yield header
    yield from rows


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
