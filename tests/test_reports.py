"""Small-cell suppression and the aggregates coordinators see."""

from __future__ import annotations

import json

from toolkit.reports import Filters, Table, build_report, suppress


def one_column(counts: dict[str, int]) -> Table:
    return suppress(Table("t", "r", list(counts), [""], {(k, ""): v for k, v in counts.items()}))


def test_small_cells_are_hidden_and_the_total_cannot_reveal_them():
    table = one_column({"Sialkot": 12, "Okara": 3, "Mardan": 9})
    assert table.shown("Okara") == "<5"
    # With the total shown, 24 - 12 - 9 would give Okara away: the next smallest is hidden too.
    assert table.shown("Mardan") == "<5"
    assert table.shown("Sialkot") == "12"
    assert table.shown_total() == "24"
    assert [value for _, value in table.chart_values()] == [12, None, None]


def test_zero_and_large_cells_stay_visible():
    table = one_column({"a": 0, "b": 5, "c": 40})
    assert (table.shown("a"), table.shown("b"), table.shown("c")) == ("0", "5", "40")


def test_two_way_table_hides_complementary_cells_in_rows_and_columns():
    counts = {
        ("wages", "Okara"): 2,
        ("wages", "Sialkot"): 10,
        ("rest-day", "Okara"): 7,
        ("rest-day", "Sialkot"): 8,
    }
    table = suppress(Table("t", "r", ["wages", "rest-day"], ["Okara", "Sialkot"], counts))
    hidden = {cell for cell in counts if table.shown(*cell) == "<5"}
    assert ("wages", "Okara") in hidden
    # No row or column may have exactly one hidden cell: its total would reveal it.
    for row in table.rows:
        assert sum((row, c) in hidden for c in table.columns) != 1
    for column in table.columns:
        assert sum((r, column) in hidden for r in table.rows) != 1


def test_a_small_total_is_hidden():
    table = one_column({"a": 1, "b": 2})
    assert table.shown_total() == "<5"


def log(**fields) -> dict:
    base = {
        "held_on": "2026-10-05",
        "district": "Sialkot",
        "guide": "ng-agent",
        "participants": 10,
        "themes": json.dumps(["wages"]),
        "requested": json.dumps(["ng-employer"]),
        "referrals": json.dumps({"legal-aid": 1}),
    }
    return {**base, **fields}


def test_report_counts_sessions_people_themes_requests_and_referrals():
    logs = [log() for _ in range(6)] + [log(district="Okara", participants=7)]
    logs += [log(district="Mardan") for _ in range(5)]
    report = build_report(logs, Filters())
    assert report.sessions == 12 and report.participants == 117
    by_district = report.tables["sessions_by_district"]
    assert by_district.shown("Okara") == "<5"
    # Mardan (5) is hidden as well, or 12 - 6 would reveal Okara's single session.
    assert (by_district.shown("Mardan"), by_district.shown("Sialkot")) == ("<5", "6")
    assert report.tables["themes_by_district"].shown("wages", "Sialkot") == "6"
    assert report.tables["requested"].shown("ng-employer") == "12"
    assert report.tables["referrals"].shown("legal-aid") == "12"
    assert report.tables["sessions_by_month"].shown("2026-10") == "12"
