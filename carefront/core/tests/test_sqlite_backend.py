"""The SQLite backend queues write transactions on a file lock beside the database."""

import threading
import time

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from carefront.core.sqlite import base as sqlite_base
from config.settings.base import database_from_url

# Connections of their own, to a file of their own; the mark only lets them open.
pytestmark = pytest.mark.django_db


@pytest.fixture
def databases(tmp_path):
    """Connections to a fresh SQLite file, made as Carefront makes them (one per thread)."""

    def make(**options) -> ConnectionHandler:
        settings = database_from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
        settings["OPTIONS"] = {**settings["OPTIONS"], **options}
        return ConnectionHandler({"default": settings})

    handlers = []

    def connect(**options):
        handler = make(**options)
        handlers.append(handler)
        connection = handler["default"]
        connection.ensure_connection()
        return connection

    first = connect()
    first.cursor().execute("CREATE TABLE t (n INTEGER)")
    yield connect
    for handler in handlers:
        handler.close_all()


def _begin(connection) -> None:
    connection._start_transaction_under_autocommit()  # what atomic() runs: BEGIN IMMEDIATE


def test_a_writer_waits_for_the_file_lock_and_starts_when_it_is_released(databases):
    holder = databases()
    _begin(holder)
    holder.cursor().execute("INSERT INTO t VALUES (1)")
    assert holder._writer_lock_held

    started = {}

    def second_writer() -> None:
        waiter = databases()
        _begin(waiter)
        started["at"] = time.monotonic()
        started["held"] = waiter._writer_lock_held
        waiter.cursor().execute("INSERT INTO t VALUES (2)")
        waiter.commit()
        started["released"] = not waiter._writer_lock_held
        waiter.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.2)
    assert "at" not in started  # still waiting for the holder
    committed_at = time.monotonic()
    holder.commit()
    assert not holder._writer_lock_held
    thread.join(10)
    assert started["held"] and started["released"]
    # It went as soon as the lock was free, not after one of SQLite's sleeps (up to 100 ms).
    assert committed_at <= started["at"] < committed_at + 0.05
    assert [row[0] for row in holder.cursor().execute("SELECT n FROM t ORDER BY n")] == [1, 2]


def test_rollback_and_close_release_the_lock(databases):
    connection = databases()
    _begin(connection)
    connection.rollback()
    assert not connection._writer_lock_held
    _begin(connection)
    connection.close()
    other = databases()
    _begin(other)  # would wait WRITER_LOCK_WAIT seconds if the closed one still held it
    assert other._writer_lock_held
    other.rollback()


def test_past_the_wait_sqlite_timeout_decides_and_nothing_hangs(databases, monkeypatch):
    monkeypatch.setattr(sqlite_base, "WRITER_LOCK_WAIT", 0.05)
    holder = databases()
    _begin(holder)
    waiter = databases(init_command="PRAGMA journal_mode=WAL; PRAGMA busy_timeout=50;")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        _begin(waiter)
    assert time.monotonic() - started < 5
    assert not waiter._writer_lock_held
    holder.commit()
    _begin(waiter)
    assert waiter._writer_lock_held
    waiter.rollback()


def test_the_log_is_checkpointed_in_the_background_not_in_commits(databases, tmp_path):
    connection = databases()
    main_file = tmp_path / "db.sqlite3"
    size_before = main_file.stat().st_size
    _begin(connection)
    connection.cursor().executemany(
        "INSERT INTO t VALUES (?)", [(n,) for n in range(50_000)]
    )  # about 500 pages: below the backstop, so only the thread copies them back
    connection.commit()
    assert connection.cursor().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == (
        sqlite_base.BACKSTOP_CHECKPOINT_PAGES
    )
    # Wait for the whole copy, not its first page: the thread may be seen half-way through.
    # (Generous: on a loaded machine the thread's turns come late.)
    deadline = time.monotonic() + 30
    while main_file.stat().st_size <= size_before + 100_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert main_file.stat().st_size > size_before + 100_000
