"""The `coopbot` command line: ask, chat, validate, eval and serve.

Surfaces (the console chat, Telegram, Slack) are found through the `coopbot.surfaces` entry point
group and used through the `Surface` protocol (bot/surface.py), so this core never imports one:
a surface registers itself in pyproject.toml.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import sys
import threading
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from bot import batch
from bot.compiled import CompiledCache, default_dir
from bot.convlog import ConversationLog, Hasher, NoLog, Recorder, SqliteConversationLog, log_settings
from bot.core import Coopbot
from bot.curation import Curation
from bot.feedback import Feedback
from bot.knowledge import KnowledgeError, load
from bot.limits import UserLimit
from bot.logs import configure as configure_logs
from bot.metrics import Health, Metrics
from bot.protocol import answer_json
from bot.redact import Redactor
from bot.render_text import render_plain
from bot.runtime import DEFAULT_GRACE, DEFAULT_LATE_AFTER, Runtime
from bot.session import SessionStore
from bot.store import (
    ENV_DB,
    Database,
    SeenInbox,
    SqliteInbox,
    SqliteSessionStore,
    database_path,
    is_url,
    redact_url,
    shown,
)
from bot.surface import SURFACE_GROUP, NotConfigured, Surface

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
ENV_REDIS = "COOPBOT_REDIS_URL"  # read here: bot.shared, which imports redis, is imported only when it is set


def surfaces() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=SURFACE_GROUP)}


def load_surface(name: str) -> Surface[Any]:
    found = surfaces()
    if name not in found:
        raise SystemExit(f"coopbot: no surface named {name!r} is installed (have: {', '.join(sorted(found))})")
    surface = found[name].load()
    if not isinstance(surface, Surface):
        raise SystemExit(f"coopbot: the entry point {found[name].value!r} is not a coopbot Surface")
    return surface


def _knowledge(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge", type=Path, help="fact base directory (default: $COOPBOT_KNOWLEDGE or ./knowledge)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="where the compiled fact base is kept (default: $COOPBOT_CACHE, else ~/.cache/coopbot)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="load the fact base from its YAML, without the compiled cache"
    )


def _common(parser: argparse.ArgumentParser) -> None:
    _knowledge(parser)
    parser.add_argument(
        "--db", help="the database, a file or a postgresql:// URL (default: $COOPBOT_DB, else var/coopbot.sqlite3)"
    )
    parser.add_argument("--audience", choices=("public", "staff"), default=None, help="what may be shown")
    parser.add_argument("--lang", choices=("ko", "en"), default=None, help="answer in this language")


def build_parser(serving: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the surface being served is imported (a platform library costs start-up time)."""
    parser = argparse.ArgumentParser(prog="coopbot", description="PPS international cooperation desk chatbot")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question (or a batch with --jsonl)")
    _common(ask)
    ask.add_argument("question", nargs="?", help="the question")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    mode.add_argument("--jsonl", action="store_true", help="read JSON lines from stdin, write one JSON line each")
    chat = sub.add_parser("chat", help="interactive console conversation")
    _common(chat)
    validate = sub.add_parser("validate", help="check the fact base")
    validate.add_argument("--knowledge", type=Path)
    ev = sub.add_parser("eval", help="run question sets and print accuracy")
    _knowledge(ev)
    ev.add_argument("--cases", type=Path, nargs="*", help="case files (default: the repo's and the shared dev set)")
    ev.add_argument("--show-fail", type=int, default=30)
    ev.add_argument("--readme", type=Path, help="write the figures into this file's eval section")
    rep = sub.add_parser("report", help="what was asked and not answered, feedback and usage, for curators")
    _knowledge(rep)
    rep.add_argument("--db", help="the database, a file or a postgresql:// URL (default: $COOPBOT_DB)")
    rep.add_argument("--since", default="7d", help="the period: 7d, 12h, 2w or a date (default %(default)s)")
    rep.add_argument("--format", choices=("md", "html", "json"), default="md")
    rep.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    serve = sub.add_parser("serve", help="run on a platform")
    serve_sub = serve.add_subparsers(dest="surface", required=True)
    for name in sorted(surfaces()):
        if name == "console":
            continue
        p = serve_sub.add_parser(name, help=f"serve on {name}")
        _common(p)
        p.add_argument(
            "--grace",
            type=float,
            default=DEFAULT_GRACE,
            help="seconds to keep answering after SIGTERM; what is left waits in the database (default %(default)s)",
        )
        p.add_argument(
            "--metrics-port",
            type=int,
            help="serve /healthz, /readyz and /metrics on this port in polling and Socket Mode (HTTP modes serve"
            " them on their own port)",
        )
        p.add_argument("--metrics-host", default="127.0.0.1", help="address of --metrics-port (default %(default)s)")
        p.add_argument(
            "--log-format",
            choices=("json", "text"),
            default="json",
            help="log on standard error as one JSON object a line, or as text for a terminal (default %(default)s)",
        )
        p.add_argument(
            "--late-after",
            type=float,
            default=DEFAULT_LATE_AFTER,
            help="seconds after which a reply opens with an apology for the wait (default %(default)s)",
        )
        if name == serving:
            load_surface(name).add_arguments(p)
    return parser


def _bot(
    args: argparse.Namespace, storage: Storage | None = None, metrics: Metrics | None = None, surface: str = "ask"
) -> Coopbot:
    store, recorder = (storage.sessions, storage.recorder) if storage else (None, None)
    try:
        return Coopbot.from_dir(args.knowledge, store, recorder, metrics, surface, _cache(args))
    except KnowledgeError as err:
        print(f"coopbot: the fact base has {len(err.problems)} problem(s); run `coopbot validate`:", file=sys.stderr)
        for problem in err.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def _cache(args: argparse.Namespace) -> CompiledCache | None:
    """The compiled fact base's cache, unless it is turned off (--no-cache, COOPBOT_CACHE=off)."""
    if args.no_cache:
        return None
    directory = args.cache_dir or default_dir()
    return CompiledCache(directory) if directory else None


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        kb = load(args.knowledge)
    except KnowledgeError as err:
        for problem in err.problems:
            print(problem)
        print(f"{len(err.problems)} problem(s) found", file=sys.stderr)
        return 1
    counts = kb.summary_counts()
    print("ok: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    # `ask` keeps nothing unless a database is named, so scripts and evaluations have no side effects.
    named = args.db or os.environ.get(ENV_DB, "").strip()
    storage = Storage.open(args, "ask", logging_on=bool(named), conversations=False) if named else None
    bot = _bot(args, storage)
    try:
        if args.jsonl:
            batch.run(bot, sys.stdin.buffer, sys.stdout.buffer, args.lang, args.audience or "public")
            return 0
        # Undecodable bytes become U+FFFD instead of ending the question: bad input gets an answer, not a crash.
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
        question = args.question if args.question is not None else sys.stdin.read()
        answer = bot.ask(question, lang=args.lang, audience=args.audience or "public")
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        else:
            print(render_plain(answer, suggestions="bullets"))
        return 0
    finally:
        if storage is not None:
            storage.close()


def cmd_chat(args: argparse.Namespace) -> int:
    return _run(load_surface("console"), args, serving=False)


def cmd_serve(args: argparse.Namespace) -> int:
    return _run(load_surface(args.surface), args, serving=True)


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
        except Exception as err:  # sqlite3, psycopg or the file system: answering goes on regardless
            problem = redact_url(f"cannot open the database {shown(path)} ({err})")
            print(f"coopbot: {problem}; answering without keeping anything", file=sys.stderr)
            db = Database(":memory:")
        hasher = Hasher.of(db)
        if not (enabled and logging_on):
            return cls(db, NoLog(), hasher, None, conversations)
        failed = metrics.database_errors.labels("log").inc if metrics else None
        log = SqliteConversationLog(db, days, on_error=failed)
        return cls(db, log, hasher, Recorder(log, hasher, surface, days), conversations)

    def close(self) -> None:
        self.log.close()
        self.db.close()


def _run(surface: Surface[Any], args: argparse.Namespace, *, serving: bool) -> int:
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
    metrics = Metrics()
    storage = Storage.open(args, surface.name, logging_on=True, conversations=True, metrics=metrics)
    shared: dict[str, Any] = {}
    if redis_url := os.environ.get(ENV_REDIS, "").strip():
        try:
            shared = _redis(redis_url, storage, limit.per_minute)
        except Exception as err:  # a wrong URL, Redis down: say so rather than run as if alone
            print(f"coopbot {args.command} {surface.name}: cannot reach Redis ({err})", file=sys.stderr)
            storage.close()
            return 2
    bot = _bot(args, storage, metrics, surface.name)
    bot.live.listeners.append(lambda result: metrics.reloads.labels("ok" if result.ok else "failed").inc())
    stop = threading.Event()
    options: dict[str, Any] = {"grace": args.grace, "late_after": args.late_after} if serving else {}
    if serving:
        options |= {"metrics_port": args.metrics_port, "metrics_host": args.metrics_host}
    options["metrics"] = metrics
    options["health"] = Health({"fact base": lambda: None if bot.kb.facts else "no facts", "database": storage.db.ping})
    options["curation"] = Curation.from_env(bot, storage.db, storage.hasher, os.environ)
    options["feedback"] = Feedback(storage.db, storage.hasher) if storage.recorder else None
    options.setdefault("limit", limit)
    runtime = Runtime.with_database(storage.db, stop=stop, **options | shared)
    metrics.watch_inbox(lambda: [(surface.name, runtime.inbox.depth(surface.name))])
    if serving:
        configure_logs(args.log_format)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per Telegram long poll otherwise
        Redactor.from_env(os.environ, settings).install()  # after configure_logs: it filters the handlers there are
        for sig in STOP_SIGNALS:
            signal.signal(sig, lambda signum, _frame: _stopping(stop, signum))
        from bot.watch import Watcher  # watchfiles only where it is used

        watcher = Watcher(bot, stop)
        watcher.start()
        signal.signal(signal.SIGHUP, lambda _signum, _frame: watcher.request())
    try:
        return surface.run(bot, settings, runtime)
    finally:
        storage.close()


def _redis(url: str, storage: Storage, per_minute: int) -> dict[str, Any]:
    """With COOPBOT_REDIS_URL, replicas share conversations, what was seen, the per-person limit and the caches."""
    from bot.shared import RedisSeen, RedisSessionStore, RedisUserLimit, connect, redis_caches

    client = connect(url)
    storage.sessions = RedisSessionStore(client)
    seen = RedisSeen(client)
    shared: dict[str, Any] = {"seen": seen, "limit": RedisUserLimit(client, per_minute), "caches": redis_caches(client)}
    if storage.db.dialect == "sqlite":  # inboxes of their own: a retry taken by another replica is not new here
        shared["inbox"] = SeenInbox(SqliteInbox(storage.db), seen)
    return shared


def _stopping(stop: threading.Event, signum: int) -> None:
    logging.getLogger("coopbot").info("received %s; stopping", signal.Signals(signum).name)
    stop.set()


def cmd_report(args: argparse.Namespace) -> int:
    from bot import report

    try:
        since = report.parse_since(args.since)
    except ValueError as err:
        print(f"coopbot report: {err}", file=sys.stderr)
        return 2
    path = args.db or database_path(os.environ)
    if not is_url(path) and str(path) != ":memory:" and not Path(path).exists():
        print(f"coopbot report: no database at {path} (set COOPBOT_DB or --db)", file=sys.stderr)
        return 1
    try:
        db = Database(path)
        data = report.build(db, _bot(args).kb, since, db.problem())
    except Exception as err:  # sqlite3, psycopg or the file system
        print(redact_url(f"coopbot report: cannot read the database {shown(path)}: {err}"), file=sys.stderr)
        return 1
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
    elif args.format == "html":
        from bot.report_html import render_html

        text = render_html(data)
    else:
        text = report.to_markdown(data)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import main as evaluate

    return evaluate(_bot(args), args.cases, args.show_fail, args.readme)


def cmd_default() -> int:
    """`coopbot` alone (what `make run` starts): the first platform whose token is set, else the console chat."""
    for name in sorted(surfaces()):
        if name != "console" and load_surface(name).configured(os.environ):
            return main(["serve", name])
    return main(["chat"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    serving = argv[1] if len(argv) > 1 and argv[0] == "serve" else None
    parser = build_parser(serving)
    args = parser.parse_args(argv)
    handlers = {
        "ask": cmd_ask,
        "chat": cmd_chat,
        "validate": cmd_validate,
        "eval": cmd_eval,
        "serve": cmd_serve,
        "report": cmd_report,
    }
    if args.command is None:
        return cmd_default()
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
