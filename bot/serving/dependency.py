"""What coopbot depends on while serving (the database, Redis, the platform) and whether each is failing.

A `Dependency` is told of each failure and each success of the calls made to it. It logs once when an
outage begins and once when it ends, counts every failure (`on_failure`, the error metric), and gives
readiness the cause while it lasts. `is_outage` tells an error a dependency may recover from (a lock, a
full disk, a refused or dropped connection), after which work is tried again, from a mistake that
trying again will not mend.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger("coopbot.dependency")


class Unavailable(Exception):
    """Raised where a dependency (or the platform) cannot be reached or cannot say what happened: the work is
    kept and tried again later, never dropped and never guessed at."""


class Dependency:
    """One dependency's state: a failure begins an outage (logged once), a success ends it (logged once)."""

    def __init__(
        self, name: str, on_failure: Callable[[], None] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name, self.on_failure, self.clock = name, on_failure, clock
        self._lock = threading.Lock()
        self._problem: str | None = None
        self._since = 0.0
        self._last = float("-inf")  # when a call last failed

    def failed(self, err: BaseException) -> None:
        if self.on_failure is not None:
            self.on_failure()
        with self._lock:
            began = self._problem is None
            self._problem, self._last = _describe(err), self.clock()
            if began:
                self._since = self._last
        if began:
            log.error("%s failing: %s; work is kept and tried again when it is back", self.name, self._problem)

    def succeeded(self) -> None:
        if self._problem is None:  # the common case, without the lock
            return
        with self._lock:
            if self._problem is None:
                return
            lasted, self._problem = self.clock() - self._since, None
        log.warning("%s is back after %.1f s", self.name, lasted)

    def problem(self) -> str | None:
        """What is wrong while an outage lasts (for /readyz), else None."""
        return self._problem

    def failed_within(self, seconds: float) -> bool:
        """Whether a call failed less than `seconds` ago and none has worked since: a caller that must answer
        at once need not wait for the same failure again."""
        return self._problem is not None and self.clock() - self._last < seconds


def _describe(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def is_outage(err: BaseException) -> bool:
    """Whether `err` says a dependency cannot be used now (and may be later), rather than that the call was wrong.

    SQLite: locked, busy, a full disk, an I/O error, read-only (OperationalError). PostgreSQL: a refused,
    dropped or shut-down connection (psycopg's OperationalError, InterfaceError). Redis: a refused, dropped
    or timed-out connection, a server still loading or read-only. Any OSError. Only the drivers that are
    loaded are looked at, so the core imports none of them."""
    if isinstance(err, Unavailable | OSError | sqlite3.OperationalError):
        return True
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(err, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    redis_errors = sys.modules.get("redis.exceptions")
    if redis_errors is not None and isinstance(
        err, redis_errors.ConnectionError | redis_errors.TimeoutError | redis_errors.ReadOnlyError
    ):
        return True
    return err.__cause__ is not None and is_outage(err.__cause__)  # raised `from` an outage
