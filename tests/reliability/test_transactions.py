"""One write transaction helper (db.py `immediate`): all of a block commits, or none of it.

Every multi-statement write of the toolkit (a sync batch, an enrolment, a hub's people, a push's
acknowledgement, an audio approval) goes through it, so these properties hold for all of them.
"""

from __future__ import annotations

import sqlite3

import pytest

from toolkit.db import connect, immediate


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "transactions.sqlite")
    db = connect(path)
    db.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER "
        "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    db.conn.close()
    return path


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_a_block_that_fails_halfway_leaves_nothing_written(database):
    db = connect(database)
    with pytest.raises(RuntimeError), immediate(db.conn) as conn:
        conn.execute("INSERT INTO parents (id) VALUES (1)")
        raise RuntimeError("the second statement never comes")
    assert not db.conn.in_transaction and count(db.conn, "parents") == 0
    with immediate(db.conn) as conn:
        conn.execute("INSERT INTO parents (id) VALUES (1)")
        conn.execute("INSERT INTO children (id, parent) VALUES (1, 1)")
    other = connect(database)  # committed: another connection sees both rows
    assert (count(other.conn, "parents"), count(other.conn, "children")) == (1, 1)


def test_the_write_lock_is_taken_at_the_start_not_at_the_first_write(database):
    """A deferred transaction that reads, then writes, fails under concurrency whatever the busy
    timeout ("database is locked"); an immediate one holds the lock from BEGIN, so others wait."""
    first, second = connect(database), sqlite3.connect(database, timeout=0, isolation_level=None)
    with immediate(first.conn) as conn:
        count(conn, "parents")  # only a read so far
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            second.execute("BEGIN IMMEDIATE")
    second.execute("BEGIN IMMEDIATE")  # free again once the block has committed
    second.execute("ROLLBACK")


def test_a_commit_that_fails_is_rolled_back_and_the_connection_stays_usable(database):
    db = connect(database)
    with pytest.raises(sqlite3.IntegrityError), immediate(db.conn) as conn:
        conn.execute("INSERT INTO children (id, parent) VALUES (1, 99)")  # no parent 99: at COMMIT
    assert not db.conn.in_transaction and count(db.conn, "children") == 0
    with immediate(db.conn) as conn:  # a transaction left open would make this BEGIN fail
        conn.execute("INSERT INTO parents (id) VALUES (99)")
    assert count(db.conn, "parents") == 1
