"""SQLite, with write transactions queued on a file lock rather than on SQLite's busy handler.

SQLite lets one connection write at a time. One that finds the database locked sleeps and
tries again, by steps that grow to 100 ms (its busy handler). Under steady writes from several
processes (web workers, the task worker, the mail receiver), waiters slept on past the moment
the lock was free, and the writes went slower than the lock allowed.

Here each write transaction (Carefront begins them all IMMEDIATE) first takes an exclusive
`flock` on a file beside the database, `<name>.writer-lock`, polled at sub-millisecond steps:
a waiter starts within a fraction of a millisecond of the holder's commit or rollback. After
`WRITER_LOCK_WAIT` seconds it stops waiting for the file and leaves the rest to SQLite's own
timeout, so a connection that holds a transaction open for long fails others as before, never
hangs them. Writes outside a transaction, and other programs, go straight to SQLite as before.

Checkpoints (copying the write-ahead log back into the database file, with an fsync) are moved
off the commit: SQLite runs them inside the COMMIT of whichever transaction crosses 1,000 pages
of log, and that writer (and everyone queued behind its lock) waited for the copy. A daemon
thread per process and database runs a PASSIVE checkpoint (it waits for nobody) every
`CHECKPOINT_SECONDS`; SQLite's automatic checkpoint stays as a backstop at
`BACKSTOP_CHECKPOINT_PAGES`, for a process that writes much for long without that thread.
"""

import fcntl
import logging
import sqlite3
import threading
import time

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

WRITER_LOCK_WAIT = 10.0  # seconds; the busy_timeout PRAGMA then applies
_FIRST_POLL, _LONGEST_POLL = 0.00005, 0.001
CHECKPOINT_SECONDS = 0.5
BACKSTOP_CHECKPOINT_PAGES = 20_000  # about 80 MB of log

_checkpointers: dict[str, threading.Thread] = {}
_checkpointers_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock_file = None
        self._writer_lock_held = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
            _checkpointer_ensure(str(self.settings_dict["NAME"]))
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        self._writer_lock_take()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_lock_release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._writer_lock_release()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._writer_lock_release()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._writer_lock_release()
            if self._writer_lock_file is not None:
                self._writer_lock_file.close()
                self._writer_lock_file = None

    def _writer_lock_take(self) -> None:
        if self.is_in_memory_db():
            return
        if self._writer_lock_file is None:
            self._writer_lock_file = open(f"{self.settings_dict['NAME']}.writer-lock", "ab")  # noqa: SIM115 - held with the connection
        fd = self._writer_lock_file.fileno()
        deadline = time.monotonic() + WRITER_LOCK_WAIT
        poll = _FIRST_POLL
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's busy timeout decides from here
                time.sleep(poll)
                poll = min(poll * 2, _LONGEST_POLL)
            else:
                self._writer_lock_held = True
                return

    def _writer_lock_release(self) -> None:
        if self._writer_lock_held:
            self._writer_lock_held = False
            fcntl.flock(self._writer_lock_file.fileno(), fcntl.LOCK_UN)


def _checkpointer_ensure(path: str) -> None:
    """One checkpoint thread per database file in this process, started with its first use."""
    with _checkpointers_lock:
        thread = _checkpointers.get(path)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(
            target=_checkpoint_forever, args=(path,), name="sqlite-checkpoint", daemon=True
        )
        _checkpointers[path] = thread
        thread.start()


def _checkpoint_forever(path: str) -> None:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        while True:
            time.sleep(CHECKPOINT_SECONDS)
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # busy or gone: try again next time
                logger.debug("Checkpoint of %s skipped: %s", path, exc)
    finally:  # pragma: no cover - a daemon thread ends with its process
        connection.close()
