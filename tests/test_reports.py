"""Small-cell suppression and the aggregates coordinators see, counted by SQL over the rollup.

The SQL report must equal the old Python aggregation of every log (tests/report_reference.py) cell by
cell, before and after suppression, whatever the history of the logs: revisions, voids, conflicts,
stale copies, odd district names, empty and broken JSON fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.report_reference import current_logs, reference_report
from toolkit.db import connect
from toolkit.migrations import migrate, rebuild_rollup
from toolkit.reports import (
    REPORT_QUERIES,
    Filters,
    Table,
    build_report,
    iter_logs,
    logs_needing_attention,
    report_districts,
    rollup_query,
    suppress,
)
from toolkit.sync.ingest import Sender, ingest
from toolkit.sync.rules import SyncRules


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


def new_db():
    db = connect(":memory:")
    migrate(db)
    return db


def insert_log(db, **fields) -> None:
    """A row written straight into session_logs (as a test or a repair would): triggers count it."""
    base = {
        "id": str(uuid.uuid4()),
        "rev": 1,
        "held_on": "2026-10-05",
        "district": "Sialkot",
        "guide": "ng-agent",
        "participants": 10,
        "themes": json.dumps(["wages"]),
        "requested": json.dumps(["ng-employer"]),
        "referrals": json.dumps({"legal-aid": 1}),
        "voided": 0,
        "conflict": 0,
    }
    row = {**base, **fields}
    row["seq"] = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM session_logs").fetchone()[0]
    db["session_logs"].insert(row)


def test_report_counts_sessions_people_themes_requests_and_referrals():
    db = new_db()
    for _ in range(6):
        insert_log(db)
    insert_log(db, district="Okara", participants=7)
    for _ in range(5):
        insert_log(db, district="Mardan")
    report = build_report(db, Filters())
    assert report.sessions == 12 and report.participants == 117
    by_district = report.tables["sessions_by_district"]
    assert by_district.shown("Okara") == "<5"
    # Mardan (5) is hidden as well, or 12 - 6 would reveal Okara's single session.
    assert (by_district.shown("Mardan"), by_district.shown("Sialkot")) == ("<5", "6")
    assert report.tables["themes_by_district"].shown("wages", "Sialkot") == "6"
    assert report.tables["requested"].shown("ng-employer") == "12"
    assert report.tables["referrals"].shown("legal-aid") == "12"
    assert report.tables["sessions_by_month"].shown("2026-10") == "12"


def test_period_filter_keeps_every_day_of_the_end_month_and_nothing_after():
    db = new_db()
    for held_on in ("2026-08-31", "2026-09-01", "2026-10-31", "2026-11-01", "2026-12-31"):
        for _ in range(5):
            insert_log(db, held_on=held_on)
    report = build_report(db, Filters("2026-09", "2026-10"))
    assert report.sessions == 10
    assert report.tables["sessions_by_month"].rows == ["2026-09", "2026-10"]
    december = build_report(db, Filters("2026-12", "2026-12"))
    assert december.sessions == 5  # the month after December is next January
    rows = list(iter_logs(db, Filters("2026-09", "2026-10"), ["held_on"]))
    assert rows == [("2026-09-01",)] * 5 + [("2026-10-31",)] * 5


def test_edits_voids_deletes_and_replaces_keep_the_figures_exact():
    db = new_db()
    insert_log(db, id="a", participants=10)
    insert_log(db, id="b", participants=20, district="Okara")
    db.execute("UPDATE session_logs SET participants = 12, themes = '[]' WHERE id = 'a'")
    db.execute("UPDATE session_logs SET voided = 1 WHERE id = 'b'")
    db.execute("UPDATE session_logs SET notes = 'x', conflict = 1 WHERE id = 'a'")  # not counted
    row = dict(db["session_logs"].get("a"))
    db.execute(  # REPLACE deletes the old row: the connection's recursive_triggers counts it
        f"INSERT OR REPLACE INTO session_logs ({','.join(row)}) VALUES ({','.join('?' * len(row))})",
        [*{**row, "participants": 15, "seq": 99}.values()],
    )
    insert_log(db, id="c", held_on="2026-11-02")
    db.execute("DELETE FROM session_logs WHERE id = 'c'")
    report = build_report(db, Filters())
    assert (report.sessions, report.participants) == (1, 15)
    assert report.tables["themes_by_district"].rows == []
    assert report_districts(db) == ["Sialkot"]
    assert logs_needing_attention(db) == 1
    assert_same_report(db, Filters(), 1)


def test_the_migration_counts_logs_stored_before_it_and_a_rebuild_agrees():
    from toolkit.migrations import migrations

    db = connect(":memory:")
    migrations.apply(db, stop_before="m007_report_rollup")
    for number in range(30):
        insert_log(db, participants=number, themes=json.dumps(["wages", "stigma"][: number % 3]))
    insert_log(db, themes="not json", requested='{"a": 1}', referrals="[1]", district=None)
    insert_log(db, voided=1)
    migrate(db)
    assert_same_report(db, Filters(), 5)
    kept = sorted(db.execute("SELECT * FROM report_rollup WHERE n != 0").fetchall())
    rebuild_rollup(db)
    assert sorted(db.execute("SELECT * FROM report_rollup").fetchall()) == kept


# --- SQL equals the reference, cell by cell ---------------------------------------------------

GUIDES = ("ng-agent", "ng-employer", "ko-recruitment")
THEMES = ("wages", "rest-day", "stigma", "contract")
REFERRALS = ("legal-aid", "health", "other")
# Names a deployment's config may bring: scripts, markup, commas, a formula, blank space.
DISTRICTS = ("Sialkot", "ओकारा", "سیالکوٹ", "<b>Okara</b>", "a, b", "=SUM(A1)", " ", "Zhob")
RULES = SyncRules(
    steps={guide: frozenset({"s1", "s2"}) for guide in GUIDES},
    guides=frozenset(GUIDES),
    languages=frozenset({"ne", "en", "ur"}),
    themes=frozenset(THEMES),
    venue_types=frozenset({"home"}),
    referral_types=frozenset(REFERRALS),
    districts={"NP": frozenset(DISTRICTS)},
)
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
LOG_IDS = [str(uuid.UUID(int=n)) for n in range(1, 5)]
SENDERS = [Sender("d1", "f1", "NP"), Sender("d2", "f2", "NP")]
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]


def distinct(values) -> st.SearchStrategy:
    return st.lists(st.sampled_from(values), unique=True, max_size=len(values))


records = st.fixed_dictionaries(
    {
        "id": st.sampled_from(LOG_IDS),
        "rev": st.integers(1, 3),
        "guide": st.sampled_from(GUIDES),
        "lang": st.sampled_from(["ne", "en", "ur"]),
        "held_on": st.dates(dt.date(2026, 1, 1), dt.date(2026, 5, 31)).map(str),
        "minutes": st.just(60),
        "district": st.sampled_from(DISTRICTS),
        "venue_type": st.just("home"),
        "participants": st.sampled_from([0, 1, 2, 4, 7, 12]),
        "themes": distinct(THEMES),
        "requested": distinct(GUIDES),
        "referrals": st.dictionaries(st.sampled_from(REFERRALS), st.integers(0, 4), max_size=3),
        "voided": st.sampled_from([False, False, False, True]),
    }
)
batches = st.lists(
    st.tuples(st.sampled_from(range(len(SENDERS))), st.lists(records, min_size=1, max_size=6)),
    min_size=1,
    max_size=8,
)
# Writes that bypass ingest (a repair, an import tool): the triggers must count them too.
direct_edits = st.lists(
    st.tuples(
        st.sampled_from(LOG_IDS),
        st.sampled_from(
            [
                ("district", "Zhob"),
                ("district", None),
                ("held_on", "2026-02-10"),
                ("themes", '["stigma","stigma"]'),
                ("themes", "broken{"),
                ("referrals", '{"health":2}'),
                ("requested", '{"not": "a list"}'),
                ("voided", 1),
                ("voided", 0),
                ("participants", 9),
            ]
        ),
    ),
    max_size=4,
)
filters = st.builds(
    Filters,
    st.none() | st.sampled_from(MONTHS),
    st.none() | st.sampled_from(MONTHS),
    st.none() | st.sampled_from(DISTRICTS),
)


def unsuppressed(table: Table) -> dict:
    """The table's cells before suppression."""
    return {"rows": table.rows, "columns": table.columns, "counts": dict(table.counts)}


def assert_same_report(db, chosen: Filters, threshold: int) -> None:
    expected = reference_report(current_logs(db, chosen), chosen, threshold)
    actual = build_report(db, chosen, threshold)
    assert (actual.sessions, actual.participants) == (expected.sessions, expected.participants)
    assert list(actual.tables) == list(expected.tables)
    for key, table in expected.tables.items():
        got = actual.tables[key]
        assert unsuppressed(got) == unsuppressed(table), key  # before suppression
        assert dataclasses.asdict(got) == dataclasses.asdict(table), key  # and after
        for row in table.rows:
            for column in table.columns:
                assert got.shown(row, column) == table.shown(row, column), (key, row, column)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=batches,
    edits=direct_edits,
    chosen=st.lists(filters, min_size=1, max_size=3),
    threshold=st.integers(2, 6),
)
def test_sql_report_equals_the_python_reference_cell_by_cell(batches, edits, chosen, threshold):
    db = new_db()
    for sender, batch in batches:
        ingest(db, batch, SENDERS[sender], RULES, now=NOW)
    for log_id, (column, value) in edits:
        db.execute(f"UPDATE session_logs SET {column} = ? WHERE id = ?", [value, log_id])
    for extra in chosen:
        assert_same_report(db, extra, threshold)
    assert_same_report(db, Filters(), threshold)


# --- the queries use their indexes ------------------------------------------------------------


def plan(db, sql: str, params: list) -> str:
    return " / ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize(
    "chosen, keys",
    [
        (Filters(), "(dimension=?)"),
        (Filters("2026-01", "2026-12"), "(dimension=? AND month>? AND month<?)"),
        (Filters(district="Okara"), "(dimension=?)"),
        (Filters("2026-01", "2026-12", "Okara"), "(dimension=? AND month>? AND month<?)"),
    ],
)
def test_every_report_query_searches_the_rollup_by_its_keys(chosen, keys):
    db = new_db()
    for dimension, by in REPORT_QUERIES:
        shown = plan(db, *rollup_query(dimension, by, chosen))
        # Never a SCAN of the rollup: a range of its primary key (dimension, month, …).
        assert shown.startswith(f"SEARCH report_rollup USING PRIMARY KEY {keys}"), shown


@pytest.mark.parametrize(
    "chosen, index",
    [
        (Filters("2026-01", "2026-12"), "idx_session_logs_held_on (held_on>? AND held_on<?)"),
        (Filters(district="Okara"), "idx_session_logs_district_held_on (district=?)"),
        (
            Filters("2026-01", "2026-12", "Okara"),
            "idx_session_logs_district_held_on (district=? AND held_on>? AND held_on<?)",
        ),
    ],
)
def test_the_logs_export_reads_a_range_of_an_index_in_date_order(chosen, index):
    db = new_db()
    where, params = chosen.logs_where("logs")
    sql = (
        f"SELECT logs.id FROM session_logs AS logs WHERE {where} ORDER BY logs.held_on, logs.rowid"
    )
    shown = plan(db, sql, params)
    assert f"SEARCH logs USING INDEX {index}" in shown, shown
    # Rows come in index order: no sort before the first row is sent.
    assert "TEMP B-TREE" not in shown, shown


def test_the_attention_count_reads_only_the_flagged_logs():
    db = new_db()
    shown = plan(db, "SELECT count(*) FROM session_logs WHERE conflict = 1", [])
    assert "idx_session_logs_conflict" in shown, shown


# --- the logs CSV a coordinator opens in a spreadsheet (#13) ----------------------------------


def test_logs_csv_for_a_spreadsheet_has_names_dates_and_columns_in_her_language(app, client):
    import csv
    import io

    from tests.helpers import add_coordinator, add_log, login
    from toolkit.enrolment import create_facilitator

    add_coordinator(app, lang="ne")
    db = connect(app.config["DATABASE"])
    meena = create_facilitator(db, "Meena Tamang", "NP")["id"]
    db.conn.close()
    add_log(
        app.config["DATABASE"],
        facilitator_id=meena,
        district="Okara",
        themes=json.dumps(["wages", "rest-day"]),
        referrals=json.dumps({"legal-aid": 2}),
        received_at="2026-10-06T09:30:00Z",
        notes="call her at 98...",
    )
    login(client)
    response = client.post("/coordinator/export/logs.csv", data={"layout": "spreadsheet"})
    assert response.is_streamed and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    cells = dict(zip(header, row, strict=True))
    assert cells["मिति"] == "2026-10-05"  # a date a spreadsheet reads as a date
    assert cells["मिति (विक्रम संवत्)"].endswith("वि.सं.")
    assert cells["सहजकर्ता"] == "Meena Tamang" and meena not in text  # a name, not an id
    assert cells["जिल्ला"] == "ओकारा"
    assert cells["विषय: तलब"] == "1" and cells["प्रेषण: कानुनी सहायता"] == "2"
    assert "[" not in text and "{" not in text  # no JSON
    assert cells["प्राप्त भएको (UTC)"] == "2026-10-06 09:30:00"
    assert "call her" not in text  # notes only when chosen

    machine = client.post("/coordinator/export/logs.csv", data={"layout": "data"})
    rows = list(csv.reader(io.StringIO(machine.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "rev", "held_on"]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["facilitator_id"] == meena and json.loads(record["themes"]) == [
        "wages",
        "rest-day",
    ]


def test_logs_csv_streams_in_chunks_and_leaves_voided_logs_out(app, client):
    from tests.helpers import add_coordinator, login
    from toolkit.coordinator.exports import CSV_CHUNK_ROWS

    add_coordinator(app)
    db = connect(app.config["DATABASE"])
    for number in range(CSV_CHUNK_ROWS * 2 + 10):
        insert_log(db, held_on=f"2026-{number % 12 + 1:02d}-01", voided=int(number == 0))
    db.conn.close()
    login(client)
    response = client.post("/coordinator/export/logs.csv?start=2026-01&end=2026-12")
    chunks = list(response.response)
    assert len(chunks) >= 3  # written as it is read, not built whole first
    assert b"".join(chunks).count(b"\n") == 1 + CSV_CHUNK_ROWS * 2 + 9
