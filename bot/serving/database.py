"""The project's database, SQLite or PostgreSQL: where serving keeps the inbox of questions, conversations, the
conversation log, feedback and curation.

`coopbot serve` keeps it at `$COOPBOT_DB` (default `var/coopbot.sqlite3` under the working directory); a
`postgresql://` URL there puts it in PostgreSQL, which several replicas share. One schema serves both: the
migrations below are written once, with `{id}` and `{real}` for the two types the engines spell
differently, and statements use `?` parameters and upserts (`ON CONFLICT`) that both understand. SQLite
runs in WAL mode with a busy timeout and `synchronous=FULL`, so a question the inbox has taken survives
a crash of the process or the machine; PostgreSQL commits durably by default. The schema version is
SQLite's user_version, or a one-row table in PostgreSQL (migrated under an advisory lock).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.serving.dependency import Dependency, is_outage

BUSY_SECONDS = 10.0  # how long a writer waits for another one before giving up
PROBE_SECONDS = 0.5  # how long readiness waits for the write lock before it calls the database locked
TAKING_SECONDS = 1.0  # how long taking a question waits for the lock: the platform wants its answer within 3 s
KEEP_DONE = 24 * 3600.0  # seconds an answered item is remembered, so a redelivery is recognised
PRUNE_EVERY = 60.0  # seconds between clean-ups of what is no longer needed
LEASE = 60.0  # seconds a replica holds what it took without renewing; then another replica may take it over

# Each migration takes the schema from version i to i + 1; never edit one that has shipped, add the next.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE inbox (
        id {id},
        surface TEXT NOT NULL,
        key TEXT NOT NULL,
        conversation TEXT NOT NULL,
        payload TEXT NOT NULL,
        received {real} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        done {real},
        UNIQUE (surface, key)
    );
    CREATE INDEX inbox_waiting ON inbox (surface, done, id);
    CREATE TABLE seen (key TEXT PRIMARY KEY, expires {real} NOT NULL);
    CREATE TABLE sessions (session TEXT PRIMARY KEY, context TEXT NOT NULL, updated {real} NOT NULL);
    """,
    """
    CREATE TABLE questions (
        id {id},
        ref TEXT NOT NULL UNIQUE,
        at {real} NOT NULL,
        surface TEXT NOT NULL,
        audience TEXT NOT NULL,
        person TEXT NOT NULL,
        conversation TEXT NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL,
        kind TEXT NOT NULL,
        intent TEXT,
        entities TEXT NOT NULL,
        facts TEXT NOT NULL,
        confidence {real} NOT NULL,
        latency_ms {real} NOT NULL,
        matched INTEGER NOT NULL
    );
    CREATE INDEX questions_at ON questions (at);
    CREATE TABLE feedback (
        ref TEXT NOT NULL,
        person TEXT NOT NULL,
        vote INTEGER NOT NULL,
        comment TEXT,
        at {real} NOT NULL,
        PRIMARY KEY (ref, person)
    );
    CREATE TABLE dismissed (question TEXT PRIMARY KEY, by TEXT NOT NULL, at {real} NOT NULL);
    """,
    """
    CREATE TABLE installation (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    ALTER TABLE inbox ADD COLUMN owner TEXT NOT NULL DEFAULT ''
    """,
    """
    ALTER TABLE inbox ADD COLUMN lease {real} NOT NULL DEFAULT 0
    """,
)
TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL"},
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION"},  # REAL is 4 bytes there
}
POSTGRES_LOCK = 74657001  # the advisory lock under which one replica migrates
HEARTBEAT = (  # readiness's write: proof that the database takes one now
    "INSERT INTO installation (name, value) VALUES ('readiness', ?)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def shown(target: Path | str) -> str:
    """A database as logs and reports may show it: a file's path, or a URL without its password."""
    if not is_url(target):
        return str(target)
    parts = urlsplit(str(target))
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def redact_url(text: str) -> str:
    """Any database URL's password in a message (a driver's error may quote the URL) written as [redacted]."""
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1[redacted]@", text)


def is_url(target: Path | str) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


class Database:
    """One database shared by the threads of a process (one connection; statements are serialised by a lock),
    and by processes: SQLite for one host, PostgreSQL (`postgresql://...`) for replicas.

    Every statement's outcome is told to `dependency`: a failure that may pass (a lock, a full disk, a lost
    connection) begins an outage that readiness reports until a statement of the same kind succeeds again.
    A SQLite file and the directory made for it are private to the bot's user."""

    def __init__(self, target: Path | str, clock: Callable[[], float] = time.time, busy: float = BUSY_SECONDS) -> None:
        self.dialect = "postgresql" if is_url(target) else "sqlite"
        self.path = shown(target) if self.dialect == "postgresql" else Path(target)
        self.clock = clock
        self.dependency = Dependency("the database")
        self._failing: set[str] = set()  # "read", "write": the kinds of statement failing now
        self._target, self._busy = str(target), busy
        self._local = threading.local()
        self._opened: list[Any] = []
        # SQLite: one connection, statements serialised by a lock. PostgreSQL: a connection per thread, so the
        # acknowledgement of a new question never waits behind another thread's round trips.
        self._lock: contextlib.AbstractContextManager[Any] = (
            threading.RLock() if self.dialect == "sqlite" else contextlib.nullcontext()
        )
        self._sqlite: sqlite3.Connection | None = None
        self._probe: sqlite3.Connection | None = None
        self._probe_lock = threading.Lock()
        self._quick: sqlite3.Connection | None = None
        self._quick_lock = threading.Lock()
        if self.dialect == "sqlite":
            if str(target) != ":memory:":
                _create_private(Path(target))
            self._sqlite = sqlite3.connect(str(target), timeout=busy, isolation_level=None, check_same_thread=False)
            self._sqlite.execute("PRAGMA journal_mode=WAL")
            self._sqlite.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            self._sqlite.execute("PRAGMA synchronous=FULL")
        self._pruned = 0.0
        self._migrated = False
        self._migrating = threading.Lock()
        try:
            self._migrate()
        except Exception as err:  # PostgreSQL down at start: serve, and bring the schema up once it answers
            if self.dialect == "sqlite" or not is_outage(err):
                raise
            self._failing.add("write")
            self.dependency.failed(err)

    @property
    def _conn(self) -> Any:
        if self._sqlite is not None:
            return self._sqlite
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            import psycopg  # only where PostgreSQL is used

            conn = psycopg.connect(self._target, autocommit=True, connect_timeout=int(self._busy))
            conn.execute(f"SET lock_timeout = '{int(self._busy * 1000)}ms'")
            self._local.conn = conn
            self._opened.append(conn)
        return conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _begin(self) -> None:
        self._conn.execute("BEGIN" if self.dialect == "postgresql" else "BEGIN IMMEDIATE")

    @property
    def version(self) -> int:
        if self.dialect == "sqlite":
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        self._conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self._conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _set_version(self, version: int) -> None:
        if self.dialect == "sqlite":
            self._conn.execute(f"PRAGMA user_version={version}")
        else:
            self._conn.execute("DELETE FROM schema_version")
            self._conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

    def _migrate(self) -> None:
        if self._migrated:
            return
        with self._migrating:
            if not self._migrated:
                self._migrate_now()
                self._migrated = True

    def _migrate_now(self) -> None:
        with self._lock:
            self._begin()  # one process migrates; the others wait, then see it done
            try:
                if self.dialect == "postgresql":
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRES_LOCK,))
                for version in range(self.version, len(MIGRATIONS)):
                    for statement in MIGRATIONS[version].format(**TYPES[self.dialect]).split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._set_version(version + 1)
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def write(self, sql: str, rows: Iterable[Sequence[object]] = ((),), quick: bool = False) -> list[int]:
        """Run one statement per row in a single transaction; how many rows each changed. `quick`: for a caller
        that must answer soon (taking a question: the platform wants its acknowledgement within seconds), a
        SQLite file is written on a connection of its own that waits TAKING_SECONDS for another's lock, rather
        than BUSY_SECONDS behind this process's other statements."""
        on_file = self._sqlite is not None and str(self._target) != ":memory:"
        conn = self._quick_connection() if quick and on_file else None
        with self._watched("write"), self._taking() if conn is not None else self._lock:
            self._migrate()
            db = conn if conn is not None else self._conn
            db.execute("BEGIN" if self.dialect == "postgresql" else "BEGIN IMMEDIATE")
            try:
                changed = [db.execute(self._sql(sql), tuple(row)).rowcount for row in rows]
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    db.execute("ROLLBACK")
                raise
            if conn is None:
                self._prune_now_and_then()
            return changed

    @contextlib.contextmanager
    def _taking(self) -> Iterator[None]:
        """The quick connection, waited for TAKING_SECONDS at most: a writer queued behind one that waits for the
        file's lock gives up as that one will, not a turn later."""
        if not self._quick_lock.acquire(timeout=TAKING_SECONDS):
            raise sqlite3.OperationalError("database is locked (taking another question)")
        try:
            yield
        finally:
            self._quick_lock.release()

    def _quick_connection(self) -> sqlite3.Connection:
        with self._quick_lock:
            if self._quick is None:
                self._quick = sqlite3.connect(
                    self._target, timeout=TAKING_SECONDS, isolation_level=None, check_same_thread=False
                )
                self._quick.execute("PRAGMA synchronous=FULL")  # a question taken is on disk before it is confirmed
        return self._quick

    def write_returning(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """One statement with a RETURNING clause, in a transaction of its own; the rows it returned."""
        with self._watched("write"), self._lock:
            self._migrate()
            self._begin()
            try:
                found = [tuple(row) for row in self._conn.execute(self._sql(sql), tuple(params)).fetchall()]
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            return found

    def read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._watched("read"), self._lock:
            self._migrate()
            return [tuple(row) for row in self._conn.execute(self._sql(sql), tuple(params)).fetchall()]

    def _rollback(self) -> None:
        """Undo the transaction, if the connection still has one: the error that ended it is what matters."""
        with contextlib.suppress(Exception):
            self._conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def _watched(self, kind: str) -> Iterator[None]:
        """Tell the dependency how a statement went. A read that works says nothing of writes: in WAL mode
        SQLite reads while another process holds the write lock."""
        try:
            yield
        except Exception as err:
            if is_outage(err):
                self._failing.add(kind)
                self.dependency.failed(err)
                self._forget_connection()
            raise
        if kind in self._failing:
            self._failing.discard(kind)
            if not self._failing:
                self.dependency.succeeded()

    def _forget_connection(self) -> None:
        """A PostgreSQL connection that failed is dropped, so the next statement connects again."""
        conn = getattr(self._local, "conn", None)
        if self.dialect == "postgresql" and conn is not None and (conn.closed or conn.broken):
            self._local.conn = None

    def _prune_now_and_then(self) -> None:
        now = self.clock()
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        self._conn.execute(self._sql("DELETE FROM inbox WHERE done IS NOT NULL AND done < ?"), (now - KEEP_DONE,))
        self._conn.execute(self._sql("DELETE FROM seen WHERE expires < ?"), (now,))

    def ping(self) -> str | None:
        """None when the database answers a query; else what went wrong (for readiness)."""
        try:
            self.read("SELECT 1")
        except Exception as err:  # sqlite3.Error or psycopg.Error
            return f"the database does not answer: {err}"
        return None

    def readiness(self) -> str | None:
        """What keeps the database from taking work now, for /readyz; None when it can. It is asked: a SQLite
        file takes a small write (a full disk or a held write lock shows, within PROBE_SECONDS, on a connection
        of its own); PostgreSQL answers a query, and takes a write while an outage lasts. Success ends an
        outage that statements had seen, so readiness recovers while nothing else is asked of the database."""
        try:
            if self.dialect == "sqlite":
                self._probe_write()
            else:
                self.read("SELECT 1")
                if self.dependency.problem():
                    self.write(HEARTBEAT, [(str(self.clock()),)])
        except Exception as err:
            if not is_outage(err):
                raise
            return self.dependency.problem() or f"the database cannot be written: {err}"
        if self._failing:
            self._failing.clear()
            self.dependency.succeeded()
        return None

    def _probe_write(self) -> None:
        if str(self._target) == ":memory:":
            return
        with self._probe_lock:
            if self._probe is None:
                self._probe = sqlite3.connect(
                    self._target, timeout=PROBE_SECONDS, isolation_level=None, check_same_thread=False
                )
            self._probe.execute("BEGIN IMMEDIATE")
            try:
                self._probe.execute(HEARTBEAT, (str(self.clock()),))
                self._probe.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._probe.execute("ROLLBACK")
                raise

    def problem(self) -> str | None:
        """What is wrong with the database, in a sentence, or None: damaged, read-only, or locked."""
        try:
            with self._lock:
                if self.dialect == "sqlite":
                    checked = self._conn.execute("PRAGMA quick_check").fetchone()
                    if checked is None or checked[0] != "ok":
                        return f"{self.path} is damaged: {checked[0] if checked else 'no answer to a check'}"
                self._begin()
                if self.dialect == "postgresql":
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRES_LOCK,))
                    self._conn.execute("CREATE TEMPORARY TABLE coopbot_probe (x INTEGER) ON COMMIT DROP")
                self._conn.execute("ROLLBACK")
        except Exception as err:
            return f"{self.path} cannot be written: {err}"
        return None

    def close(self) -> None:
        with self._lock:
            for conn in [self._sqlite, self._probe, self._quick, *self._opened]:
                if conn is not None:
                    conn.close()


def _create_private(path: Path) -> None:
    """Make the database's directory (0700) and file (0600) if they do not exist: questions people asked are
    kept there. Existing ones keep the modes their owner gave them."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
