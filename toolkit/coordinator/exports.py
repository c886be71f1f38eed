"""Exports: the dashboard's tables as one CSV, and the session logs as a spreadsheet or as data.

Every file is UTF-8 CSV with a BOM, streamed: the logs come from a cursor, row by row, so a
million of them start downloading at once and memory stays flat.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, abort, current_app, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice

from ..db import connect
from ..reports import Filters, Report, Table, iter_logs
from . import bp
from .accounts import login_required
from .figures import (
    COLUMN_KINDS,
    ROW_KINDS,
    ROW_LABELS,
    TABLE_TITLES,
    name_of,
    report_of,
    request_filters,
)
from .spreadsheet import LOGGED_COLUMNS, SPREADSHEET_SOURCE, spreadsheet_rows, spreadsheet_safe

CSV_CHUNK_ROWS = 500
# The machine-readable logs file: stored codes, ids and JSON fields, as in session_logs.
LOG_EXPORT_COLUMNS = [
    "id",
    "rev",
    "held_on",
    *LOGGED_COLUMNS,
    "facilitator_id",
    "voided",
    "received_at",
]


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


def table_rows(key: str, table: Table) -> list[list]:
    """One dashboard table as CSV rows: its title, headings, named rows and totals, as suppressed."""

    def row_name(code: str) -> str:
        return name_of(ROW_KINDS.get(key), code)

    rows: list[list] = [[str(TABLE_TITLES[key])]]
    if table.columns == [""]:
        rows.append([str(ROW_LABELS[key]), _("Count")])
        rows += [[row_name(row), table.shown(row)] for row in table.rows]
        rows.append([_("Total"), table.shown_total()])
        return rows
    columns = [name_of(COLUMN_KINDS.get(key), column) for column in table.columns]
    rows.append([str(ROW_LABELS[key]), *columns, _("Total")])
    rows += [
        [row_name(row), *[table.shown(row, c) for c in table.columns], table.shown_row_total(row)]
        for row in table.rows
    ]
    rows.append(
        [_("Total"), *[table.shown_column_total(c) for c in table.columns], table.shown_total()]
    )
    return rows


def aggregate_rows(report: Report) -> list[list]:
    """The headline figures, then every table, each followed by an empty row."""
    rows: list[list] = [
        [_("Sessions"), report.shown_headline(report.sessions)],
        [_("Participants"), report.shown_headline(report.participants)],
        [],
    ]
    for key, table in report.tables.items():
        rows += [*table_rows(key, table), []]
    return rows


@bp.route("/export/aggregates.csv")
@login_required
def export_aggregates():
    """Every dashboard table, suppressed as on screen, in one CSV."""
    _form, filters = request_filters()
    return csv_response(aggregate_rows(report_of(filters)), "aggregates.csv")


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
    _form, filters = request_filters()
    if form.layout.data == "data":
        columns = LOG_EXPORT_COLUMNS + notes
        rows = _streamed_logs(filters, columns)
        return csv_response(_with_header(columns, rows), "session-logs-data.csv")
    rows = _streamed_logs(filters, SPREADSHEET_SOURCE + notes)
    return csv_response(spreadsheet_rows(rows, bool(notes)), "session-logs.csv", escaped=True)


def _streamed_logs(filters: Filters, columns: list[str]) -> Iterator[tuple]:
    """Logs from a connection of the stream's own: the request's closes when the view returns,
    while the download goes on (and a dropped download closes this one at once)."""
    db = connect(current_app.config["DATABASE"])
    try:
        yield from iter_logs(db, filters, columns)
    finally:
        db.conn.close()


def _with_header(header: list, rows: Iterable) -> Iterator:
    yield header
    yield from rows
