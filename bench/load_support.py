"""What every scenario of bench/load.py shares: options, results, the coopbot processes and bounded waiting."""

from __future__ import annotations

import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
Figure = float | int | str | None

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 30.0  # seconds a coopbot process gets to become ready
EXIT_TIMEOUT = 30.0  # seconds a stopping process gets before it is killed

# The summary table's columns (Result.figures keys); everything else goes into the notes.
RPS, P50, P99, LOST, DUP, ORDER, RESETS, MAX_ACK, EXIT = (
    "replies/s",
    "p50 s",
    "p99 s",
    "lost",
    "dup",
    "order",
    "resets",
    "max ack s",
    "exit s",
)
COLUMNS = (RPS, P50, P99, LOST, DUP, ORDER, RESETS, MAX_ACK, EXIT)

QUESTIONS = (
    "What is KONEPS?",
    "When did PPS sign an MOU with ADB?",
    "How many countries use KONEPS?",
    "Tell me about the Korea-IDB procurement forum",
    "조달청과 세계은행의 협력은?",
)


@dataclass(frozen=True, slots=True)
class Options:
    """The command line; None means each scenario's own default."""

    delay: float | None = None
    messages: int | None = None
    chats: int | None = None
    events: int | None = None
    clients: int = 50
    fault_rate: float = 0.1
    timeout: float = 120.0
    keep: bool = False
    markdown: bool = False


@dataclass(slots=True)
class Result:
    name: str
    setup: str = ""  # what was run, e.g. "1000 messages, 100 chats, delay 0.1 s"
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # short, for the summary table
    details: list[str] = field(default_factory=list)  # printed under the scenario only
    raw: dict[str, float] = field(default_factory=dict)  # unrounded numbers later scenarios compare with
    failed: str | None = None  # why it could not run: a process failed to start, or the harness broke
    start_failure: bool = False
    seconds: float = 0.0


class StartFailed(Exception):
    """A coopbot process exited or was not ready in time."""


# -- numbers ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def fmt(value: Figure) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


# -- ports and the environment ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepting(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def clean_env() -> dict[str, str]:
    """This process's environment without platform settings (a stray SLACK_APP_TOKEN would switch coopbot to
    Socket Mode) and without proxies (httpx would send 127.0.0.1 through them)."""
    dropped = ("TELEGRAM_", "SLACK_", "COOPBOT_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(dropped) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    return env | {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}


def coopbot_env(workdir: Path) -> dict[str, str]:
    """`clean_env` with the run's database (the same path across a restart) and no per-person limit."""
    return clean_env() | {"COOPBOT_DB": str(workdir / "coopbot.sqlite3"), "COOPBOT_USER_LIMIT": "0"}


def raise_fd_limit() -> None:
    """Idle-connection and burst scenarios need well over 1,024 descriptors; children inherit the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def coopbot_command() -> Path:
    beside = Path(sys.executable).parent / "coopbot"  # the venv's, when run with .venv/bin/python
    return beside if beside.exists() else REPO / ".venv" / "bin" / "coopbot"


# -- the coopbot process ------------------------------------------------------------------------------------------


class Proc:
    """One `coopbot serve ...` process, its output in a log file, and its peak threads and memory."""

    def __init__(self, label: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.label, self.args, self.env, self.cwd = label, args, env, cwd
        self.log = cwd / f"{label}.log"
        self.popen: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.ready_at = 0.0
        self.peak_threads = 0
        self.peak_rss_kb = 0

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def start(self) -> None:
        self.started = time.monotonic()
        with self.log.open("wb") as out:  # the child keeps its own descriptor
            self.popen = subprocess.Popen(
                [str(coopbot_command()), *self.args],
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        threading.Thread(target=self._sample, daemon=True).start()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        if self.alive():
            assert self.popen is not None
            self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None if still running after `timeout` seconds."""
        assert self.popen is not None
        try:
            return self.popen.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.alive():
            assert self.popen is not None
            self.popen.kill()
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_lines(self, *needles: str) -> int:
        """How many lines of the log contain any of the needles (e.g. " ERROR ")."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if any(n in line for n in needles))

    def status(self) -> tuple[int, int]:
        """(threads, RSS in kB) now, from /proc; (0, 0) once it has gone."""
        threads = rss = 0
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return threads, rss

    def _sample(self) -> None:
        while self.alive():
            threads, rss = self.status()
            self.peak_threads = max(self.peak_threads, threads)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            time.sleep(0.2)


# -- one scenario's run -------------------------------------------------------------------------------------------


class Run:
    """A scenario's temp directory, deadline, processes and things to close; every wait ends by the deadline."""

    def __init__(self, name: str, opts: Options, workdir: Path, earlier: dict[str, Result]) -> None:
        self.name, self.opts, self.workdir, self.earlier = name, opts, workdir, earlier
        workdir.mkdir(parents=True, exist_ok=True)
        self.began = time.monotonic()
        self.deadline = self.began + opts.timeout
        self.result = Result(name)
        self.procs: list[Proc] = []
        self._closers: list[Callable[[], None]] = []
        self.timed_out = False

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def delay(self, default: float) -> float:
        return self.opts.delay if self.opts.delay is not None else default

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception as err:  # closing is best effort; the figures are already taken
                print(f"  (closing: {err!r})", file=sys.stderr)
        self._closers.clear()

    def start(self, label: str, args: list[str], env: dict[str, str], ready: Callable[[Proc], bool]) -> Proc:
        """Start coopbot and wait until `ready`; StartFailed if it exits or is not ready in time."""
        proc = Proc(label, args, env, self.workdir)
        proc.start()
        self.procs.append(proc)
        limit = min(time.monotonic() + READY_TIMEOUT, self.deadline)
        while not ready(proc):
            if not proc.alive():
                raise StartFailed(f"{label} exited with status {proc.wait(0)} before it was ready")
            if time.monotonic() > limit:
                raise StartFailed(f"{label} was not ready within {READY_TIMEOUT:.0f} s")
            time.sleep(0.02)
        proc.ready_at = time.monotonic()
        return proc

    def stop(self, proc: Proc, sig: signal.Signals) -> tuple[float | None, int | None]:
        """Send `sig`; (seconds until the process exited, its status), or (None, status after SIGKILL)."""
        if not proc.alive():
            status = proc.wait(0)
            self.note(f"{proc.label} had exited by itself (status {status}) before {sig.name}")
            return None, status
        sent = time.monotonic()
        proc.signal(sig)
        status = proc.wait(min(EXIT_TIMEOUT, max(1.0, self.left())))
        if status is not None:
            return time.monotonic() - sent, status
        proc.kill()
        self.note(f"{proc.label} was still running {EXIT_TIMEOUT:.0f} s after {sig.name}; killed")
        return None, proc.wait(5)

    def wait(self, condition: Callable[[], object], timeout: float | None = None) -> bool:
        """Poll until condition() is truthy; False at the timeout or the scenario's deadline."""
        limit = self.deadline if timeout is None else min(self.deadline, time.monotonic() + timeout)
        while not condition():
            if time.monotonic() >= limit:
                self.timed_out = self.timed_out or time.monotonic() >= self.deadline
                return False
            time.sleep(0.02)
        return True

    def settle(
        self, done: Callable[[], bool], activity: Callable[[], float], *, settle: float = 2.0, quiet: float = 6.0
    ) -> bool:
        """Wait until done() and nothing happened for `settle` seconds (late duplicates still count), or nothing
        happened for `quiet` seconds (what is missing then is lost), or the deadline. Whether done()."""
        while True:
            idle = time.monotonic() - activity()
            finished = done()
            if (finished and idle >= settle) or idle >= quiet:
                return finished
            if time.monotonic() >= self.deadline:
                self.timed_out = True
                return finished
            time.sleep(0.05)

    def set(self, **figures: Figure) -> None:
        self.result.figures.update(figures)

    def note(self, text: str) -> None:
        self.result.notes.append(text)

    def detail(self, text: str) -> None:
        self.result.details.append(text)

    def process_details(self) -> None:
        """Peak threads and memory, and how many errors each process logged."""
        for proc in self.procs:
            errors = proc.log_lines(" ERROR ", " CRITICAL ", "Traceback")
            self.detail(
                f"{proc.label}: peak {proc.peak_threads} threads, {proc.peak_rss_kb / 1024:.0f} MB RSS,"
                f" {errors} error lines logged"
            )
