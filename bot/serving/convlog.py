"""The conversation log: each question asked, kept anonymously, so curators see what was not answered.

A row per question: when, the surface and audience, a keyed hash of the person and of the conversation
(HMAC-SHA256 with a per-installation secret kept beside the database; never the raw id), the text, the
reply's language, kind, intent, entities, facts and confidence, and how long answering took. Rows older
than `COOPBOT_LOG_DAYS` (default 90) are pruned on their own; `COOPBOT_LOG=off` turns logging off.

Writing never holds up an answer: `record` puts the row on a queue and a thread writes batches. A
database that cannot be written (read-only, locked, corrupt) costs one warning, not one per message,
and the answers go on; `problem` says what is wrong, for `coopbot report`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.serving.database import Database
from bot.serving.settings import DEFAULT_DAYS
from bot.showing.answer import Answer

log = logging.getLogger("coopbot.log")

MAX_TEXT = 4000  # characters of a question kept; the rest of a 1 MB paste says nothing more to a curator
QUEUED = 10_000  # rows waiting at most; past that a flood is not logged rather than held in memory
BATCH_EVERY = 0.2  # seconds between batched writes
PRUNE_EVERY = 3600.0


@dataclass(frozen=True, slots=True)
class Question:
    """One logged question. `ref` names it for feedback on its answer."""

    ref: str
    at: float
    surface: str
    audience: str
    person: str  # keyed hash
    conversation: str  # keyed hash
    text: str
    lang: str
    kind: str
    intent: str | None = None
    entities: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    confidence: float = 0.0
    latency_ms: float = 0.0
    matched: bool = True


class ConversationLog(Protocol):
    problem: str | None

    def record(self, question: Question) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class NoLog:
    """Logging turned off (`COOPBOT_LOG=off`, or `ask` without a database)."""

    problem: str | None = None

    def record(self, question: Question) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class Hasher:
    """Keyed hashes of platform ids: stable per installation, useless without the secret file."""

    def __init__(self, secret: bytes | Callable[[], bytes]) -> None:
        self._secret, self._lock = secret, threading.Lock()

    def _key(self) -> bytes:
        """The secret; one kept in a database is read at first use (it may not answer at start)."""
        if callable(self._secret):
            with self._lock:
                if callable(self._secret):
                    self._secret = self._secret()
        assert isinstance(self._secret, bytes)
        return self._secret

    @classmethod
    def beside(cls, db_path: Path) -> Hasher:
        """The installation's secret, kept next to the database (made on first use, readable by its owner only)."""
        path = db_path.with_name(db_path.name + ".key") if str(db_path) != ":memory:" else None
        if path is None:
            return cls(secrets.token_bytes(32))
        try:
            return cls(path.read_bytes())
        except FileNotFoundError:
            pass
        secret = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secret)
        except FileExistsError:  # another process made it first
            return cls(path.read_bytes())
        return cls(secret)

    @classmethod
    def of(cls, db: Database) -> Hasher:
        """The installation's hasher: its secret beside a SQLite file, or, in PostgreSQL, in the database
        itself, so that every replica hashes a person alike."""
        if db.dialect == "sqlite":
            return cls.beside(Path(str(db.path)))

        def shared_secret() -> bytes:
            db.write(
                "INSERT INTO installation (name, value) VALUES ('hash_key', ?) ON CONFLICT DO NOTHING",
                [(secrets.token_hex(32),)],
            )
            return bytes.fromhex(str(db.read("SELECT value FROM installation WHERE name = 'hash_key'")[0][0]))

        return cls(shared_secret)

    def __call__(self, value: str | None) -> str:
        if not value:
            return ""
        return hmac.new(self._key(), value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:24]


def safe_text(text: str) -> str:
    """What is stored of a question: NULs and lone surrogates replaced, at most MAX_TEXT characters."""
    cleaned = text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return cleaned[:MAX_TEXT]


def new_ref() -> str:
    return secrets.token_hex(6)


def question_of(
    answer: Answer, text: str, *, ref: str, surface: str, person: str, conversation: str, latency_ms: float
) -> Question:
    return Question(
        ref=ref,
        at=time.time(),
        surface=surface,
        audience=answer.audience,
        person=person,
        conversation=conversation,
        text=safe_text(text),
        lang=answer.language,
        kind=answer.kind,
        intent=answer.intent,
        entities=answer.entities,
        facts=answer.facts,
        confidence=answer.confidence,
        latency_ms=latency_ms,
        matched=answer.matched,
    )


class DatabaseConversationLog:
    """Rows queued by `record`, written in batches by a thread of their own."""

    def __init__(self, db: Database, days: int = DEFAULT_DAYS) -> None:
        self.db, self.days = db, days
        self.problem: str | None = None
        self._queue: queue.Queue[Question | None] = queue.Queue(QUEUED)
        self._dropped = 0
        self._pruned = 0.0
        self._thread = threading.Thread(target=self._write_loop, name="coopbot-log", daemon=True)
        self._thread.start()

    def record(self, question: Question) -> None:
        try:
            self._queue.put_nowait(question)
        except queue.Full:
            self._dropped += 1
            if self._dropped == 1:
                log.warning("the conversation log is falling behind; questions are answered but not logged")

    def flush(self) -> None:
        """Wait until every row recorded so far is written (or given up on)."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _write_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._queue.task_done()
                return
            batch = [first]
            deadline = time.monotonic() + BATCH_EVERY
            while (left := deadline - time.monotonic()) > 0:
                try:
                    nxt = self._queue.get(timeout=left)
                except queue.Empty:
                    break
                if nxt is None:
                    self._write(batch)
                    for _ in range(len(batch) + 1):
                        self._queue.task_done()
                    return
                batch.append(nxt)
            self._write(batch)
            for _ in batch:
                self._queue.task_done()

    def _write(self, batch: list[Question]) -> None:
        try:
            self.db.write(INSERT, [_row(q) for q in batch])
            self._prune_now_and_then()
        except Exception as err:  # read-only, locked, corrupt, full disk: answers go on regardless (counted by the db)
            if self.problem is None:
                log.warning("cannot write the conversation log (%s); answering goes on without it", err)
            self.problem = f"cannot write the conversation log in {self.db.path}: {err}"
            return
        if self.problem is not None:
            log.info("the conversation log is written again")
            self.problem = None

    def _prune_now_and_then(self) -> None:
        now = time.time()
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        self.db.write("DELETE FROM questions WHERE at < ?", [(now - self.days * 86400.0,)])


COLUMNS = tuple(Question.__dataclass_fields__)  # the questions table's columns, in the dataclass's order
INSERT = f"INSERT INTO questions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) ON CONFLICT DO NOTHING"


def _row(q: Question) -> tuple[object, ...]:
    """A question as the table stores it: lists as JSON, the flag as 0 or 1."""
    stored = {"entities": json.dumps(list(q.entities)), "facts": json.dumps(list(q.facts)), "matched": int(q.matched)}
    return tuple(stored.get(name, getattr(q, name)) for name in COLUMNS)


class Recorder:
    """What questions are logged through: the log, the installation's hasher, and the days rows are kept."""

    def __init__(self, log: ConversationLog, hasher: Hasher, days: int = DEFAULT_DAYS) -> None:
        self.log, self.hasher, self.days = log, hasher, days

    def record(
        self, answer: Answer, text: str, person: str | None, session: str | None, latency_ms: float, surface: str
    ) -> str:
        """Log one question asked on `surface`; the reference its answer's feedback will name."""
        ref = new_ref()
        person_hash, conversation = self.hasher(person), self.hasher(session)
        self.log.record(
            question_of(
                answer,
                text,
                ref=ref,
                surface=surface,
                person=person_hash,
                conversation=conversation,
                latency_ms=latency_ms,
            )
        )
        return ref
