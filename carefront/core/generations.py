"""Generation numbers for cached reads: an entry's key holds a number that moves on whenever
the rows behind it change, so a change shows at once and nothing needs to be deleted (stale
entries age out of the cache).

The number must be the same in every process. With a shared cache (Redis) it lives there. With
the in-memory cache each process has its own, so the number lives in the modification time of a
small file instead (`CAREFRONT_GENERATIONS_DIR`), which every process on the machine sees at the
cost of one `stat()`: a token revoked through one web process stops working in the others at
once.

Move a generation on from model signals (`generation.changed` is a receiver), so edits made in
the Django admin count too. It moves at once (the writer's next read sees its change) and again
after commit (a reader that rebuilt an entry from the database between the two saw the old
rows; its entry is left behind).
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import CheckMessage, Error
from django.db import transaction


class Generation:
    def __init__(self, name: str) -> None:
        self.name = name

    def key(self, *parts: object) -> str:
        """A cache key for an entry under the current generation."""
        return ":".join([self.name, str(self.current()), *map(str, parts)])

    def current(self) -> int:
        if _process_local_cache():
            path = self._path()
            try:
                return path.stat().st_mtime_ns
            except FileNotFoundError:
                self.bump()
                return path.stat().st_mtime_ns
        generation = cache.get(self._cache_key())
        if generation is None:
            # A fresh cache: start from the clock so a number from before a restart never returns.
            cache.add(self._cache_key(), time.time_ns(), timeout=None)
            generation = cache.get(self._cache_key())
        return generation

    def bump(self) -> None:
        if _process_local_cache():
            path = self._path()
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                before = path.stat().st_mtime_ns
            except FileNotFoundError:
                path.touch()
                before = 0
            # Explicit, and always forward: file times set by the kernel are coarser than this.
            now = max(time.time_ns(), before + 1)
            os.utime(path, ns=(now, now))
            return
        try:
            cache.incr(self._cache_key())
        except ValueError:  # not in the cache (evicted, or a fresh one)
            cache.set(self._cache_key(), time.time_ns(), timeout=None)

    def changed(self, **kwargs) -> None:
        """A signal receiver: the rows behind this generation changed."""
        self.bump()
        self.bump_after_commit()

    def bump_after_commit(self) -> None:
        """Move on when the current transaction commits: once, however many rows it changed (a
        batch of 200 new conversations registers one hook, not 200)."""
        connection = transaction.get_connection()
        if not connection.in_atomic_block:
            self.bump()
            return
        hooks = connection.__dict__.setdefault("_carefront_generation_hooks", {})
        # Django starts a new list when a transaction ends or a savepoint rolls back: while the
        # list is the same, this transaction's hook is still in it.
        if hooks.get(self.name) is connection.run_on_commit:
            return
        transaction.on_commit(self.bump, robust=True)
        hooks[self.name] = connection.run_on_commit

    def _cache_key(self) -> str:
        return f"generation:{self.name}"

    def _path(self) -> Path:
        return Path(settings.CAREFRONT_GENERATIONS_DIR) / self.name


def _process_local_cache() -> bool:
    """The default cache lives in this process's memory: other processes do not see it."""
    return isinstance(caches["default"], (LocMemCache, DummyCache))


def check_generations_dir(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Without a shared cache, generation numbers live in files: their folder must be writable,
    or no cached token, membership or list could ever be told it changed."""
    if not _process_local_cache():
        return []
    folder = Path(settings.CAREFRONT_GENERATIONS_DIR)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".probe"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        return [
            Error(
                f"CAREFRONT_GENERATIONS_DIR ({folder}) is not writable: {exc}",
                hint="Point CAREFRONT_GENERATIONS_DIR at a writable folder, or set "
                "CAREFRONT_REDIS_URL to share the cache between processes.",
                id="carefront.E001",
            )
        ]
    return []
