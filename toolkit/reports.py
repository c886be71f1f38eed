"""Aggregates of session logs for coordinators, with small-cell suppression.

No Flask import. A cell counting fewer than `threshold` people or sessions (but more than none) is shown
as "<5": in a village, a count of 2 can point at two women. Where a total would give a hidden cell away,
a second cell is hidden too (complementary suppression). Suppressed cells never reach a chart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlite_utils

DEFAULT_THRESHOLD = 5


@dataclass
class Table:
    """Counts by row (and column): a 1-D table has the single column ''."""

    title: str
    row_label: str
    rows: list[str]
    columns: list[str]
    counts: dict[tuple[str, str], int]
    threshold: int = DEFAULT_THRESHOLD
    hidden: set[tuple[str, str]] = field(default_factory=set)
    hidden_row_totals: set[str] = field(default_factory=set)
    hidden_column_totals: set[str] = field(default_factory=set)
    grand_total_hidden: bool = False

    def count(self, row: str, column: str = "") -> int:
        return self.counts.get((row, column), 0)

    def row_total(self, row: str) -> int:
        return sum(self.count(row, column) for column in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.count(row, column) for row in self.rows)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def shown(self, row: str, column: str = "") -> str:
        """The cell as a coordinator may see and export it."""
        return self.mask if (row, column) in self.hidden else str(self.count(row, column))

    def shown_row_total(self, row: str) -> str:
        return self.mask if row in self.hidden_row_totals else str(self.row_total(row))

    def shown_column_total(self, column: str) -> str:
        return self.mask if column in self.hidden_column_totals else str(self.column_total(column))

    def shown_total(self) -> str:
        return self.mask if self.grand_total_hidden else str(self.total)

    @property
    def mask(self) -> str:
        return f"<{self.threshold}"

    def chart_values(self, column: str = "") -> list[tuple[str, int | None]]:
        """(row, count) pairs for a chart; None where the cell is suppressed."""
        return [
            (row, None if (row, column) in self.hidden else self.count(row, column))
            for row in self.rows
        ]


def _small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def suppress(table: Table) -> Table:
    """Hide small cells, then enough others that no row or column total reveals a hidden one."""
    k = table.threshold
    table.hidden = {cell for cell, value in table.counts.items() if _small(value, k)}
    lines: list[list[tuple[str, str]]] = [[(r, c) for c in table.columns] for r in table.rows]
    if len(table.columns) > 1 or table.columns == [""]:
        lines += [[(r, c) for r in table.rows] for c in table.columns]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell in table.hidden]
            if len(hidden) != 1:
                continue
            # One hidden cell in a line whose total is shown: hide the smallest other non-zero cell.
            others = sorted(
                (table.counts.get(cell, 0), cell)
                for cell in line
                if cell not in table.hidden and table.counts.get(cell, 0) > 0
            )
            if others:
                table.hidden.add(others[0][1])
                changed = True
    table.hidden_row_totals = {r for r in table.rows if _small(table.row_total(r), k)}
    table.hidden_column_totals = {c for c in table.columns if _small(table.column_total(c), k)}
    table.grand_total_hidden = _small(table.total, k)
    return table


@dataclass
class Filters:
    """The period (inclusive months, YYYY-MM) and district a report covers."""

    start: str | None = None
    end: str | None = None
    district: str | None = None

    def rollup_where(self) -> tuple[str, list]:
        """The filter on report_rollup, whose `month` is the log's YYYY-MM (ranges on its keys)."""
        clauses, params = [], []
        if self.start:
            clauses.append("month >= ?")
            params.append(self.start)
        if self.end:
            clauses.append("month <= ?")
            params.append(self.end)
        if self.district:
            clauses.append("district = ?")
            params.append(self.district)
        return "".join(f" AND {clause}" for clause in clauses), params

    def logs_where(self, table: str = "session_logs") -> tuple[str, list]:
        """The filter on session_logs: ranges on held_on (indexed, alone and after district)."""
        clauses, params = [f"{table}.voided = 0"], []
        if self.start:
            clauses.append(f"{table}.held_on >= ?")
            params.append(self.start)
        if self.end:
            clauses.append(f"{table}.held_on < ?")
            params.append(month_after(self.end))
        if self.district:
            clauses.append(f"{table}.district = ?")
            params.append(self.district)
        return " AND ".join(clauses), params


def month_after(month: str) -> str:
    """'2026-12' -> '2027-01': held_on < month_after(end) keeps every day of the end month."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _one_column(
    title: str, row_label: str, counter: Counter, threshold: int, order: Iterable[str] | None = None
) -> Table:
    rows = list(order) if order is not None else sorted(counter)
    rows = [row for row in rows if counter.get(row, 0) > 0]
    counts = {(row, ""): counter[row] for row in rows}
    return suppress(Table(title, row_label, rows, [""], counts, threshold))


def _two_columns(
    title: str,
    row_label: str,
    counts: dict[tuple[str, str], int],
    threshold: int,
    columns: list[str],
) -> Table:
    rows = sorted({row for row, _ in counts})
    return suppress(Table(title, row_label, rows, columns, dict(counts), threshold))


@dataclass
class Report:
    """Everything the dashboard, the CSV of aggregates and the report PDF show."""

    filters: Filters
    sessions: int
    participants: int
    tables: dict[str, Table]
    threshold: int

    def shown_headline(self, value: int) -> str:
        return f"<{self.threshold}" if _small(value, self.threshold) else str(value)


def rollup_query(dimension: str, by: tuple[str, ...], filters: Filters) -> tuple[str, list]:
    """The GROUP BY that sums one dimension of report_rollup by `by`, and its parameters: a
    range of the primary key (dimension, month, district, value)."""
    where, params = filters.rollup_where()
    columns = ", ".join(by)
    sql = (
        f"SELECT {columns}, sum(n) FROM report_rollup WHERE dimension = ?{where} "
        f"GROUP BY {columns} HAVING sum(n) != 0"
    )
    return sql, [dimension, *params]


def _sums(
    db: sqlite_utils.Database, dimension: str, by: tuple[str, ...], filters: Filters
) -> Counter:
    """Sum of the rollup's counts for one dimension, grouped by `by` (columns of report_rollup)."""
    cursor = db.execute(*rollup_query(dimension, by, filters))
    if len(by) == 1:
        return Counter({key: total for key, total in cursor})
    return Counter({tuple(key): total for *key, total in cursor})


# The queries build_report runs, by dimension and grouping (tests check their query plans).
REPORT_QUERIES = (
    ("sessions", ("month",)),
    ("participants", ("month",)),
    ("sessions", ("district",)),
    ("participants", ("district",)),
    ("guide", ("value",)),
    ("theme", ("value", "district")),
    ("theme", ("value", "month")),
    ("requested", ("value",)),
    ("referral", ("value",)),
)


def build_report(
    db: sqlite_utils.Database, filters: Filters, threshold: int = DEFAULT_THRESHOLD
) -> Report:
    """The tables coordinators report (the ILO practice notes' figures), counted by SQLite.

    Each table is one GROUP BY over report_rollup (kept exact by triggers, toolkit/migrations.py),
    whatever the number of logs; Python only orders the rows and suppresses small cells.
    tests/test_reports.py checks it cell by cell against the aggregation of every log in Python.
    """
    (
        per_month_sessions,
        per_month_people,
        per_district_sessions,
        per_district_people,
        per_guide,
        themes_by_district,
        themes_by_month,
        requested,
        referrals,
    ) = (_sums(db, dimension, by, filters) for dimension, by in REPORT_QUERIES)
    months = sorted(per_month_sessions)
    districts = sorted(per_district_sessions)
    tables = {
        "sessions_by_month": _one_column(
            "Sessions per month", "Month", per_month_sessions, threshold, months
        ),
        "participants_by_month": _one_column(
            "Participants per month", "Month", per_month_people, threshold, months
        ),
        "sessions_by_district": _one_column(
            "Sessions by district", "District", per_district_sessions, threshold, districts
        ),
        "participants_by_district": _one_column(
            "Participants by district", "District", per_district_people, threshold, districts
        ),
        "sessions_by_guide": _one_column("Sessions by guide", "Guide", per_guide, threshold),
        "themes_by_district": _two_columns(
            "Themes raised, by district", "Theme", themes_by_district, threshold, districts
        ),
        "themes_by_month": _two_columns(
            "Themes raised, by month", "Theme", themes_by_month, threshold, months
        ),
        "requested": _one_column("Topics requested next", "Guide", requested, threshold),
        "referrals": _one_column("Referrals by type", "Referral", referrals, threshold),
    }
    return Report(
        filters=filters,
        sessions=sum(per_month_sessions.values()),
        participants=sum(per_month_people.values()),
        tables=tables,
        threshold=threshold,
    )


def report_districts(db: sqlite_utils.Database) -> list[str]:
    """Districts with at least one counted session, for the dashboard's district filter."""
    return [
        district
        for (district,) in db.execute(
            "SELECT district FROM report_rollup WHERE dimension = 'sessions' AND district != '' "
            "GROUP BY district HAVING sum(n) > 0 ORDER BY district"
        )
    ]


def logs_needing_attention(db: sqlite_utils.Database) -> int:
    """Logs with a conflicting copy waiting for a coordinator (a partial index counts them)."""
    return db.execute("SELECT count(*) FROM session_logs WHERE conflict = 1").fetchone()[0]


def iter_logs(
    db: sqlite_utils.Database, filters: Filters, columns: Iterable[str]
) -> Iterator[tuple]:
    """The current, non-voided logs of the period and district, by date, one row at a time
    (a cursor over an index range: memory stays flat however many logs there are, and the first
    rows come at once). Columns are session_logs columns, or `facilitator_name` (the facilitator's
    name: staff, never a participant)."""
    columns = list(columns)
    names: dict[str, str] = {}
    if "facilitator_name" in columns:
        # Thousands of facilitators, millions of logs: names once, not one lookup per log.
        names = dict(db.execute("SELECT id, name FROM facilitators").fetchall())
    where, params = filters.logs_where("logs")
    selected = ", ".join(
        "logs.facilitator_id" if name == "facilitator_name" else f"logs.{name}" for name in columns
    )
    # The held_on indexes keep equal dates in rowid order: rows come in index order, unsorted.
    cursor = db.execute(
        f"SELECT {selected} FROM session_logs AS logs WHERE {where} "
        "ORDER BY logs.held_on, logs.rowid",
        params,
    )
    try:
        if not names:
            yield from cursor
            return
        at = columns.index("facilitator_name")
        for row in cursor:
            yield (*row[:at], names.get(row[at], ""), *row[at + 1 :])
    finally:
        cursor.close()
