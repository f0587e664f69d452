"""The `coopbot` command line: ask, chat, validate, eval and serve.

Surfaces (the console chat, Telegram, Slack) are found through the `coopbot.surfaces` entry point
group and used through the `Surface` protocol (bot/serving/surface.py), so this core never imports one:
a surface registers itself in pyproject.toml.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from bot.answering.compiled import CompiledCache
    from bot.commandline.batch import Asker
    from bot.commandline.running import Storage
    from bot.core import Coopbot
    from bot.factbase.model import Audience, Lang
    from bot.serving.surface import Surface
    from bot.showing.answer import Answer

# Each command imports what it uses when it runs: `coopbot ask` starts without the database, the metrics, the
# platforms' entry points or, on a compiled fact base, PyYAML.
ENV_DB = "COOPBOT_DB"  # bot.serving.database's, read here so that `ask` without a database does not import it


def surfaces() -> dict[str, EntryPoint]:
    from importlib.metadata import entry_points

    from bot.serving.surface import SURFACE_GROUP

    return {ep.name: ep for ep in entry_points(group=SURFACE_GROUP)}


def load_surface(name: str) -> Surface[Any]:
    from bot.serving.surface import Surface

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


def build_parser(serving: str | None = None, discover: bool = True) -> argparse.ArgumentParser:
    """The parser. The surfaces are found (their entry points read) only when `discover`: for `serve`, for help
    and for the default command; only the surface being served is imported (a platform library is slow to
    import)."""
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
    ev.add_argument(
        "--record",
        action="store_true",
        help="record what the bot answers to the project's own cases in tests/eval/answers.jsonl (nothing else)",
    )
    rep = sub.add_parser("report", help="what was asked and not answered, feedback and usage, for curators")
    _knowledge(rep)
    rep.add_argument("--db", help="the database, a file or a postgresql:// URL (default: $COOPBOT_DB)")
    rep.add_argument("--since", default="7d", help="the period: 7d, 12h, 2w or a date (default %(default)s)")
    rep.add_argument("--format", choices=("md", "html", "json"), default="md")
    rep.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    serve = sub.add_parser("serve", help="run on a platform")
    serve_sub = serve.add_subparsers(dest="surface", required=True)
    if not discover:
        return parser
    from bot.serving.runtime import DEFAULT_GRACE, DEFAULT_LATE_AFTER

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
            help="serve /healthz, /readyz (with what is wrong) and /metrics on this port; the platform's own port in"
            " HTTP and webhook mode serves only /healthz and a bare /readyz",
        )
        p.add_argument("--metrics-host", default="127.0.0.1", help="address of --metrics-port (default %(default)s)")
        p.add_argument(
            "--public-metrics",
            action="store_true",
            help="also serve /metrics and /readyz's details on the platform's own port (HTTP and webhook mode)",
        )
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


def _bot(args: argparse.Namespace, storage: Storage | None = None, *, fallback: bool = False) -> Coopbot:
    """The bot of the fact base the command names; an invalid one ends the command with status 2, unless
    `fallback` and the compiled cache holds the last base of that directory that validated and served."""
    from bot.answering.live import Base
    from bot.core import Coopbot
    from bot.factbase.files import KnowledgeError, knowledge_dir

    store, kept_days = (storage.sessions, storage.kept_days) if storage else (None, None)
    cache = _cache(args)
    try:
        return Coopbot.from_dir(args.knowledge, store, cache, kept_days)
    except KnowledgeError as err:
        root = knowledge_dir(args.knowledge)
        good = Base.last_good(root, cache) if fallback else None
        if good is not None:
            bot = Coopbot(good, store, root, cache, kept_days)
            bot.live.fell_back(err.problems)
            return bot
        print(f"coopbot: the fact base has {len(err.problems)} problem(s); run `coopbot validate`:", file=sys.stderr)
        for problem in err.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def _serving_bot(args: argparse.Namespace, storage: Storage) -> Coopbot:
    """The bot `chat` and `serve` run: while the YAML is invalid, the last good base serves if there is one."""
    return _bot(args, storage, fallback=True)


def _cache(args: argparse.Namespace) -> CompiledCache | None:
    """The compiled fact base's cache, unless it is turned off (--no-cache, COOPBOT_CACHE=off)."""
    from bot.answering.compiled import CompiledCache, default_dir

    if args.no_cache:
        return None
    directory = args.cache_dir or default_dir()
    return CompiledCache(directory) if directory else None


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.factbase.loading import KnowledgeError, load

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
    from bot.commandline import batch
    from bot.showing.protocol import answer_json
    from bot.showing.render_text import render_plain

    named = args.db or os.environ.get(ENV_DB, "").strip()
    storage = None
    if named:
        from bot.commandline.running import Storage
        from bot.serving.settings import ServingSettings

        try:
            storage = Storage.open(ServingSettings.from_env(os.environ, args.db), conversations=False)
        except ValueError as err:
            print(f"coopbot ask: {err}", file=sys.stderr)
            return 2
    bot = _bot(args, storage)
    ask = _asking(bot, storage)
    try:
        if args.jsonl:
            batch.run(ask, sys.stdin.buffer, sys.stdout.buffer, args.lang, args.audience or "public")
            return 0
        # Undecodable bytes become U+FFFD instead of ending the question: bad input gets an answer, not a crash.
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
        question = args.question if args.question is not None else sys.stdin.read()
        answer = ask(question, None, args.lang, args.audience or "public")
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        else:
            print(render_plain(answer, suggestions="bullets"))
        return 0
    finally:
        if storage is not None:
            storage.close()


def _asking(bot: Coopbot, storage: Storage | None) -> Asker:
    """How `ask` asks: the core alone, or, with a database named, through the per-question policy that keeps
    each question in the conversation log (no limit and no lateness: a script asks)."""
    if storage is None or storage.recorder is None:
        return lambda text, session, lang, audience: bot.ask(text, session=session, lang=lang, audience=audience)
    from bot.serving.asking import Asking, Question, Recorded

    policy = Asking(bot, [Recorded(storage.recorder)])

    def ask(text: str, session: str | None, lang: Lang | None, audience: Audience) -> Answer:
        answer = policy.run(Question(text, "ask", session=session, audience=audience, lang=lang))
        assert answer is not None  # nothing in this policy withholds an answer
        return answer

    return ask


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.commandline.running import run

    return run(load_surface("console"), args, _serving_bot, serving=False)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.commandline.running import run

    return run(load_surface(args.surface), args, _serving_bot, serving=True)


def cmd_report(args: argparse.Namespace) -> int:
    from bot.curation import report
    from bot.serving.database import Database, is_url, redact_url, shown
    from bot.serving.settings import database_of

    try:
        since = report.parse_since(args.since)
    except ValueError as err:
        print(f"coopbot report: {err}", file=sys.stderr)
        return 2
    path = args.db or database_of(os.environ)
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
        from bot.curation.report_model import to_json

        text = to_json(data)
    elif args.format == "html":
        from bot.curation.report_html import render_html

        text = render_html(data)
    else:
        from bot.curation.report_markdown import to_markdown

        text = to_markdown(data)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.commandline.evaluate import main as evaluate
    from bot.commandline.evaluate import record

    if args.record:
        return record(_bot(args))
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
    parser = build_parser(serving, discover=not argv or argv[0] in ("serve", "-h", "--help"))
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
    except BrokenPipeError:
        # The reader went away ('coopbot ask ... | head'): nothing is left to say, and nothing to complain of.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
