"""Load and fault suite: the real `coopbot serve telegram` / `coopbot serve slack` against local fake platforms.

    make load [ARGS="--scenario slack-burst --markdown"]
    .venv/bin/python bench/load.py [--scenario NAME ...] [--delay 0.1] [--messages N] [--chats N]
                                   [--events N] [--clients 50] [--fault-rate 0.1] [--pg-lag MS] [--timeout 120]
                                   [--markdown]

Not part of `make test`: it prints figures and asserts nothing. It exits 0, or 1 when a coopbot process
failed to start (the last lines of its log are printed), or 2 when the harness itself broke. All thirteen
scenarios take about 5½ minutes (6-7 when coopbot loses or duplicates; the two retry-after scenarios wait
out a 30 s flood wait each). To measure another checkout with the same venv, put it first on PYTHONPATH:
`PYTHONPATH=/path/to/checkout .venv/bin/python bench/load.py` (the coopbot processes inherit it).

Each scenario runs in a fresh temp directory (its COOPBOT_DB, the processes' logs; --keep keeps them)
under a deadline (--timeout, 120 s) after which it reports what it has; coopbot is always killed at the
end. The clock starts once coopbot is ready (Telegram: it long-polls or has set its webhook; Slack: the
port accepts). The fakes (bench/load_fakes.py) answer every API call after --delay seconds and inject
the faults below; a scenario ends when everything is answered and 2 s pass without a send, or when 6 s
pass without one (40 s in the retry-after scenarios), and what is missing then is lost.

Telegram (questions are group messages mentioning @coopbot_load_bot; coopbot quotes the question it answers):
  telegram-burst        1,000 messages from 100 groups queued at once for getUpdates.
  telegram-faults       the same, 10% of sendMessage calls land and then answer HTTP 500 (an ambiguous failure).
  telegram-retry-after  the same, one group's first send gets 429 retry_after 30; p50/p99 are the other groups'.
  telegram-kill         500 messages; SIGKILL after ~50 replies, restart on the same database.
  telegram-sigterm      500 messages; SIGTERM after ~50 replies (exit time), restart on the same database.
  telegram-webhook      500 updates from 50 groups pushed to --webhook-url with the secret header (40 connections,
                        one update at a time per chat, retried until 200), then 20 of them again (same update_id);
                        then POSTs with a 90 MB body, with a wrong and with the right secret, are timed.
Slack (signed app_mention events POSTed to /slack/events by 50 client threads, each with its own keep-alive
connection; a failed POST is retried with X-Slack-Retry-Num and a new timestamp, so a new signature, after a
short backoff, as Slack does after minutes):
  slack-burst           2,000 events over 40 channels and 200 users.
  slack-faults          the same, 10% of chat.postMessage calls land and then answer HTTP 500.
  slack-retry-after     the same, one channel answers 429 Retry-After: 30 for 30 s; p50/p99 are the others'.
  slack-sigterm         1,000 events at 50 a second, 300 ms API delay, SIGTERM after ~200 replies, restart on
                        the same database and port; events refused meanwhile are retried until it takes them.
  slack-replay          one signed request POSTed 5 times in a row, another 5 times at once.
  slack-idle-connections  1,000 idle connections (half silent, half a partial header) held open while 200
                        events are delivered; the process's threads and RSS from /proc.
  slack-replicas        the burst against one process, then two (COOPBOT_REPLICA a and b, on two ports; events go
                        to them in turn), sharing a throwaway PostgreSQL (COOPBOT_DB) and redis-server
                        (COOPBOT_REDIS_URL) started on loopback ports, a new database and an emptied Redis for each
                        run; then two again with 5% of the events delivered a second time (same event_id,
                        X-Slack-Retry-Num: 1, a new signature) to the other replica, half after the first was
                        acknowledged, half with it. Replies/s of one and two and their ratio (the target is 1.7x
                        or more); per run the inbox's split, PostgreSQL transactions and Redis commands per answer.
                        Skipped, saying why, when PostgreSQL (initdb, postgres) or redis-server is not installed.
                        --pg-lag MS puts PostgreSQL behind a proxy that adds MS to each round trip (another host).

The figures (the summary's columns; the rest is in the notes and under each scenario):
  replies/s   questions answered / (first question available or sent -> last first reply)
  p50/p99 s   from the update being available (queued for getUpdates or for the webhook pusher) or the
              event's first POST, to the fake receiving the first reply
  lost        questions never answered (Slack: acknowledged events never answered)
  dup         replies beyond the first: Telegram, a second message quoting the same question (each of these
              answers is one message, so also one with a different text); Slack, a second post in the thread
  order       Telegram: first replies that came after the first reply to a later message of the same chat
  resets      Slack: event POSTs whose connection was reset or closed without an answer (a kept-alive
              connection the server closed while idle is reopened once and not counted)
  max ack s   Slack: the slowest answer to an event POST (Slack gives up after 3 s)
  exit s      seconds from SIGTERM to the process's exit
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from load_slack import SCENARIOS as SLACK
from load_support import COLUMNS, Options, Result, Run, StartFailed, fmt, raise_fd_limit
from load_telegram import SCENARIOS as TELEGRAM

SCENARIOS: dict[str, Callable[[Run], None]] = TELEGRAM | SLACK
GRACE = 30.0  # seconds past a scenario's deadline before the watchdog kills its processes


def parse(argv: list[str] | None) -> tuple[list[str], Options]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--scenario", action="append", choices=list(SCENARIOS), metavar="NAME", help="repeatable; default: all"
    )
    parser.add_argument("--delay", type=float, help="API round trip in seconds (default 0.1; slack-sigterm 0.3)")
    parser.add_argument("--messages", type=int, help="Telegram messages (default 1000; kill/sigterm/webhook 500)")
    parser.add_argument(
        "--chats", type=int, help="Telegram groups / Slack channels (default 100, webhook 50; Slack 40)"
    )
    parser.add_argument("--events", type=int, help="Slack events (default 2000; sigterm 1000; idle 200)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent Slack clients (default 50)")
    parser.add_argument("--fault-rate", type=float, default=0.1, help="share of sends failing after landing")
    parser.add_argument(
        "--pg-lag",
        type=float,
        default=0.0,
        metavar="MS",
        help="ms added to each PostgreSQL round trip (slack-replicas)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per scenario (default 120)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directories (logs, databases)")
    parser.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    args = parser.parse_args(argv)
    opts = Options(
        delay=args.delay,
        messages=args.messages,
        chats=args.chats,
        events=args.events,
        clients=args.clients,
        fault_rate=args.fault_rate,
        pg_lag=args.pg_lag / 1000,
        timeout=args.timeout,
        keep=args.keep,
        markdown=args.markdown,
    )
    return args.scenario or list(SCENARIOS), opts


def run_one(name: str, opts: Options, root: Path, earlier: dict[str, Result]) -> Result:
    run = Run(name, opts, root / name, earlier)
    print(f"== {name}: {(SCENARIOS[name].__doc__ or '').strip()}", flush=True)
    # A safety net under the deadlines every wait keeps: kill the processes so no blocked call can hang the suite.
    watchdog = threading.Timer(opts.timeout + GRACE, run.close)
    watchdog.daemon = True
    watchdog.start()
    try:
        SCENARIOS[name](run)
        run.process_details()
    except StartFailed as err:
        run.result.failed, run.result.start_failure = str(err), True
        for proc in run.procs[-1:]:
            print(f"   {err}; the last lines of {proc.log}:\n{indent(proc.tail(), '     | ')}", flush=True)
    except Exception as err:
        run.result.failed = f"harness error: {err!r}"
        traceback.print_exc()
    finally:
        watchdog.cancel()
        run.close()
    result = run.result
    result.seconds = time.monotonic() - run.began
    if run.timed_out:
        result.notes.append(f"hit the {opts.timeout:.0f} s timeout")
    print_result(result)
    return result


def indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def print_result(result: Result) -> None:
    print(f"   {result.setup} ({result.seconds:.0f} s)")
    if result.failed:
        print(f"   FAILED: {result.failed}")
    figures = [f"{k} {fmt(v)}" for k, v in result.figures.items()]
    if figures:
        print("   " + " | ".join(figures))
    for note in result.notes:
        print(f"   - {note}")
    for detail in result.details:
        print(f"     {detail}")
    print(flush=True)


def summary(results: list[Result], markdown: bool, columns: tuple[str, ...] = COLUMNS) -> str:
    """The results as a table: the name, one column per figure, the notes (text, or Markdown with --markdown)."""
    header = ["scenario", *columns, "notes"]
    rows = []
    for r in results:
        notes = f"FAILED: {r.failed}" if r.failed else "; ".join(r.notes)
        rows.append([r.name, *(fmt(r.figures.get(c)) for c in columns), notes])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---", *(["---:"] * len(columns)), "---"]) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:-1], widths[1:], strict=True))]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)


def interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through every scenario's `finally`, which kills coopbot


def main(argv: list[str] | None = None) -> int:
    names, opts = parse(argv)
    signal.signal(signal.SIGTERM, interrupted)
    raise_fd_limit()
    root = Path(tempfile.mkdtemp(prefix="coopbot-load-"))
    results: dict[str, Result] = {}
    began = time.monotonic()
    try:
        for name in names:
            results[name] = run_one(name, opts, root, results)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    print(f"Summary ({len(results)} scenarios, {time.monotonic() - began:.0f} s):")
    print(summary(list(results.values()), opts.markdown))
    failed = any(r.failed for r in results.values())
    if opts.keep or failed:
        print(f"\nlogs and databases kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    if any(r.start_failure for r in results.values()):
        return 1
    return 2 if failed or len(results) < len(names) else 0


if __name__ == "__main__":
    sys.exit(main())
