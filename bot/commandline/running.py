"""Running a surface (`coopbot chat`, `coopbot serve NAME`): its settings, the database, state shared with other
replicas, signals, the fact base's watcher. Imported only by the commands that run one, and by `ask --db`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from bot.answering.context import SessionStore
from bot.core import Coopbot
from bot.curation.desk import Curation
from bot.curation.feedback import Feedback
from bot.serving.convlog import ConversationLog, Hasher, NoLog, Recorder, SqliteConversationLog, log_settings
from bot.serving.limits import UserLimit
from bot.serving.logs import configure as configure_logs
from bot.serving.metrics import Health, Metrics
from bot.serving.redact import Redactor
from bot.serving.runtime import CurationDesk, Runtime
from bot.serving.store import Database, SeenInbox, SqliteInbox, SqliteSessionStore, database_path, redact_url, shown
from bot.serving.surface import NotConfigured, Surface

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
ENV_REDIS = "COOPBOT_REDIS_URL"  # read here: bot.serving.shared, which imports redis, is imported only when it is set


class Storage:
    """The database a command keeps things in, with the conversation log over it. A database that cannot be
    opened (unwritable, locked, corrupt) never stops answers: one warning, and nothing is kept."""

    def __init__(
        self, db: Database, log: ConversationLog, hasher: Hasher, recorder: Recorder | None, conversations: bool
    ) -> None:
        self.db, self.log, self.hasher, self.recorder = db, log, hasher, recorder
        self.sessions: SessionStore | None = SqliteSessionStore(db) if conversations else None

    @classmethod
    def open(
        cls,
        args: argparse.Namespace,
        surface: str,
        *,
        logging_on: bool,
        conversations: bool,
        metrics: Metrics | None = None,
    ) -> Storage:
        enabled, days = log_settings(os.environ)
        path = args.db or database_path(os.environ)
        try:
            db = Database(path)
            if metrics is not None:
                db.dependency.on_failure = metrics.database_errors.labels("statement").inc
        except Exception as err:  # sqlite3, psycopg or the file system: answering goes on regardless
            problem = redact_url(f"cannot open the database {shown(path)} ({err})")
            print(f"coopbot: {problem}; answering without keeping anything", file=sys.stderr)
            db = Database(":memory:")
        hasher = Hasher.of(db)
        if not (enabled and logging_on):
            return cls(db, NoLog(), hasher, None, conversations)
        log = SqliteConversationLog(db, days)
        return cls(db, log, hasher, Recorder(log, hasher, surface, days), conversations)

    def close(self) -> None:
        self.log.close()
        self.db.close()


# What builds the bot from the command line, the database's storage, the metrics and the surface's name.
BotFactory = Callable[[argparse.Namespace, "Storage", Metrics, str], Coopbot]


def run(surface: Surface[Any], args: argparse.Namespace, make_bot: BotFactory, *, serving: bool) -> int:
    """Read the surface's settings (or say what is missing), then run it until it is stopped. Its inbox, its
    conversations and the conversation log are kept in the database ($COOPBOT_DB or --db)."""
    if serving:  # a reload asked for before the fact base is loaded must not end the process (SIGHUP's default)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        settings = surface.settings(args, os.environ)
        limit = UserLimit.from_env(os.environ)
        log_settings(os.environ)
    except (NotConfigured, ValueError) as err:
        for problem in err.problems if isinstance(err, NotConfigured) else [str(err)]:
            print(f"coopbot {args.command} {surface.name}: {problem}", file=sys.stderr)
        return 2
    if serving:  # before the fact base is loaded: a start that falls back to the last good one logs it
        configure_logs(args.log_format)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per Telegram long poll otherwise
        Redactor.from_env(os.environ, settings).install()  # after configure_logs: it filters the handlers there are
    metrics = Metrics()
    storage = Storage.open(args, surface.name, logging_on=True, conversations=True, metrics=metrics)
    checks: dict[str, Callable[[], str | None]] = {"database": storage.db.readiness}
    shared: dict[str, Any] = {}
    if redis_url := os.environ.get(ENV_REDIS, "").strip():
        try:
            shared, checks["redis"] = _redis(redis_url, storage, limit.per_minute, metrics)
        except ValueError as err:  # not a Redis URL: say so rather than run as if alone
            print(f"coopbot {args.command} {surface.name}: {redact_url(str(err))}", file=sys.stderr)
            storage.close()
            return 2
    bot = make_bot(args, storage, metrics, surface.name)
    bot.live.served()  # the last good base, should a later start find the files invalid
    bot.live.listen(lambda result: metrics.reloads.labels("ok" if result.ok else "failed").inc())
    stop = threading.Event()
    options: dict[str, Any] = {"grace": args.grace, "late_after": args.late_after} if serving else {}
    if serving:
        options |= {
            "metrics_port": args.metrics_port,
            "metrics_host": args.metrics_host,
            "public_ops": args.public_metrics,
        }
    options["metrics"] = metrics
    options["health"] = Health(
        {"fact base": lambda: None if bot.kb.facts else "no facts", **checks},
        notes={"fact base": bot.live.degraded},
    )
    curation: CurationDesk = Curation.from_env(bot, storage.db, storage.hasher, os.environ)  # mypy checks the fit
    options["curation"] = curation
    options["feedback"] = Feedback(storage.db, storage.hasher) if storage.recorder else None
    options.setdefault("limit", limit)
    runtime = Runtime.with_database(storage.db, stop=stop, **options | shared)
    metrics.watch_inbox(lambda: [(surface.name, runtime.inbox.depth(surface.name))])
    if serving:
        for sig in STOP_SIGNALS:
            signal.signal(sig, lambda signum, _frame: _stopping(stop, signum))
        from bot.serving.watch import Watcher  # watchfiles only where it is used

        watcher = Watcher(bot, stop)
        watcher.start()
        signal.signal(signal.SIGHUP, lambda _signum, _frame: watcher.request())
    try:
        return surface.run(bot, settings, runtime)
    finally:
        storage.close()


def _redis(
    url: str, storage: Storage, per_minute: int, metrics: Metrics
) -> tuple[dict[str, Any], Callable[[], str | None]]:
    """With COOPBOT_REDIS_URL, replicas share conversations, what was seen, the per-person limit and the caches;
    and readiness checks Redis. A Redis that does not answer yet is reported and used once it does."""
    from bot.serving.shared import RedisSeen, RedisSessionStore, RedisUserLimit, connect, redis_caches

    redis = connect(url, metrics.redis_errors.inc)
    storage.sessions = RedisSessionStore(redis)
    shared: dict[str, Any] = {"limit": RedisUserLimit(redis, per_minute), "caches": redis_caches(redis)}
    if storage.db.dialect == "sqlite":  # inboxes of their own: a retry taken by another replica is not new here
        shared["inbox"] = SeenInbox(SqliteInbox(storage.db), RedisSeen(redis))
    return shared, redis.readiness


def _stopping(stop: threading.Event, signum: int) -> None:
    logging.getLogger("coopbot").info("received %s; stopping", signal.Signals(signum).name)
    stop.set()
