"""The outage scenarios of bench/faults.py: a dependency goes away in the middle of a burst and comes back.

Each run: coopbot starts (with the dependency's settings), questions come at --rate a second; after --warmup
seconds the fault begins and lasts its hold (--hold, else the scenario's own); the burst goes on --tail
seconds after the dependency returns; then the run waits for every answer, or --quiet seconds without one.

  sqlite-locked     another process takes BEGIN EXCLUSIVE on coopbot's SQLite file and holds it 15 s
  disk-full         COOPBOT_DB on a small tmpfs, filled to the last byte by a file for 15 s, then the file deleted
  redis-killed      COOPBOT_REDIS_URL (and SQLite): redis-server SIGKILLed, restarted empty on its port 10 s later
  postgres-stopped  COOPBOT_DB=postgresql://...: `pg_ctl stop -m fast`, started again 10 s later
"""

from __future__ import annotations

import errno
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from faults_intake import intake
from faults_support import Case, exits, pause, set_outcome, set_readiness, set_recovery, watch
from load_support import Postgres, Redis, Run, Unavailable

USER_LIMIT = "600"  # questions a person a minute with Redis: the shared limit is used, and nobody is refused

# Holds BEGIN EXCLUSIVE on the file named by argv[1] until a line comes on stdin; says "locked" once it holds it.
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


class Outage:
    """A dependency that fails on `begin` and is back on `end`; `env` points coopbot at it."""

    hold = 10.0

    def env(self) -> dict[str, str]:
        return {}

    def begin(self) -> str:
        """Break it; a few words on how it went."""
        raise NotImplementedError

    def end(self) -> str:
        raise NotImplementedError


class SqliteLocked(Outage):
    hold = 15.0

    def __init__(self, run: Run) -> None:
        self.run = run
        self.path = run.workdir / "coopbot.sqlite3"  # load_support.coopbot_env's
        self.holder: subprocess.Popen[bytes] | None = None

    def begin(self) -> str:
        began = time.monotonic()
        self.holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(self.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        holder = self.holder
        self.run.on_close(lambda: holder.kill() if holder.poll() is None else None)
        assert holder.stdout is not None
        ready, _, _ = select.select([holder.stdout], [], [], 30.0)
        if not ready or holder.stdout.readline().strip() != b"locked":
            raise RuntimeError("the lock holder did not get BEGIN EXCLUSIVE within 30 s")
        return f"BEGIN EXCLUSIVE held by pid {holder.pid} (took {time.monotonic() - began:.2f} s to get)"

    def end(self) -> str:
        assert self.holder is not None and self.holder.stdin is not None
        self.holder.stdin.write(b"\n")
        self.holder.stdin.close()
        status = self.holder.wait(10)
        return f"lock released (holder exited {status})"


class DiskFull(Outage):
    hold = 15.0

    def __init__(self, run: Run, megabytes: int) -> None:
        self.mount = run.workdir / "tmpfs"
        self.mount.mkdir()
        if os.geteuid() != 0:
            raise Unavailable("mounting a tmpfs needs root")
        made = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "coopbot-faults", str(self.mount)],
            capture_output=True,
            timeout=30,
        )
        if made.returncode != 0:
            raise Unavailable(f"cannot mount a tmpfs: {made.stderr.decode(errors='replace').strip()}")
        run.on_close(self._unmount)
        self.filler = self.mount / "filler"
        self.megabytes = megabytes

    def _unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.mount)], capture_output=True, timeout=30)

    def env(self) -> dict[str, str]:
        return {"COOPBOT_DB": str(self.mount / "coopbot.sqlite3")}

    def begin(self) -> str:
        written = fill(self.filler)
        return f"{self.megabytes} MB tmpfs filled with {written / 2**20:.1f} MB; {_free(self.mount)} bytes free"

    def end(self) -> str:
        self.filler.unlink()
        return f"filler deleted; {_free(self.mount) / 2**20:.1f} MB free"


def fill(path: Path) -> int:
    """Write `path` until the file system has no byte left; how many bytes were written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            chunk = b"\0" * size
            while True:
                try:
                    written += os.write(fd, chunk)
                except OSError as err:
                    if err.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return written


def _free(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


class RedisKilled(Outage):
    def __init__(self, run: Run) -> None:
        self.redis = Redis(run)

    def env(self) -> dict[str, str]:
        return {"COOPBOT_REDIS_URL": self.redis.url, "COOPBOT_USER_LIMIT": USER_LIMIT}

    def begin(self) -> str:
        keys = self.redis.keys()
        self.redis.kill()
        return f"redis-server SIGKILLed ({keys} keys lost)"

    def end(self) -> str:
        self.redis.start()
        return f"redis-server started again, empty, on port {self.redis.port}"


class PostgresStopped(Outage):
    def __init__(self, run: Run) -> None:
        self.postgres = Postgres(run)
        self.url = self.postgres.new_database("coopbot")

    def env(self) -> dict[str, str]:
        return {"COOPBOT_DB": self.url}

    def begin(self) -> str:
        said = self.postgres.stop("fast")
        return f"pg_ctl stop -m fast: {said.splitlines()[-1] if said else 'done'}"

    def end(self) -> str:
        self.postgres.start()
        return "PostgreSQL started again"


def outage(case: Case, make: Callable[[Run], Outage]) -> None:
    """The burst with `make`'s outage in the middle; the figures."""
    run, settings = case.run, case.settings
    try:
        fault = make(run)
    except Unavailable as err:
        run.result.setup = f"{case.mode}: skipped"
        run.note(f"skipped: {err}")
        return
    hold = settings.hold if settings.hold is not None else fault.hold
    count = round(settings.rate * (settings.warmup + hold + settings.tail))
    run.result.setup = (
        f"{case.mode}: {count} questions at {settings.rate:g}/s; the fault at +{settings.warmup:g} s for {hold:g} s"
    )
    mode = intake(run, case.mode)
    proc = mode.start(fault.env())
    watcher, where = watch(run, mode)
    began = time.monotonic()
    mode.ask(count, settings.rate)
    pause(run, began + settings.warmup)
    broke = time.monotonic()
    run.detail(f"+{broke - began:.1f} s: {fault.begin()}")
    pause(run, broke + hold)
    said = fault.end()
    back = time.monotonic()
    run.detail(f"+{back - began:.1f} s: {said}")
    mode.settle(settings.quiet)
    watcher.stop()
    outcome = mode.outcome()
    set_outcome(run, outcome, mode)
    set_recovery(run, outcome, broke, back)
    set_readiness(run, watcher, where, broke, back)
    exits(run, [proc])


def sqlite_locked(case: Case) -> None:
    """Another process holds BEGIN EXCLUSIVE on coopbot's SQLite file for 15 s mid-burst."""
    outage(case, SqliteLocked)


def disk_full(case: Case) -> None:
    """COOPBOT_DB on a small tmpfs, filled completely for 15 s mid-burst, then freed."""
    outage(case, lambda run: DiskFull(run, case.settings.tmpfs_mb))


def redis_killed(case: Case) -> None:
    """redis-server (COOPBOT_REDIS_URL) SIGKILLed mid-burst, restarted empty on its port 10 s later."""
    outage(case, RedisKilled)


def postgres_stopped(case: Case) -> None:
    """PostgreSQL (COOPBOT_DB) stopped with pg_ctl -m fast mid-burst, started again 10 s later."""
    outage(case, PostgresStopped)
