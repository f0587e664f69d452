"""What every scenario of bench/load.py shares: options, results, the coopbot processes and bounded waiting."""

from __future__ import annotations

import contextlib
import glob
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

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
# A logged error in coopbot's JSON lines (its default) or text lines, or a traceback.
ERRORS = ('"level": "ERROR"', '"level": "CRITICAL"', " ERROR ", " CRITICAL ", "Traceback")

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
    pg_lag: float = 0.0  # seconds added to each round trip to PostgreSQL (slack-replicas)
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
        self.cpu_seconds = 0.0  # user + system, as last sampled

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
        """How many lines of the log contain any of the needles (e.g. ERRORS)."""
        return len(self.matching(*needles))

    def matching(self, *needles: str) -> list[str]:
        """The lines of the log that contain any of the needles."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if any(n in line for n in needles)]

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

    def cpu(self) -> float | None:
        """CPU seconds (user + system) used so far, from /proc; None once it has gone."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
        except (OSError, ValueError, IndexError):
            return None

    def _sample(self) -> None:
        while self.alive():
            threads, rss = self.status()
            self.peak_threads = max(self.peak_threads, threads)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.cpu_seconds = self.cpu() or self.cpu_seconds
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
            errors = proc.log_lines(*ERRORS)
            self.detail(
                f"{proc.label}: peak {proc.peak_threads} threads, {proc.peak_rss_kb / 1024:.0f} MB RSS,"
                f" {proc.cpu_seconds:.1f} s CPU, {errors} error lines logged"
            )


# -- PostgreSQL and Redis, for the replica scenarios (as tests/servers.py starts them; bench imports no tests) -----


class Unavailable(Exception):
    """A server a scenario needs is not installed, or cannot run here; the scenario is skipped, saying why."""


def server_binary(name: str) -> str | None:
    """A server binary on PATH, or in Debian's versioned PostgreSQL directory (not on PATH by default)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _started(run: Run, port: int, popen: subprocess.Popen[bytes], what: str, log: Path) -> None:
    limit = min(time.monotonic() + READY_TIMEOUT, run.deadline)
    while not accepting(port):
        if popen.poll() is not None or time.monotonic() > limit:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-5:]) if log.exists() else ""
            raise Unavailable(f"{what} did not start (status {popen.poll()}): {tail}")
        time.sleep(0.05)


def _terminate(popen: subprocess.Popen[bytes]) -> None:
    if popen.poll() is None:
        popen.terminate()
        try:
            popen.wait(20)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(10)


class Redis:
    """A throwaway redis-server on a free loopback port (nothing saved), stopped when the run closes. `kill` and
    `start` crash it and bring it back, empty, on the same port (bench/faults.py)."""

    def __init__(self, run: Run) -> None:
        binary = server_binary("redis-server")
        if binary is None:
            raise Unavailable("redis-server is not installed (Debian package redis-server)")
        try:
            import redis
        except ImportError as err:
            raise Unavailable(f"the redis client library is missing ({err})") from err
        self.run, self.binary = run, binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.popen: subprocess.Popen[bytes] | None = None
        run.on_close(self.kill)
        self.start()
        self.client = redis.Redis.from_url(self.url)
        run.on_close(self.client.close)

    def start(self) -> None:
        """Start redis-server on this port, empty; returns once it accepts connections."""
        log = self.run.workdir / "redis.log"
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                [self.binary, *args, "--dir", str(self.run.workdir)], stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
        _started(self.run, self.port, self.popen, "redis-server", log)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing saved."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def flush(self) -> None:
        self.client.flushdb()

    def keys(self) -> int:
        return int(cast(int, self.client.dbsize()))

    def commands(self) -> int:
        """Commands the server has processed since it started."""
        return int(cast(dict[str, Any], self.client.info("stats"))["total_commands_processed"])


class Postgres:
    """A throwaway PostgreSQL cluster on a free loopback port: trust authentication, fsync off, run as the
    `postgres` user when we are root (it refuses root), in a /tmp directory that user owns; removed on close."""

    def __init__(self, run: Run) -> None:
        initdb, postgres = server_binary("initdb"), server_binary("postgres")
        if initdb is None or postgres is None:
            raise Unavailable("PostgreSQL is not installed (Debian package postgresql: initdb and postgres)")
        try:
            import psycopg
        except ImportError as err:
            raise Unavailable(f"psycopg is missing ({err})") from err
        self._psycopg = psycopg
        as_user: list[str] = []
        datadir = Path(tempfile.mkdtemp(prefix="coopbot-load-pg-", dir="/tmp"))
        run.on_close(lambda: shutil.rmtree(datadir, ignore_errors=True))
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise Unavailable("running as root, and runuser (to run PostgreSQL as `postgres`) is missing")
            try:
                shutil.chown(datadir, "postgres")
            except (LookupError, OSError) as err:
                raise Unavailable(f"running as root, and no `postgres` user can run PostgreSQL ({err})") from err
            as_user = [runuser, "-u", "postgres", "--"]
        self.port = free_port()
        self.run, self.as_user, self.datadir = run, as_user, datadir / "data"
        made = subprocess.run(
            [*as_user, initdb, "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            capture_output=True,
            timeout=max(5.0, run.left()),
        )
        if made.returncode != 0:
            raise Unavailable(f"initdb failed: {made.stderr.decode(errors='replace').strip()[-300:]}")
        settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"]
        args = ["-D", str(self.datadir), "-p", str(self.port), "-h", "127.0.0.1", "-k", str(datadir)]
        self.command = [*as_user, postgres, *args, *(part for setting in settings for part in ("-c", setting))]
        self.popen: subprocess.Popen[bytes] | None = None
        run.on_close(self._terminate)
        self.start()

    def start(self) -> None:
        """Start the server on its port and data; returns once it accepts queries."""
        log = self.run.workdir / "postgres.log"
        with log.open("ab") as out:  # opened here, so the postgres user writes it through the descriptor
            self.popen = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        _started(self.run, self.port, self.popen, "PostgreSQL", log)
        for _ in range(100):  # the port opens a moment before connections are accepted
            try:
                self.execute("SELECT 1")
                break
            except self._psycopg.OperationalError:
                time.sleep(0.1)

    def stop(self, mode: str = "fast") -> str:
        """`pg_ctl stop -m MODE` (fast: clients are disconnected, a clean shutdown); what pg_ctl said."""
        pg_ctl = server_binary("pg_ctl")
        if pg_ctl is None:
            raise Unavailable("pg_ctl is not installed")
        done = subprocess.run(
            [*self.as_user, pg_ctl, "stop", "-D", str(self.datadir), "-m", mode, "-w"], capture_output=True, timeout=60
        )
        if self.popen is not None:
            self.popen.wait(30)
        return (done.stdout + done.stderr).decode(errors="replace").strip()

    def _terminate(self) -> None:
        if self.popen is not None:
            _terminate(self.popen)

    def url(self, database: str = "postgres", port: int | None = None) -> str:
        return f"postgresql://postgres@127.0.0.1:{port or self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with self._psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []

    def new_database(self, name: str) -> str:
        """A new, empty database (coopbot migrates it on start); its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


class LagProxy:
    """A TCP proxy on a free loopback port to `target` that holds each chunk a client sends for `lag` seconds
    before passing it on: a database on another host, `lag` further away per round trip."""

    def __init__(self, run: Run, target: int, lag: float) -> None:
        self.target, self.lag = target, lag
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self._listener.getsockname()[1])
        self._socks: list[socket.socket] = []
        self._closed = False
        run.on_close(self.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        for sock in [self._listener, *self._socks]:
            sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                continue
            server.settimeout(None)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._socks += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, self.lag), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, 0.0), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, lag: float) -> None:
        try:
            while data := source.recv(65536):
                if lag:
                    time.sleep(lag)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
