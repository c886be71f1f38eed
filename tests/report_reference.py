"""The reports' aggregation as it was before SQL (0.1): every log loaded into Python and counted.

Kept as the reference that `toolkit.reports.build_report` (SQL over the rollup) must equal cell by
cell (tests/test_reports.py). It is not used by the toolkit.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import sqlite_utils

from toolkit.reports import DEFAULT_THRESHOLD, Filters, Report, _one_column, _two_columns


def current_logs(db: sqlite_utils.Database, filters: Filters) -> list[dict]:
    """The current revision of every log in the period, voided logs left out."""
    clauses, params = ["voided = 0"], []
    if filters.start:
        clauses.append("substr(held_on, 1, 7) >= ?")
        params.append(filters.start)
    if filters.end:
        clauses.append("substr(held_on, 1, 7) <= ?")
        params.append(filters.end)
    if filters.district:
        clauses.append("district = ?")
        params.append(filters.district)
    return list(db["session_logs"].rows_where(" and ".join(clauses), params, order_by="held_on"))


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


def reference_report(
    logs: list[dict], filters: Filters, threshold: int = DEFAULT_THRESHOLD
) -> Report:
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
