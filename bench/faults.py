"""Dependency-fault suite: the real `coopbot serve` with a dependency failing under it, in each intake mode.

    make faults [ARGS="--scenario sqlite-locked --mode slack-http --markdown"]
    .venv/bin/python bench/faults.py [--scenario NAME ...] [--mode MODE ...] [--rate 10] [--warmup 3] [--hold S]
                                     [--tail 3] [--quiet 8] [--tmpfs-mb 64] [--presses 60] [--flood-wait 45]
                                     [--teach 100] [--delay 0.1] [--chats N] [--clients 50] [--timeout 90]
                                     [--keep] [--markdown]

Not part of `make test`: it prints figures and asserts nothing (it exits 0, or 1 when a coopbot process failed
to start, or 2 when the harness broke). It reuses bench/load.py's fakes, processes and figures (read its
docstring): coopbot runs against the fake Telegram or Slack servers of bench/load_fakes.py, with a real
redis-server and PostgreSQL started on loopback ports for the run where a scenario needs them (thrown away
after it; a scenario whose server or mount cannot be had is skipped, saying why). Each scenario runs in each
intake mode it applies to (bench/faults_intake.py), each run in a fresh temp directory, under a deadline
(--timeout), with coopbot killed at the end. All of it takes about 10 minutes.

Intake modes (--mode): telegram-polling, telegram-webhook, slack-http, slack-socket (Socket Mode: a fake
WebSocket, bench/faults_fakes.py, that retries an envelope not acknowledged within 3 s, three times).

Scenarios (--scenario). In the first four, questions come at --rate a second from the start for --warmup seconds,
through the fault's hold (--hold, else the scenario's own), and --tail seconds after the dependency returns; the
run then ends once every question is answered and 2 s pass without a reply, or --quiet seconds pass without one
(what is missing then is lost), or at --timeout.
  sqlite-locked       another process holds BEGIN EXCLUSIVE on coopbot's SQLite file for 15 s.
  disk-full           COOPBOT_DB on a --tmpfs-mb tmpfs (mount, as root); a file fills it to the last byte for
                      15 s, then is deleted.
  redis-killed        COOPBOT_REDIS_URL and a SQLite database: redis-server SIGKILLed, restarted on its port,
                      empty (a crash without persistence), 10 s later.
  postgres-stopped    COOPBOT_DB=postgresql://...: `pg_ctl stop -m fast`, started again 10 s later.
  redis-planted       with Redis: after a warm-up (questions, a 👎 and its prompt, a /coop answer, a curator's
                      /coop report), every coopbot: key is overwritten, and again every half second during a
                      12 s burst: first with a pickle whose loading would create a marker file, then with bytes
                      that are neither JSON nor a pickle, then with a value of the wrong Redis type (a hash). In
                      each phase, probes do what reads each cache back: an edit (tg-replies), a suggestion button
                      (tg-keys), a reply to the 👎 prompt (tg-prompts), "share" (slack-answers), "dismiss"
                      (slack-clusters), a follow-up in a thread (its session). The marker must never appear.
  teach-two-replicas  two Slack HTTP replicas (COOPBOT_REPLICA a, b) on one PostgreSQL and Redis and one copy of
                      knowledge/ (COOPBOT_KNOWLEDGE); unanswered questions are asked, a curator (COOPBOT_CURATORS)
                      runs /coop report on each, then --teach "teach as" choices are sent at once, half to each;
                      lost: teachings learned.yaml does not keep (all of them when it no longer parses).
  button-flood        a Telegram group (polling): member A presses 👎 under an answer --presses times (20 a
                      second); halfway through, member B asks a question. B's wait against the same question
                      asked before the flood (the target: under 2 s more), up to --flood-wait seconds.

The figures (the summary's columns; more under each run):
  sent          questions asked (Slack: events sent; Telegram: messages made available)
  lost          questions never answered: Telegram, no reply quotes it (as bench/load.py counts); Slack, no post
                in its thread, whether it was acknowledged or not (Slack gives up on what is not acknowledged)
  dup           as bench/load.py counts: replies beyond the first to one question
  unacked       Slack: events not acknowledged in time (HTTP: after 60 attempts; Socket Mode: within 3 s, after
                3 retries; an acknowledgement after that is late, and the event may still be answered)
  sorry         replies that are the error notice ("Sorry, something went wrong ...") instead of an answer
  1st reply s   from the dependency's return to the first answer after it ("never": none came)
  all s         from the dependency's return until every question was answered ("never": some were lost)
  readyz true   whether /readyz told the truth: 503 at some point during the fault, 200 within 10 s of the
                dependency's return, and 200 at the end; else what it got wrong. It is polled every 0.5 s on
                --metrics-port (on the public port in the webhook and Slack HTTP modes while nothing listens on
                --metrics-port there); a poll unanswered in 2 s counts as a timeout.
  db errors     coopbot_database_errors_total over the run (from /metrics): "a -> b" when it rose, "no (a)"
The notes give the first problem naming the database or Redis that /readyz gave, the marker, the teachings kept,
B's waits, and processes that exited; under each run, the timeline, /readyz's changes, and how deliveries went.
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

from faults_flood import button_flood
from faults_intake import MODES
from faults_outages import disk_full, postgres_stopped, redis_killed, sqlite_locked
from faults_planted import redis_planted
from faults_support import COLUMNS, Case, Settings
from faults_teach import teach_two_replicas
from load import GRACE, indent, interrupted, print_result, summary
from load_support import Options, Result, Run, StartFailed, raise_fd_limit

Scenario = Callable[[Case], None]
# Each scenario, and the intake modes it runs in.
SCENARIOS: dict[str, tuple[Scenario, tuple[str, ...]]] = {
    "sqlite-locked": (sqlite_locked, MODES),
    "disk-full": (disk_full, MODES),
    "redis-killed": (redis_killed, MODES),
    "postgres-stopped": (postgres_stopped, MODES),
    "redis-planted": (redis_planted, MODES),
    "teach-two-replicas": (teach_two_replicas, ("slack-http",)),
    "button-flood": (button_flood, ("telegram-polling",)),
}


def parse(argv: list[str] | None) -> tuple[list[str], list[str], Options, Settings]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS), metavar="NAME", help="repeatable")
    parser.add_argument("--mode", action="append", choices=MODES, metavar="MODE", help="repeatable; default: all")
    parser.add_argument("--rate", type=float, default=10.0, help="questions a second during a burst (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of burst before the fault (default 3)")
    parser.add_argument("--hold", type=float, help="seconds each fault lasts (default: 15 for sqlite/disk, 10 else)")
    parser.add_argument("--tail", type=float, default=3.0, help="seconds of burst after the return (default 3)")
    parser.add_argument("--quiet", type=float, default=8.0, help="seconds without a reply: the rest is lost")
    parser.add_argument("--tmpfs-mb", type=int, default=64, help="size of disk-full's tmpfs (default 64)")
    parser.add_argument("--presses", type=int, default=60, help="button-flood's 👎 presses (default 60)")
    parser.add_argument("--flood-wait", type=float, default=45.0, help="button-flood's wait for the answer")
    parser.add_argument("--teach", type=int, default=100, help="teach-two-replicas' choices (default 100)")
    parser.add_argument("--delay", type=float, help="the fake APIs' round trip in seconds (default 0.1)")
    parser.add_argument("--chats", type=int, help="Telegram groups / Slack channels (default 50 / 40)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent Slack HTTP clients (default 50)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per run (default 90)")
    parser.add_argument("--keep", action="store_true", help="keep the temp directories (logs, databases)")
    parser.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    args = parser.parse_args(argv)
    opts = Options(
        delay=args.delay,
        chats=args.chats,
        clients=args.clients,
        timeout=args.timeout,
        keep=args.keep,
        markdown=args.markdown,
    )
    settings = Settings(
        rate=args.rate,
        warmup=args.warmup,
        tail=args.tail,
        quiet=args.quiet,
        hold=args.hold,
        tmpfs_mb=args.tmpfs_mb,
        presses=args.presses,
        flood_wait=args.flood_wait,
        teach=args.teach,
    )
    return args.scenario or list(SCENARIOS), args.mode or list(MODES), opts, settings


def run_one(scenario: str, mode: str, opts: Options, settings: Settings, root: Path) -> Result:
    name = f"{scenario} {mode}"
    run = Run(name, opts, root / f"{scenario}-{mode}", {})
    function, _ = SCENARIOS[scenario]
    print(f"== {name}: {(function.__doc__ or '').strip()}", flush=True)
    # A safety net under the deadlines every wait keeps: kill the processes so no blocked call can hang the suite.
    watchdog = threading.Timer(opts.timeout + GRACE, run.close)
    watchdog.daemon = True
    watchdog.start()
    try:
        function(Case(run, mode, settings))
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


def main(argv: list[str] | None = None) -> int:
    scenarios, modes, opts, settings = parse(argv)
    signal.signal(signal.SIGTERM, interrupted)
    raise_fd_limit()
    root = Path(tempfile.mkdtemp(prefix="coopbot-faults-"))
    results: list[Result] = []
    planned = [(s, m) for s in scenarios for m in SCENARIOS[s][1] if m in modes]
    began = time.monotonic()
    try:
        for scenario, mode in planned:
            results.append(run_one(scenario, mode, opts, settings, root))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    print(f"Summary ({len(results)} runs, {time.monotonic() - began:.0f} s):")
    print(summary(results, opts.markdown, COLUMNS))
    failed = any(r.failed for r in results)
    if opts.keep or failed:
        print(f"\nlogs and databases kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    if any(r.start_failure for r in results):
        return 1
    return 2 if failed or len(results) < len(planned) else 0


if __name__ == "__main__":
    sys.exit(main())
