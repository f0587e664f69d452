"""The project's database: the durable inbox of questions, the memory of requests already seen, and the
conversations (context and `/lang`), in one SQLite file.

`coopbot serve` keeps it at `$COOPBOT_DB` (default `var/coopbot.sqlite3` under the working directory).
WAL mode and a busy timeout let several threads (and processes) share it; the inbox commits with
`synchronous=FULL`, so a question it has taken survives a crash of the process or the machine. The schema
carries a version (PRAGMA user_version) and is brought up to date by the migrations below, in order.
Each use sits behind a small interface (`Inbox`, `Seen`, `SessionStore`) so that another engine can
replace SQLite when several replicas share the state.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.session import DEFAULT_TTL, Context, stale

ENV_DB = "COOPBOT_DB"
DEFAULT_PATH = Path("var") / "coopbot.sqlite3"
BUSY_SECONDS = 10.0  # how long a writer waits for another one before giving up
KEEP_DONE = 24 * 3600.0  # seconds an answered item is remembered, so a redelivery is recognised
PRUNE_EVERY = 60.0  # seconds between clean-ups of what is no longer needed

# Each migration takes the schema from version i to i + 1; never edit one that has shipped, add the next.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        surface TEXT NOT NULL,
        key TEXT NOT NULL,
        conversation TEXT NOT NULL,
        payload TEXT NOT NULL,
        received REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        done REAL,
        UNIQUE (surface, key)
    );
    CREATE INDEX inbox_waiting ON inbox (surface, done, id);
    CREATE TABLE seen (key TEXT PRIMARY KEY, expires REAL NOT NULL);
    CREATE TABLE sessions (session TEXT PRIMARY KEY, context TEXT NOT NULL, updated REAL NOT NULL);
    """,
    """
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ref TEXT NOT NULL UNIQUE,
        at REAL NOT NULL,
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
        confidence REAL NOT NULL,
        latency_ms REAL NOT NULL,
        matched INTEGER NOT NULL
    );
    CREATE INDEX questions_at ON questions (at);
    CREATE TABLE feedback (
        ref TEXT NOT NULL,
        person TEXT NOT NULL,
        vote INTEGER NOT NULL,
        comment TEXT,
        at REAL NOT NULL,
        PRIMARY KEY (ref, person)
    );
    CREATE TABLE dismissed (question TEXT PRIMARY KEY, by TEXT NOT NULL, at REAL NOT NULL);
    """,
)


def database_path(env: Mapping[str, str], cwd: Path | None = None) -> Path:
    """Where `serve` keeps its database: `$COOPBOT_DB`, else var/coopbot.sqlite3 under the working directory."""
    chosen = env.get(ENV_DB, "").strip()
    return Path(chosen) if chosen else (cwd or Path.cwd()) / DEFAULT_PATH


class Database:
    """One SQLite file shared by the threads of a process; statements are serialised by a lock."""

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time, busy: float = BUSY_SECONDS) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(path), timeout=busy, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._migrate()
        self._pruned = 0.0

    @property
    def version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
            try:
                for version in range(self.version, len(MIGRATIONS)):
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version={version + 1}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def write(self, sql: str, rows: Iterable[Sequence[object]] = ((),)) -> list[int]:
        """Run one statement per row in a single transaction; how many rows each changed."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                changed = [self._conn.execute(sql, tuple(row)).rowcount for row in rows]
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._prune_now_and_then()
            return changed

    def read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, tuple(params)).fetchall())

    def _prune_now_and_then(self) -> None:
        now = self.clock()
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        self._conn.execute("DELETE FROM inbox WHERE done IS NOT NULL AND done < ?", (now - KEEP_DONE,))
        self._conn.execute("DELETE FROM seen WHERE expires < ?", (now,))

    def ping(self) -> str | None:
        """None when the database answers a query; else what went wrong (for readiness)."""
        try:
            self.read("SELECT 1")
        except sqlite3.Error as err:
            return f"the database does not answer: {err}"
        return None

    def problem(self) -> str | None:
        """What is wrong with the database, in a sentence, or None: damaged, read-only, or locked."""
        try:
            with self._lock:
                checked = self._conn.execute("PRAGMA quick_check").fetchone()
                if checked is None or checked[0] != "ok":
                    return f"{self.path} is damaged: {checked[0] if checked else 'no answer to a check'}"
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("ROLLBACK")
        except sqlite3.Error as err:
            return f"{self.path} cannot be written: {err}"
        return None

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# -- the inbox: questions taken from a platform, kept until they are answered ---------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One question (a platform's update, event or request) as it was taken. `attempts` counts the times
    answering it began: more than zero after a restart means a reply may already have gone out."""

    surface: str
    key: str  # the platform's id for it (Telegram's update_id, Slack's event_id), unique per surface
    conversation: str  # where replies go, in order
    payload: str  # the platform's own JSON, to answer it again after a restart
    received: float
    attempts: int = 0


class Inbox(Protocol):
    def add(self, items: Sequence[Item]) -> list[bool]:
        """Keep the items durably; for each, whether it is new (False: already taken once)."""
        ...

    def begin(self, surface: str, key: str) -> int:
        """Answering an item begins; how many times it had begun before."""
        ...

    def done(self, surface: str, key: str) -> None: ...

    def waiting(self, surface: str) -> list[Item]:
        """Items taken but not answered (left by a process that stopped), oldest first."""
        ...

    def depth(self, surface: str) -> int: ...


class SqliteInbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, items: Sequence[Item]) -> list[bool]:
        if not items:
            return []
        changed = self.db.write(
            "INSERT OR IGNORE INTO inbox (surface, key, conversation, payload, received) VALUES (?, ?, ?, ?, ?)",
            [(i.surface, i.key, i.conversation, i.payload, i.received) for i in items],
        )
        return [n == 1 for n in changed]

    def begin(self, surface: str, key: str) -> int:
        rows = self.db.read("SELECT attempts FROM inbox WHERE surface = ? AND key = ?", (surface, key))
        self.db.write("UPDATE inbox SET attempts = attempts + 1 WHERE surface = ? AND key = ?", [(surface, key)])
        return _int(rows[0][0]) if rows else 0

    def done(self, surface: str, key: str) -> None:
        self.db.write("UPDATE inbox SET done = ? WHERE surface = ? AND key = ?", [(self.db.clock(), surface, key)])

    def waiting(self, surface: str) -> list[Item]:
        rows = self.db.read(
            "SELECT surface, key, conversation, payload, received, attempts FROM inbox"
            " WHERE surface = ? AND done IS NULL ORDER BY id",
            (surface,),
        )
        return [Item(*row) for row in rows]

    def depth(self, surface: str) -> int:
        rows = self.db.read("SELECT count(*) FROM inbox WHERE surface = ? AND done IS NULL", (surface,))
        return _int(rows[0][0])


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected a whole number from the database, got {value!r}")
    return value


# -- requests seen: a signed request is accepted once ----------------------------------------------------------


class Seen(Protocol):
    def first(self, key: str, ttl: float) -> bool:
        """Whether `key` is new; it is then remembered for `ttl` seconds."""
        ...


class SqliteSeen:
    def __init__(self, db: Database) -> None:
        self.db = db

    def first(self, key: str, ttl: float) -> bool:
        now = self.db.clock()
        (changed,) = self.db.write(
            "INSERT INTO seen (key, expires) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE seen.expires < ?",
            [(key, now + ttl, now)],
        )
        return changed == 1


# -- conversations: context and the pinned language, never evicted ------------------------------------------


class SqliteSessionStore:
    """Conversations in the database: a pinned `/lang` stays however many other chats there are."""

    def __init__(self, db: Database, ttl: float = DEFAULT_TTL) -> None:
        self.db, self.ttl = db, ttl

    def get(self, session: str) -> Context:
        rows = self.db.read("SELECT context FROM sessions WHERE session = ?", (session,))
        if not rows:
            return Context()
        context = context_from_json(str(rows[0][0]))
        fresh = stale(context, self.db.clock(), self.ttl)
        if fresh is not context:
            self._write(session, fresh)
        return fresh

    def put(self, session: str, context: Context) -> None:
        self._write(session, context.evolve(updated=self.db.clock()))

    def _write(self, session: str, context: Context) -> None:
        self.db.write(
            "INSERT INTO sessions (session, context, updated) VALUES (?, ?, ?)"
            " ON CONFLICT (session) DO UPDATE SET context = excluded.context, updated = excluded.updated",
            [(session, context_to_json(context), context.updated)],
        )


def context_to_json(context: Context) -> str:
    return json.dumps(
        {
            "entities": context.entities,
            "intent": context.intent,
            "topics": sorted(context.topics),
            "facts": context.facts,
            "sources": context.sources,
            "lang": context.lang,
            "lang_pinned": context.lang_pinned,
            "updated": context.updated,
        },
        ensure_ascii=False,
    )


def context_from_json(text: str) -> Context:
    data = json.loads(text)
    lang = data.get("lang")
    return Context(
        entities=tuple(data.get("entities", ())),
        intent=data.get("intent"),
        topics=frozenset(data.get("topics", ())),
        facts=tuple(data.get("facts", ())),
        sources=tuple(data.get("sources", ())),
        lang=lang if lang in ("ko", "en") else None,
        lang_pinned=bool(data.get("lang_pinned")),
        updated=float(data.get("updated", 0.0)),
    )
