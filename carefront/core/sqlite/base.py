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
"""

import fcntl
import time

from django.db.backends.sqlite3 import base

WRITER_LOCK_WAIT = 10.0  # seconds; the busy_timeout PRAGMA then applies
_FIRST_POLL, _LONGEST_POLL = 0.00005, 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock_file = None
        self._writer_lock_held = False

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
