"""The Slack scenarios of bench/load.py: `coopbot serve slack` in HTTP mode, against FakeSlack.

Slack's side is played by client threads, each with its own keep-alive connection, POSTing signed
app_mention events to /slack/events. coopbot answers a mention in its thread (thread_ts = the
event's ts), so every landed chat.postMessage names the event it answers.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import os
import signal
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from load_fakes import (
    SLACK_APP,
    SLACK_BOT_USER,
    SLACK_TEAM,
    SLACK_TOKEN,
    Exchange,
    FakeSlack,
    Faults,
    SlackPost,
    exchange,
    new_ts,
)
from load_support import (
    DUP,
    ERRORS,
    EXIT,
    LOST,
    MAX_ACK,
    P50,
    P99,
    QUESTIONS,
    READY_TIMEOUT,
    RESETS,
    RPS,
    LagProxy,
    Postgres,
    Proc,
    Redis,
    Run,
    Unavailable,
    accepting,
    coopbot_env,
    free_port,
    percentile,
    seconds,
)

SIGNING_SECRET = "load-signing-secret-8f742231b10e8888"
EVENTS_PATH = "/slack/events"
ACK_LIMIT = 3.0  # seconds Slack waits for the acknowledgement
CLIENT_TIMEOUT = 10.0  # seconds a client waits for an acknowledgement (longer than Slack, to measure it)
MAX_ATTEMPTS = 60  # per event; enough retries to cross a restart
USERS = 200
QUIET = 6.0
THROTTLE_QUIET = 40.0
IDLE_CONNECTIONS = 1000
SIGTERM_RATE = 50.0  # events a second in slack-sigterm, so that events keep coming through the stop and restart
AGAIN = 0.05  # slack-replicas: the share of events Slack delivers a second time, to the other replica
TARGET_RATIO = 1.7  # slack-replicas: two replicas should answer at least this many times as fast as one


# -- the events -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SlackEvent:
    event_id: str
    channel: str
    ts: str
    body: bytes
    first_sent: float | None = None
    acked: float | None = None  # when the 2xx came
    attempts: int = 0
    last: str = ""  # the last attempt's outcome: HTTP status or error kind
    replica: int | None = None  # the index (in Delivery.ports) the last attempt went to
    signed_at: int = 0  # the X-Slack-Request-Timestamp of the last attempt
    again: bool = False  # a retry of an acknowledged event (Delivery's `again`), sent to the other replica


def make_events(fake: FakeSlack, count: int, channels: int) -> list[SlackEvent]:
    """`count` mentions over `channels` channels and USERS users; the fake learns each as a thread parent."""
    tag = os.urandom(3).hex().upper()
    events = []
    for k in range(count):
        channel, user = f"C{k % channels + 1:05d}", f"U{k * 7 % USERS + 1:05d}"
        ts, event_id = new_ts(), f"Ev{tag}{k:06d}"
        text = f"<@{SLACK_BOT_USER}> {QUESTIONS[(k + k // channels) % len(QUESTIONS)]}"
        event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
                 "team": SLACK_TEAM}  # fmt: skip
        envelope = {"token": "x", "team_id": SLACK_TEAM, "api_app_id": SLACK_APP, "type": "event_callback",
                    "event_id": event_id, "event_time": int(time.time()), "event": event,
                    "is_ext_shared_channel": False,
                    "authorizations": [{"team_id": SLACK_TEAM, "user_id": SLACK_BOT_USER, "is_bot": True}]}  # fmt: skip
        fake.add_user_message(channel, ts, user, text)
        events.append(SlackEvent(event_id, channel, ts, json.dumps(envelope).encode()))
    return events


def signed(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers, and the content type Slack sends events with."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": "application/json"}


def post(conn: http.client.HTTPConnection | None, port: int, body: bytes, headers: dict[str, str]) -> Exchange:
    """One POST to /slack/events."""
    return exchange(conn, "127.0.0.1", port, EVENTS_PATH, body, headers, CLIENT_TIMEOUT)


class Delivery:
    """Slack delivering events: `clients` threads, each with its own connection, until every event is acknowledged.

    A failed attempt (no answer, or not 2xx) is retried with X-Slack-Retry-Num, as Slack does, but after
    a short backoff instead of minutes, so that events refused during a restart reach the next process.
    With several ports (replicas), events go to them in turn and a failed attempt is retried on the next
    one, as a load balancer does. `again` (a share) delivers that share of events a second time, to the
    other replica, as Slack's retry (X-Slack-Retry-Num: 1, a new timestamp) of an event whose
    acknowledgement it missed: half of them once the first delivery is acknowledged, half at the same
    time as the first delivery (a replica slow to acknowledge). coopbot must answer each once."""

    def __init__(
        self,
        port: int | list[int],
        events: list[SlackEvent],
        clients: int,
        deadline: float,
        rate: float | None = None,
        again: float = 0.0,
    ) -> None:
        self.ports = [port] if isinstance(port, int) else list(port)
        self.events, self.deadline, self.rate = events, deadline, rate
        # One event in `every`, alternately first on one replica and on the other, sent again after or with it.
        every = round(1 / again) if again > 0 and len(self.ports) > 1 else 0
        chosen = [(k, e) for k, e in enumerate(events) if every and k % every == (k // every) % 2]
        self.after_ack = {e.event_id for k, e in chosen if (k // every) % 4 < 2}  # left to send again
        self.at_once = {e.event_id for k, e in chosen if (k // every) % 4 >= 2}
        self.repeats: list[SlackEvent] = []  # the second deliveries of the chosen events
        self.outcomes: Counter[str] = Counter()  # every attempt's status or error kind
        self.acks: list[float] = []  # seconds of every attempt that got an answer
        self.last_activity = time.monotonic()
        self._cond = threading.Condition()
        self._todo = deque(events)
        self._again: deque[SlackEvent] = deque()  # second deliveries due now, before any new event
        self._turn = itertools.count()  # round robin over the ports
        self._retries: list[tuple[float, int, SlackEvent]] = []
        self._order = itertools.count()
        self._in_flight = 0
        self._stopping = False
        self._began = time.monotonic()
        self._released = 0  # events taken from _todo so far (paced by `rate`, events a second)
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(max(1, clients))]

    def start(self) -> Delivery:
        self._began = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def finished(self) -> bool:
        with self._cond:
            return not self._todo and not self._again and not self._retries and not self._in_flight

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=CLIENT_TIMEOUT + 1)

    def activity(self) -> float:
        with self._cond:
            return self.last_activity

    def acked(self) -> list[SlackEvent]:
        return [e for e in self.events if e.acked is not None]

    def resets(self) -> int:
        return self.outcomes["reset"]

    def _take(self) -> SlackEvent | None:
        with self._cond:
            while not self._stopping and time.monotonic() < self.deadline:
                now = time.monotonic()
                due = self._began + self._released / self.rate if self.rate else now
                if self._again:
                    event = self._again.popleft()
                elif self._todo and due <= now:
                    event = self._todo.popleft()
                    self._released += 1
                elif self._retries and self._retries[0][0] <= now:
                    event = heapq.heappop(self._retries)[2]
                elif not self._todo and not self._retries and not self._in_flight:
                    return None
                else:
                    upcoming = ([due] if self._todo else []) + ([self._retries[0][0]] if self._retries else [])
                    self._cond.wait(min(0.1, max(0.001, min(upcoming, default=now + 0.1) - now)))
                    continue
                self._in_flight += 1
                event.replica = self._replica(event)
                if event.event_id in self.at_once and not event.again and not event.attempts:
                    self._send_again(event, int(time.time()) + 1)  # the first may be signed a second later
                return event
            return None

    def _replica(self, event: SlackEvent) -> int:
        """The index of the port this attempt goes to: the next in turn for a new event (in the order they
        are taken), the next one after a failure, or the other replica for a second delivery (set when it
        was made)."""
        if event.replica is None:
            return next(self._turn) % len(self.ports)
        return event.replica if event.again and not event.attempts else (event.replica + 1) % len(self.ports)

    def _client(self) -> None:
        conns: dict[int, http.client.HTTPConnection | None] = {}
        while (event := self._take()) is not None:
            # Each attempt has a timestamp, so a signature, of its own (Slack retries minutes later); else
            # coopbot would rightly take a retry within the same second as a replay of the request.
            stamp = max(int(time.time()), event.signed_at + 1)
            headers = signed(event.body, stamp)
            if event.attempts or event.again:
                reason = "http_timeout" if event.last == "timeout" or not event.attempts else "http_error"
                retry = min(event.attempts + event.again, 3)
                headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": reason}
            replica = event.replica or 0
            event.signed_at = stamp
            event.attempts += 1
            began = time.monotonic()
            if event.first_sent is None:
                event.first_sent = began
            result = post(conns.get(replica), self.ports[replica], event.body, headers)
            conns[replica] = result.conn
            outcome, took = result.outcome, result.took
            no_retry = result.headers.get("x-slack-no-retry") == "1"  # Slack honours it
            now = time.monotonic()
            with self._cond:
                self._in_flight -= 1
                self.last_activity = now
                self.outcomes[outcome] += 1
                if result.stale:
                    self.outcomes["stale keep-alive"] += 1
                event.last = outcome
                if took is not None:
                    self.acks.append(took)
                if outcome.startswith("2"):
                    event.acked = now
                    if event.event_id in self.after_ack and not event.again:
                        self.after_ack.discard(event.event_id)
                        self._send_again(event, event.signed_at)
                elif not no_retry and event.attempts < MAX_ATTEMPTS:
                    backoff = min(0.1 * 2**event.attempts, 1.0)
                    heapq.heappush(self._retries, (now + backoff, next(self._order), event))
                self._cond.notify_all()
        for conn in conns.values():
            if conn is not None:
                conn.close()

    def _send_again(self, event: SlackEvent, signed_at: int) -> None:
        """Queue a second delivery of the event to the other replica, first in line (under the lock); signed
        later than `signed_at`, the first delivery's timestamp, so with a signature of its own."""
        assert event.replica is not None
        other = (event.replica + 1) % len(self.ports)
        repeat = SlackEvent(event.event_id, event.channel, event.ts, event.body, replica=other, again=True)
        repeat.signed_at = signed_at
        self.repeats.append(repeat)
        self._again.append(repeat)
        self._cond.notify_all()


# -- the figures ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SlackFigures:
    sent: int
    acked: int
    answered: int
    lost: int  # acknowledged, never answered
    dup: int  # posts beyond the first in an event's thread
    stray: int  # posts in no event's thread
    latencies: list[float] = field(default_factory=list)  # first POST -> first post in its thread
    rps: float | None = None
    firsts: list[float] = field(default_factory=list)  # when each answered event's first post landed

    def p(self, pct: float) -> float | None:
        return percentile(self.latencies, pct)

    @property
    def max(self) -> float | None:
        return max(self.latencies, default=None)


def measure(events: list[SlackEvent], posts: list[SlackPost]) -> SlackFigures:
    by_ts = {e.ts: e for e in events}
    first: dict[str, float] = {}
    counts: Counter[str] = Counter()
    stray = 0
    for p in posts:
        if p.thread_ts not in by_ts:
            stray += 1
            continue
        counts[p.thread_ts] += 1
        first.setdefault(p.thread_ts, p.at)
    acked = [e for e in events if e.acked is not None]
    latencies = [first[e.ts] - e.first_sent for e in events if e.ts in first and e.first_sent is not None]
    sent = [e.first_sent for e in events if e.first_sent is not None]
    rps = None
    if first and sent:
        span = max(first.values()) - min(sent)
        rps = len(first) / span if span > 0 else None
    return SlackFigures(
        sent=len(sent),
        acked=len(acked),
        answered=len(first),
        lost=sum(1 for e in acked if e.ts not in first),
        dup=sum(n - 1 for n in counts.values()),
        stray=stray,
        latencies=latencies,
        rps=rps,
        firsts=sorted(first.values()),
    )


def report(run: Run, fig: SlackFigures, delivery: Delivery, *, rate: bool = True) -> None:
    acks = delivery.acks
    if rate:
        run.set(**{RPS: fig.rps, P50: fig.p(50), P99: fig.p(99)})
    run.set(**{LOST: fig.lost, DUP: fig.dup, RESETS: delivery.resets(), MAX_ACK: max(acks, default=None)})
    late = sum(1 for a in acks if a > ACK_LIMIT)
    run.note(f"acked {fig.acked}/{len(delivery.events)}, ack p99 {seconds(percentile(acks, 99))}, {late} over 3 s")
    run.detail(f"attempts by outcome: {dict(delivery.outcomes)}")
    run.detail(f"answered {fig.answered}, max event->reply {seconds(fig.max)}, {fig.stray} posts in no event's thread")


def post_statuses(run: Run, fake: FakeSlack) -> None:
    with fake.cond:
        statuses = {status: n for (method, status), n in sorted(fake.statuses.items()) if method == "chat.postMessage"}
        others = {method: n for method, n in sorted(fake.calls.items()) if method != "chat.postMessage"}
    run.detail(f"chat.postMessage answers by HTTP status: {statuses}; other calls: {others}")


# -- running coopbot ------------------------------------------------------------------------------------------


def env(run: Run, fake: FakeSlack) -> dict[str, str]:
    return coopbot_env(run.workdir) | {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{fake.port}/api/",
    }


def fake_slack(run: Run, faults: Faults) -> FakeSlack:
    fake = FakeSlack(faults)
    fake.start()
    run.on_close(fake.stop)
    return fake


def start_http(
    run: Run,
    fake: FakeSlack,
    port: int,
    label: str = "coopbot",
    extra: dict[str, str] | None = None,
    more_args: list[str] | None = None,
) -> Proc:
    """Ready once the port accepts connections (Bolt has called auth.test by then)."""
    args = ["serve", "slack", "--host", "127.0.0.1", "--port", str(port), *(more_args or [])]
    return run.start(label, args, env(run, fake) | (extra or {}), lambda proc: accepting(port))


def deliver(
    run: Run, port: int | list[int], events: list[SlackEvent], rate: float | None = None, again: float = 0.0
) -> Delivery:
    delivery = Delivery(port, events, run.opts.clients, run.deadline, rate, again).start()
    run.on_close(delivery.stop)
    return delivery


def settle(run: Run, fake: FakeSlack, delivery: Delivery, quiet: float = QUIET) -> None:
    """Until every event is acknowledged and every acknowledged one answered, or quiet."""

    def done() -> bool:
        return delivery.finished() and fake.answered() >= len(delivery.acked())

    run.settle(done, lambda: max(fake.last_post_attempt, delivery.activity()), quiet=quiet)


# -- scenarios -------------------------------------------------------------------------------------------------


def _load(run: Run, faults: Faults, count: int, quiet: float = QUIET) -> tuple[FakeSlack, Delivery, SlackFigures]:
    channels = run.opts.chats or 40
    run.result.setup = (
        f"{count} events, {run.opts.clients} clients, {channels} channels, {USERS} users, delay {faults.delay:g} s"
    )
    fake = fake_slack(run, faults)
    port = free_port()
    start_http(run, fake, port)
    delivery = deliver(run, port, make_events(fake, count, channels))
    settle(run, fake, delivery, quiet)
    fig = measure(delivery.events, fake.snapshot())
    report(run, fig, delivery)
    post_statuses(run, fake)
    return fake, delivery, fig


def burst(run: Run) -> None:
    """2,000 signed events from 50 concurrent clients."""
    _, _, fig = _load(run, Faults(delay=run.delay(0.1)), run.opts.events or 2000)
    run.result.raw |= {"p99": fig.p(99) or 0.0, "max": fig.max or 0.0}


def faults(run: Run) -> None:
    """The burst with a share of chat.postMessage calls landing and then answered HTTP 500."""
    rate = run.opts.fault_rate
    _load(run, Faults(delay=run.delay(0.1), fail_after_landing=rate), run.opts.events or 2000)
    run.result.setup += f", {rate:.0%} of posts fail after landing"


def retry_after(run: Run) -> None:
    """One channel answers 429 Retry-After: 30 for 30 s; the other channels must not wait for it."""
    throttled = "C00001"
    faults = Faults(delay=run.delay(0.1), throttle=throttled)
    fake, delivery, _ = _load(run, faults, run.opts.events or 2000, quiet=THROTTLE_QUIET)
    run.result.setup += f", {throttled} throttled 30 s"
    posts = fake.snapshot()
    others = measure([e for e in delivery.events if e.channel != throttled], posts)
    theirs = measure([e for e in delivery.events if e.channel == throttled], posts)
    run.set(**{P50: others.p(50), P99: others.p(99)})  # the columns show the other channels
    baseline = run.earlier.get("slack-burst")
    versus = " (run slack-burst too to compare)"
    if baseline is not None and baseline.raw and others.max is not None:
        extra_p99 = (others.p(99) or 0.0) - baseline.raw["p99"]
        extra_max = others.max - baseline.raw["max"]
        versus = f" ({extra_p99:+.2f} s / {extra_max:+.2f} s against slack-burst)"
    run.note(f"other channels p99 {seconds(others.p(99))}, max {seconds(others.max)}{versus}")
    run.note(
        f"throttled channel answered {theirs.answered}/{theirs.acked}, last after {seconds(theirs.max)},"
        f" {theirs.dup} dup"
    )
    run.detail(f"429s answered: {fake.plan.throttled}")


def sigterm(run: Run) -> None:
    """SIGTERM mid-load with a slow API; restart with the same database: is an acknowledged event lost?"""
    count, channels = run.opts.events or 1000, run.opts.chats or 40
    delay = run.delay(0.3)
    trigger = max(1, count // 5)
    run.result.setup = (
        f"{count} events at {SIGTERM_RATE:g}/s, {run.opts.clients} clients, delay {delay:g} s,"
        f" SIGTERM after {trigger} replies"
    )
    fake = fake_slack(run, Faults(delay=delay))
    port = free_port()
    first = start_http(run, fake, port)
    delivery = deliver(run, port, make_events(fake, count, channels), rate=SIGTERM_RATE)
    run.wait(lambda: fake.answered() >= trigger or not first.alive(), timeout=60)
    at_signal = fake.answered()
    took, status = run.stop(first, signal.SIGTERM)
    at_exit = fake.answered()
    run.set(**{EXIT: took})
    run.note(f"exit status {status}")
    start_http(run, fake, port, "coopbot-restarted")
    settle(run, fake, delivery)
    fig = measure(delivery.events, fake.snapshot())
    report(run, fig, delivery, rate=False)
    run.note(f"answered {at_signal} at the signal, {at_exit} at exit, {fig.answered} after the restart")
    post_statuses(run, fake)


def replay(run: Run) -> None:
    """The same signed request (headers and body) 5 times in a row, and another 5 times at once."""
    run.result.setup = f"5 identical POSTs one after another, 5 at once; delay {run.delay(0.1):g} s"
    fake = fake_slack(run, Faults(delay=run.delay(0.1)))
    port = free_port()
    start_http(run, fake, port)
    one, two = make_events(fake, 2, 2)
    sequential: list[str] = []
    acks: list[float] = []
    headers = signed(one.body)
    began = time.monotonic()
    for _ in range(5):
        result = post(None, port, one.body, headers)
        sequential.append(result.outcome)
        acks += [result.took] if result.took is not None else []
    one.first_sent, one.acked = began, time.monotonic()
    headers = signed(two.body)
    concurrent: list[str] = []
    gate = threading.Barrier(5)

    def at_once() -> None:
        gate.wait()
        result = post(None, port, two.body, headers)
        concurrent.append(result.outcome)
        acks.extend([result.took] if result.took is not None else [])

    two.first_sent = time.monotonic()
    threads = [threading.Thread(target=at_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CLIENT_TIMEOUT + 1)
    two.acked = time.monotonic()
    run.settle(lambda: fake.answered() >= 2, lambda: max(fake.last_post_attempt, began), settle=3.0, quiet=8.0)
    posts = fake.snapshot()
    answers = Counter(p.thread_ts for p in posts)
    fig = measure([one, two], posts)
    run.set(**{LOST: fig.lost, DUP: fig.dup, MAX_ACK: max(acks, default=None)})
    run.note(f"in a row: answered {answers[one.ts]}x, statuses {' '.join(sequential)}")
    run.note(f"at once: answered {answers[two.ts]}x, statuses {' '.join(sorted(concurrent))}")


def idle_connections(run: Run) -> None:
    """1,000 idle connections (half silent, half a partial header) held open while 200 events are delivered."""
    count, channels = run.opts.events or 200, run.opts.chats or 40
    run.result.setup = f"{IDLE_CONNECTIONS} idle connections, then {count} events, {run.opts.clients} clients"
    fake = fake_slack(run, Faults(delay=run.delay(0.1)))
    port = free_port()
    proc = start_http(run, fake, port)
    threads_before, _ = proc.status()
    opened = time.monotonic()
    idle = open_idle(port, IDLE_CONNECTIONS)
    run.on_close(lambda: close_all(idle))
    time.sleep(1.0)  # let the server take them all
    threads_idle, rss_idle = proc.status()
    delivery = deliver(run, port, make_events(fake, count, channels))
    settle(run, fake, delivery)
    fig = measure(delivery.events, fake.snapshot())
    report(run, fig, delivery)
    still, answered = still_open(idle)
    age = time.monotonic() - opened
    run.note(f"{len(idle)}/{IDLE_CONNECTIONS} idle connections opened, {still} still open {age:.0f} s later")
    run.note(
        f"threads {threads_before} before, {threads_idle} with the idle connections, peak {proc.peak_threads};"
        f" RSS {rss_idle / 1024:.0f} MB idle, peak {proc.peak_rss_kb / 1024:.0f} MB"
    )
    if answered:
        run.detail(f"{answered} idle connections got an answer (e.g. 408) from the server")


def open_idle(port: int, count: int) -> list[socket.socket]:
    partial = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

    def one(i: int) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                sock.sendall(partial)
            return sock
        except OSError:
            return None

    with ThreadPoolExecutor(32) as pool:
        return [s for s in pool.map(one, range(count)) if s is not None]


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()


def still_open(socks: list[socket.socket]) -> tuple[int, int]:
    """(connections the server still holds silently, connections it answered); closed ones count in neither."""
    idle = answered = 0
    for sock in socks:
        try:
            sock.setblocking(False)
            data = sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            idle += 1
            continue
        except OSError:
            continue
        answered += 1 if data else 0
    return idle, answered


# -- replicas: PostgreSQL and Redis shared by several `serve slack` processes ------------------------------------


@dataclass(slots=True)
class Phase:
    """One run of the burst against `replicas` processes on a fresh database and an empty Redis."""

    label: str
    replicas: int
    again: float = 0.0  # the share of events delivered a second time, to the other replica
    fig: SlackFigures | None = None
    delivery: Delivery | None = None
    procs: list[Proc] = field(default_factory=list)
    posts: list[SlackPost] = field(default_factory=list)

    def line(self) -> str:
        fig, delivery = self.fig, self.delivery
        if fig is None or delivery is None:
            return f"{self.label}: not run"
        rps = "-" if fig.rps is None else f"{fig.rps:.0f}"
        max_ack = max(delivery.acks, default=None)
        late = sum(1 for a in delivery.acks if a > ACK_LIMIT)
        return (
            f"{self.label}: {rps} replies/s, p50 {seconds(fig.p(50))}, p99 {seconds(fig.p(99))}, lost {fig.lost},"
            f" dup {fig.dup}, resets {delivery.resets()}, max ack {seconds(max_ack)} ({late} over 3 s),"
            f" answered {fig.answered}/{fig.acked} acked"
        )


def replicas(run: Run) -> None:
    """The burst on one replica, then on two sharing PostgreSQL and Redis (events in turn to each), then on
    two with 5% of the events delivered again (X-Slack-Retry-Num: 1) to the other replica."""
    count, channels, delay = run.opts.events or 2000, run.opts.chats or 40, run.delay(0.1)
    run.result.setup = (
        f"{count} events, {run.opts.clients} clients, {channels} channels, {USERS} users, delay {delay:g} s,"
        " PostgreSQL + Redis"
    )
    try:
        postgres, redis = Postgres(run), Redis(run)
    except Unavailable as err:
        run.result.setup += ": skipped"
        run.note(f"skipped: {err}")
        return
    via = None
    if run.opts.pg_lag > 0:
        via = LagProxy(run, postgres.port, run.opts.pg_lag).port
        run.result.setup += f" (+{run.opts.pg_lag * 1000:g} ms a round trip to PostgreSQL)"
    phases = [Phase("1 replica", 1), Phase("2 replicas", 2), Phase(f"2 replicas, {AGAIN:.0%} again", 2, AGAIN)]
    for number, phase in enumerate(phases, 1):
        if run.left() < READY_TIMEOUT / 3:
            run.note(f"no time left for {phase.label} (--timeout)")
            break
        run_phase(run, postgres, redis, phase, f"r{number}", count, channels, delay, via)
    one, two = phases[0].fig, phases[1].fig
    if one is None or two is None:
        return
    run.set(**{RPS: two.rps, P50: two.p(50), P99: two.p(99)})  # the columns: two replicas; lost.. over all three
    run.set(**{LOST: sum(p.fig.lost for p in phases if p.fig), DUP: sum(p.fig.dup for p in phases if p.fig)})
    deliveries = [p.delivery for p in phases if p.delivery is not None]
    run.set(**{RESETS: sum(d.resets() for d in deliveries)})
    run.set(**{MAX_ACK: max((a for d in deliveries for a in d.acks), default=None)})
    if one.rps and two.rps:
        ratio = two.rps / one.rps
        run.result.raw |= {"one": one.rps, "two": two.rps, "ratio": ratio}
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        run.note(
            f"1 replica {one.rps:.0f}/s, 2 replicas {two.rps:.0f}/s: {ratio:.2f}x (target {TARGET_RATIO}x {verdict})"
        )
    if phases[2].delivery is not None:
        run.note(answered_once(phases[2].delivery, phases[2]))
    run.note("lost, dup, resets, max ack: over the three runs; replies/s, p50, p99: two replicas")


def run_phase(
    run: Run,
    postgres: Postgres,
    redis: Redis,
    phase: Phase,
    name: str,
    count: int,
    channels: int,
    delay: float,
    via: int | None = None,
) -> None:
    """A new database and an empty Redis; the replicas (reaching PostgreSQL through port `via`, the lag
    proxy, if given); the burst; the figures; the replicas stopped."""
    postgres.new_database(f"coopbot_{name}")  # a fresh state for each run
    database = postgres.url(f"coopbot_{name}", via)
    redis.flush()
    commands = redis.commands()
    fake = fake_slack(run, Faults(delay=delay))
    ports = [free_port() for _ in range(phase.replicas)]
    for k, port in enumerate(ports):
        label = f"{name}-{'abcdefgh'[k]}"
        shared = {"COOPBOT_DB": database, "COOPBOT_REDIS_URL": redis.url, "COOPBOT_REPLICA": label}
        phase.procs.append(start_http(run, fake, port, label, shared))
    events = make_events(fake, count, channels)
    delivery = phase.delivery = deliver(run, ports, events, again=phase.again)
    settle(run, fake, delivery)
    phase.posts = fake.snapshot()
    phase.fig = measure(events, phase.posts)
    commands = redis.commands() - commands - 1  # less this INFO
    exits = [run.stop(proc, signal.SIGTERM)[0] for proc in phase.procs]  # frees the CPU for the next phase
    delivery.stop()
    run.detail(phase.line())
    db = f"coopbot_{name}"
    owners = postgres.execute("SELECT owner, count(*), count(done) FROM inbox GROUP BY owner ORDER BY owner", db)
    (logged,) = postgres.execute("SELECT count(*) FROM questions", db)
    time.sleep(0.5)  # the replicas' connections report their statistics as they close
    ((commits, written),) = [
        (int(str(c)), int(str(w)))
        for c, w in postgres.execute(
            f"SELECT xact_commit, tup_inserted + tup_updated FROM pg_stat_database WHERE datname = '{db}'"
        )
    ]
    taken = ", ".join(f"{owner} {n} ({done} done)" for owner, n, done in owners)
    cpu = ", ".join(f"{proc.label} {proc.cpu_seconds:.1f} s" for proc in phase.procs)
    per = max(1, phase.fig.answered)
    run.detail(
        f"  inbox by replica: {taken}; {logged[0]} questions logged; PostgreSQL {commits / per:.1f} transactions"
        f" and {written / per:.1f} rows written per answer; Redis {commands / per:.1f} commands per answer,"
        f" {redis.keys()} keys; CPU {cpu}; attempts {dict(delivery.outcomes)};"
        f" exit {', '.join(seconds(e) for e in exits)} after SIGTERM"
    )
    for proc in phase.procs:
        errors = proc.matching(*ERRORS)
        if errors or phase.fig.lost or phase.fig.dup:
            shown = errors[-5:] if errors else proc.tail(5).splitlines()
            run.detail(f"{proc.label}: {len(errors)} error lines; last lines:")
            run.result.details.extend("  | " + line[:300] for line in shown)


def answered_once(delivery: Delivery, phase: Phase) -> str:
    """How the second deliveries went: acknowledged, and answered once (the question's thread has one reply)."""
    by_ts = Counter(p.thread_ts for p in phase.posts)
    parts = []
    for kind, repeats in (
        ("after the ack", [r for r in delivery.repeats if r.event_id not in delivery.at_once]),
        ("with the first", [r for r in delivery.repeats if r.event_id in delivery.at_once]),
    ):
        replies = Counter(by_ts[r.ts] for r in repeats)
        acked = sum(1 for r in repeats if r.acked is not None)
        more = sum(n for k, n in replies.items() if k > 1)
        parts.append(
            f"{len(repeats)} {kind}: {acked} acked, answered once {replies[1]}, more {more}, never {replies[0]}"
        )
    recognised = sum(proc.log_lines("came again; answered once") for proc in phase.procs)
    replays = sum(proc.log_lines("a replay is ignored") for proc in phase.procs)
    return (
        f"events sent again to the other replica: {'; '.join(parts)} ({recognised} logged as came again,"
        f" {replays} as replays)"
    )


SCENARIOS: dict[str, Callable[[Run], None]] = {
    "slack-burst": burst,
    "slack-faults": faults,
    "slack-retry-after": retry_after,
    "slack-sigterm": sigterm,
    "slack-replay": replay,
    "slack-idle-connections": idle_connections,
    "slack-replicas": replicas,
}
