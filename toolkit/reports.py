"""Aggregates of session logs for coordinators, with small-cell suppression.

No Flask import. A cell counting fewer than `threshold` people or sessions (but more than none) is shown
as "<5": in a village, a count of 2 can point at two women. Where a total would give a hidden cell away,
a second cell is hidden too (complementary suppression). Suppressed cells never reach a chart.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
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

    def where(self) -> tuple[str, list]:
        clauses, params = ["voided = 0"], []
        if self.start:
            clauses.append("substr(held_on, 1, 7) >= ?")
            params.append(self.start)
        if self.end:
            clauses.append("substr(held_on, 1, 7) <= ?")
            params.append(self.end)
        if self.district:
            clauses.append("district = ?")
            params.append(self.district)
        return " and ".join(clauses), params


def current_logs(db: sqlite_utils.Database, filters: Filters) -> list[dict]:
    """The current revision of every log in the period, voided logs left out."""
    where, params = filters.where()
    if not db["session_logs"].exists():
        return []
    return list(db["session_logs"].rows_where(where, params, order_by="held_on"))


def _json_list(value: str | None) -> list:
    try:
        loaded = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


def _json_dict(value: str | None) -> dict:
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


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


def build_report(logs: list[dict], filters: Filters, threshold: int = DEFAULT_THRESHOLD) -> Report:
    """Aggregate logs into the tables coordinators report (the ILO practice notes' figures)."""
    per_month_sessions: Counter = Counter()
    per_month_people: Counter = Counter()
    per_district_sessions: Counter = Counter()
    per_district_people: Counter = Counter()
    per_guide: Counter = Counter()
    requested: Counter = Counter()
    referrals: Counter = Counter()
    themes_by_district: dict[tuple[str, str], int] = defaultdict(int)
    themes_by_month: dict[tuple[str, str], int] = defaultdict(int)
    for log in logs:
        month = (log.get("held_on") or "")[:7]
        people = int(log.get("participants") or 0)
        per_month_sessions[month] += 1
        per_month_people[month] += people
        per_district_sessions[log.get("district") or ""] += 1
        per_district_people[log.get("district") or ""] += people
        per_guide[log.get("guide") or ""] += 1
        for slug in _json_list(log.get("requested")):
            requested[str(slug)] += 1
        for kind, count in _json_dict(log.get("referrals")).items():
            if isinstance(count, int):
                referrals[str(kind)] += count
        for theme in set(map(str, _json_list(log.get("themes")))):
            themes_by_district[(theme, log.get("district") or "")] += 1
            themes_by_month[(theme, month)] += 1
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
        sessions=len(logs),
        participants=sum(int(log.get("participants") or 0) for log in logs),
        tables=tables,
        threshold=threshold,
    )
