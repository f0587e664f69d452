"""Running a surface (`coopbot chat`, `coopbot serve NAME`): its settings, the database, state shared with other
replicas, curation, signals, the fact base's watcher, wired into the `Runtime` the surface is handed.
Imported only by the commands that run one, and by `ask --db`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.answering.context import SessionStore
from bot.cache import Caches
from bot.core import Coopbot
from bot.curation.desk import Curation
from bot.curation.feedback import Feedback
from bot.serving.convlog import ConversationLog, DatabaseConversationLog, Hasher, NoLog, Recorder
from bot.serving.database import Database, redact_url, shown
from bot.serving.inbox import DatabaseInbox, Inbox, SeenInbox
from bot.serving.limits import Limit, UserLimit
from bot.serving.logs import configure as configure_logs
from bot.serving.metrics import Health, Metrics
from bot.serving.redact import Redactor
from bot.serving.runtime import DEFAULT_GRACE, DEFAULT_LATE_AFTER, CurationDesk, Runtime
from bot.serving.sessions import DatabaseSessionStore
from bot.serving.settings import ServingSettings
from bot.serving.surface import NotConfigured, Surface

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Storage:
    """The database a command keeps things in, with the conversation log over it. A database that cannot be
    opened (unwritable, locked, corrupt) never stops answers: one warning, and nothing is kept."""

    def __init__(
        self, db: Database, log: ConversationLog, hasher: Hasher, recorder: Recorder | None, conversations: bool
    ) -> None:
        self.db, self.log, self.hasher, self.recorder = db, log, hasher, recorder
        self.sessions: SessionStore | None = DatabaseSessionStore(db) if conversations else None

    @property
    def kept_days(self) -> int | None:
        """How long questions are kept, for the bot to tell people; None when they are not."""
        return self.recorder.days if self.recorder else None

    @classmethod
    def open(cls, settings: ServingSettings, *, conversations: bool, metrics: Metrics | None = None) -> Storage:
        path = settings.database
        try:
            db = Database(path)
            if metrics is not None:
                db.dependency.on_failure = metrics.database_errors.labels("statement").inc
        except Exception as err:  # sqlite3, psycopg or the file system: answering goes on regardless
            problem = redact_url(f"cannot open the database {shown(path)} ({err})")
            print(f"coopbot: {problem}; answering without keeping anything", file=sys.stderr)
            db = Database(":memory:")
        hasher = Hasher.of(db)
        if not settings.log:
            return cls(db, NoLog(), hasher, None, conversations)
        log = DatabaseConversationLog(db, settings.log_days)
        return cls(db, log, hasher, Recorder(log, hasher, settings.log_days), conversations)

    def close(self) -> None:
        self.log.close()
        self.db.close()


@dataclass(frozen=True, slots=True)
class Shared:
    """What replicas share through Redis, and how readiness checks it (bot/serving/shared.py)."""

    limit: Limit
    caches: Caches
    inbox: Inbox | None  # replicas with a SQLite file each: an inbox that knows what the others took
    readiness: Callable[[], str | None]


# What builds the bot from the command line and the database's storage.
BotFactory = Callable[[argparse.Namespace, Storage], Coopbot]


def run(surface: Surface[Any], args: argparse.Namespace, make_bot: BotFactory, *, serving: bool) -> int:
    """Read the surface's settings and serving's (or say what is missing), then run the surface until it is
    stopped. Its inbox, its conversations and the conversation log are kept in the database."""
    if serving:  # a reload asked for before the fact base is loaded must not end the process (SIGHUP's default)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        settings = surface.settings(args, os.environ)
        served = ServingSettings.from_env(os.environ, args.db)
    except (NotConfigured, ValueError) as err:
        for problem in err.problems if isinstance(err, NotConfigured) else str(err).splitlines():
            print(f"coopbot {args.command} {surface.name}: {problem}", file=sys.stderr)
        return 2
    if serving:  # before the fact base is loaded: a start that falls back to the last good one logs it
        configure_logs(args.log_format)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per Telegram long poll otherwise
        Redactor.from_env(os.environ, settings).install()  # after configure_logs: it filters the handlers there are
    metrics = Metrics()
    storage = Storage.open(served, conversations=True, metrics=metrics)
    shared = None
    if served.redis_url:
        try:
            shared = _redis(served, storage, metrics)
        except ValueError as err:  # not a Redis URL: say so rather than run as if alone
            print(f"coopbot {args.command} {surface.name}: {redact_url(str(err))}", file=sys.stderr)
            storage.close()
            return 2
    bot = make_bot(args, storage)
    bot.live.served()  # the last good base, should a later start find the files invalid
    bot.live.listen(lambda result: metrics.reloads.labels("ok" if result.ok else "failed").inc())
    checks = {"fact base": lambda: None if bot.kb.facts else "no facts", "database": storage.db.readiness}
    if shared is not None:
        checks["redis"] = shared.readiness
    desk: CurationDesk = Curation(bot, storage.db, storage.hasher, served.curators)  # mypy checks that it fits
    runtime = Runtime(
        stop=threading.Event(),
        inbox=shared.inbox if shared and shared.inbox else DatabaseInbox(storage.db, served.replica),
        limit=shared.limit if shared else UserLimit(served.per_minute),
        grace=args.grace if serving else DEFAULT_GRACE,
        late_after=args.late_after if serving else DEFAULT_LATE_AFTER,
        curation=desk,
        feedback=Feedback(storage.db, storage.hasher) if storage.recorder else None,
        caches=shared.caches if shared else Caches(),
        metrics=metrics,
        health=Health(checks, notes={"fact base": bot.live.degraded}),
        metrics_port=args.metrics_port if serving else None,
        metrics_host=args.metrics_host if serving else "127.0.0.1",
        public_ops=args.public_metrics if serving else False,
        recorder=storage.recorder,
    )
    metrics.watch_inbox(lambda: [(surface.name, runtime.inbox.depth(surface.name))])
    if serving:
        _on_signals(bot, runtime.stop)
    try:
        return surface.run(bot, settings, runtime)
    finally:
        storage.close()


def _on_signals(bot: Coopbot, stop: threading.Event) -> None:
    """SIGINT and SIGTERM stop serving; a change to knowledge/ or SIGHUP reloads the fact base."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda signum, _frame: _stopping(stop, signum))
    from bot.serving.watch import Watcher  # watchfiles only where it is used

    watcher = Watcher(bot, stop)
    watcher.start()
    signal.signal(signal.SIGHUP, lambda _signum, _frame: watcher.request())


def _redis(settings: ServingSettings, storage: Storage, metrics: Metrics) -> Shared:
    """With COOPBOT_REDIS_URL, replicas share conversations, what was seen, the per-person limit and the caches;
    and readiness checks Redis. A Redis that does not answer yet is reported and used once it does."""
    from bot.serving.shared import RedisSeen, RedisSessionStore, RedisUserLimit, connect, redis_caches

    redis = connect(settings.redis_url, metrics.redis_errors.inc)
    storage.sessions = RedisSessionStore(redis)
    own = None
    if storage.db.dialect == "sqlite":  # inboxes of their own: a retry taken by another replica is not new here
        own = SeenInbox(DatabaseInbox(storage.db, settings.replica), RedisSeen(redis))
    return Shared(RedisUserLimit(redis, settings.per_minute), redis_caches(redis), own, redis.readiness)


def _stopping(stop: threading.Event, signum: int) -> None:
    logging.getLogger("coopbot").info("received %s; stopping", signal.Signals(signum).name)
    stop.set()
