"""The Telegram scenarios of bench/load.py: `coopbot serve telegram` against FakeTelegram.

Questions are group-chat messages that mention the bot; in groups coopbot quotes the question
(reply_parameters.message_id), so every landed sendMessage names the question it answers.
"""

from __future__ import annotations

import select
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from load_fakes import TELEGRAM_TOKEN, TELEGRAM_USERNAME, FakeTelegram, Faults, Json, TgQuestion, TgSend
from load_support import (
    DUP,
    EXIT,
    LOST,
    ORDER,
    P50,
    P99,
    QUESTIONS,
    RPS,
    Proc,
    Run,
    accepting,
    coopbot_env,
    free_port,
    percentile,
    seconds,
)

MENTION = "@" + TELEGRAM_USERNAME
WEBHOOK_SECRET = "load_webhook_secret-0123456789"
WEBHOOK_PATH = "/tg"
HUGE_BODY = 90 * 1024 * 1024  # bytes of the oversized webhook POST
QUIET = 6.0  # seconds without a send after which what is missing counts as lost
THROTTLE_QUIET = 40.0  # longer than the 30 s flood wait, so the throttled chat gets its chance


# -- the load ---------------------------------------------------------------------------------------------------


def groups(count: int) -> list[tuple[Json, Json]]:
    """(chat, user): supergroups with one delegate each."""
    return [
        (
            {"id": -1001000000001 - i, "type": "supergroup", "title": f"Load group {i + 1}"},
            {"id": 3001 + i, "is_bot": False, "first_name": f"Delegate {i + 1}", "language_code": "en"},
        )
        for i in range(count)
    ]


def messages(count: int, chats: int) -> list[tuple[Json, Json, str]]:
    """`count` questions spread round-robin over `chats` groups, each group asking varied questions."""
    people = groups(chats)
    items = []
    for k in range(count):
        chat, user = people[k % chats]
        items.append((chat, user, f"{MENTION} {QUESTIONS[(k + k // chats) % len(QUESTIONS)]}"))
    return items


@dataclass(slots=True)
class TgFigures:
    asked: int
    answered: int
    lost: int
    dup: int  # messages beyond the first quoting the same question (each of these answers is one message)
    repeats: int  # of those, exact repeats of a text already sent for that question
    order: int  # first replies that arrived after the first reply to a later message of the same chat
    stray: int  # sends that quote none of the questions (e.g. apologies without a quote)
    stray_texts: list[str]  # the first few of them
    latencies: list[float]  # available -> first reply, per answered question
    rps: float | None  # answered / (first available -> last first reply)
    firsts: list[float]  # when each answered question's first reply arrived

    def p(self, pct: float) -> float | None:
        return percentile(self.latencies, pct)

    @property
    def max(self) -> float | None:
        return max(self.latencies, default=None)


def measure(questions: list[TgQuestion], sends: list[TgSend]) -> TgFigures:
    """The figures for these questions from the sends, in the order the fake received them."""
    asked = {(q.chat_id, q.message_id): q for q in questions}
    texts: set[tuple[int, int, str]] = set()
    first: dict[tuple[int, int], float] = {}
    latest_in_chat: dict[int, int] = {}
    dup = repeats = order = 0
    stray: list[str] = []
    for send in sends:
        key = (send.chat_id, send.reply_to or 0)
        if key not in asked:
            stray.append(send.text)
            continue
        repeats += (*key, send.text) in texts
        texts.add((*key, send.text))
        if key in first:
            dup += 1
            continue
        first[key] = send.at
        if key[1] < latest_in_chat.get(send.chat_id, 0):
            order += 1
        latest_in_chat[send.chat_id] = max(key[1], latest_in_chat.get(send.chat_id, 0))
    latencies = [first[k] - q.available for k, q in asked.items() if k in first]
    rps = None
    if first and questions:
        span = max(first.values()) - min(q.available for q in questions)
        rps = len(first) / span if span > 0 else None
    return TgFigures(
        len(asked),
        len(first),
        len(asked) - len(first),
        dup,
        repeats,
        order,
        len(stray),
        stray[:3],
        latencies,
        rps,
        sorted(first.values()),
    )


def env(run: Run, fake: FakeTelegram) -> dict[str, str]:
    return coopbot_env(run.workdir) | {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake.port}/bot",
    }


def fake_telegram(run: Run, faults: Faults) -> FakeTelegram:
    fake = FakeTelegram(faults)
    fake.start()
    run.on_close(fake.stop)
    return fake


def start_polling(run: Run, fake: FakeTelegram, label: str = "coopbot") -> Proc:
    """Ready once it long-polls: from then on updates reach it."""
    return run.start(label, ["serve", "telegram"], env(run, fake), lambda proc: fake.polled_since(proc.started))


def activity(fake: FakeTelegram, since: float) -> Callable[[], float]:
    return lambda: max(fake.last_send, since)


def report(run: Run, fig: TgFigures, *, rate: bool = True) -> None:
    if rate:
        run.set(**{RPS: fig.rps, P50: fig.p(50), P99: fig.p(99)})
    run.set(**{LOST: fig.lost, DUP: fig.dup, ORDER: fig.order})
    run.detail(
        f"asked {fig.asked}, answered {fig.answered}, max latency {seconds(fig.max)}; {fig.dup} extra replies"
        f" ({fig.repeats} with the same text); {fig.stray} sends quoting no question"
    )
    for text in fig.stray_texts:
        run.detail(f"  quoting no question: {text[:100]!r}")


def send_statuses(run: Run, fake: FakeTelegram) -> None:
    with fake.cond:
        statuses = {status: n for (method, status), n in sorted(fake.statuses.items()) if method == "sendMessage"}
    run.detail(f"sendMessage answers by HTTP status: {statuses}")


# -- scenarios -------------------------------------------------------------------------------------------------


def _load(run: Run, faults: Faults, quiet: float = QUIET) -> tuple[FakeTelegram, list[TgQuestion]]:
    count, chats = run.opts.messages or 1000, run.opts.chats or 100
    run.result.setup = f"{count} messages, {chats} chats, delay {faults.delay:g} s"
    fake = fake_telegram(run, faults)
    start_polling(run, fake)
    questions = fake.post_messages(messages(count, chats))
    run.settle(lambda: fake.answered() >= count, activity(fake, questions[0].available), quiet=quiet)
    return fake, questions


def burst(run: Run) -> None:
    """1,000 questions from 100 groups queued at once."""
    fake, questions = _load(run, Faults(delay=run.delay(0.1)))
    fig = measure(questions, fake.snapshot())
    report(run, fig)
    run.result.raw |= {"p99": fig.p(99) or 0.0, "max": fig.max or 0.0}
    send_statuses(run, fake)


def faults(run: Run) -> None:
    """The burst with a share of sendMessage calls landing and then answered HTTP 500."""
    rate = run.opts.fault_rate
    fake, questions = _load(run, Faults(delay=run.delay(0.1), fail_after_landing=rate))
    run.result.setup += f", {rate:.0%} of sends fail after landing"
    report(run, measure(questions, fake.snapshot()))
    send_statuses(run, fake)


def retry_after(run: Run) -> None:
    """One group's first send gets 429 retry_after 30; the other groups must not wait for it."""
    throttled = groups(1)[0][0]["id"]
    fake, questions = _load(run, Faults(delay=run.delay(0.1), throttle=str(throttled)), quiet=THROTTLE_QUIET)
    run.result.setup += f", chat {throttled} throttled 30 s"
    sends = fake.snapshot()
    everyone = measure(questions, sends)
    others = measure([q for q in questions if q.chat_id != throttled], sends)
    theirs = measure([q for q in questions if q.chat_id == throttled], sends)
    report(run, everyone)
    run.set(**{P50: others.p(50), P99: others.p(99)})  # the columns show the other chats
    baseline = run.earlier.get("telegram-burst")
    versus = " (run telegram-burst too to compare)"
    if baseline is not None and baseline.raw and others.max is not None:
        extra_p99 = (others.p(99) or 0.0) - baseline.raw["p99"]
        extra_max = others.max - baseline.raw["max"]
        versus = f" ({extra_p99:+.2f} s / {extra_max:+.2f} s against telegram-burst)"
    run.note(f"other chats p99 {seconds(others.p(99))}, max {seconds(others.max)}{versus}")
    run.note(f"throttled chat answered {theirs.answered}/{theirs.asked}, last after {seconds(theirs.max)}")
    run.detail(f"429s answered: {fake.plan.throttled}")
    send_statuses(run, fake)


def _interrupted(run: Run, sig: signal.Signals) -> None:
    count, chats = run.opts.messages or 500, run.opts.chats or 100
    trigger = max(1, count // 10)
    run.result.setup = (
        f"{count} messages, {chats} chats, delay {run.delay(0.1):g} s, {sig.name} after {trigger} replies"
    )
    fake = fake_telegram(run, Faults(delay=run.delay(0.1)))
    first = start_polling(run, fake)
    questions = fake.post_messages(messages(count, chats))
    run.wait(lambda: fake.answered() >= trigger or not first.alive(), timeout=60)
    at_signal = fake.answered()
    took, status = run.stop(first, sig)
    at_exit = fake.answered()
    if sig != signal.SIGKILL:
        run.set(**{EXIT: took})
        run.note(f"exit status {status}")
    second = start_polling(run, fake, "coopbot-restarted")
    run.settle(lambda: fake.answered() >= count, activity(fake, second.ready_at))
    fig = measure(questions, fake.snapshot())
    report(run, fig, rate=False)
    run.note(f"answered {at_signal} at the signal, {at_exit} at exit, {fig.answered} after the restart")


def kill(run: Run) -> None:
    """SIGKILL mid-load, restart with the same database: every question still answered?"""
    _interrupted(run, signal.SIGKILL)


def sigterm(run: Run) -> None:
    """SIGTERM mid-load: how long until it exits, and after a restart is anything lost?"""
    _interrupted(run, signal.SIGTERM)


def webhook(run: Run) -> None:
    """Updates pushed to the webhook; 20 pushed again; a wrong secret and a 90 MB body."""
    count, chats = run.opts.messages or 500, run.opts.chats or 50
    run.result.setup = f"{count} updates, {chats} chats, delay {run.delay(0.1):g} s, 20 pushed twice"
    port = free_port()
    fake = fake_telegram(run, Faults(delay=run.delay(0.1)))
    args = ["serve", "telegram", "--webhook-url", f"http://127.0.0.1:{port}{WEBHOOK_PATH}"]
    args += ["--listen", "127.0.0.1", "--port", str(port)]
    run.start(
        "coopbot",
        args,
        env(run, fake) | {"TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET},
        lambda proc: fake.webhook_set_since(proc.started) and accepting(port),
    )
    questions = fake.post_messages(messages(count, chats))
    run.settle(lambda: fake.answered() >= count, activity(fake, questions[0].available))
    fig = measure(questions, fake.snapshot())
    again = questions[:20]
    pushed_again = time.monotonic()
    fake.redeliver(again)
    run.wait(lambda: fake.pusher is None or fake.pusher.idle(), timeout=30)
    run.settle(lambda: True, activity(fake, pushed_again), settle=3.0)
    after = measure(questions, fake.snapshot())
    report(run, fig)
    run.set(**{LOST: after.lost, DUP: after.dup, ORDER: after.order})
    if fake.pusher is not None:
        run.detail(f"webhook deliveries by status: {dict(fake.pusher.statuses)}")
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    status, took, sent = post_large(port, WEBHOOK_PATH, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"})
    run.note(f"wrong secret + 90 MB: {status} in {took:.3f} s after {sent / 2**20:.0f} MB sent")
    status, took, sent = post_large(port, WEBHOOK_PATH, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    run.note(f"right secret + 90 MB: {status} in {took:.3f} s after {sent / 2**20:.0f} MB sent")
    run.detail(f"probes went to {url}")


def post_large(port: int, path: str, headers: dict[str, str], size: int = HUGE_BODY) -> tuple[str, float, int]:
    """POST a `size`-byte body, stopping as soon as the server answers or hangs up:
    (status or how it ended, seconds until then, bytes sent)."""
    began = time.monotonic()
    limit = began + 30.0
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head += f"Content-Length: {size}\r\n\r\n"
    chunk = b" " * (1 << 20)
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer = b""
        while time.monotonic() < limit:
            readable, writable, _ = select.select([sock], [sock] if sent < size else [], [], 0.5)
            try:
                if readable:
                    data = sock.recv(4096)
                    if not data:
                        return ("closed" if not answer else _status(answer)), time.monotonic() - began, sent
                    answer += data
                    if b"\r\n" in answer:
                        return _status(answer), time.monotonic() - began, sent
                elif writable:
                    sent += sock.send(chunk[: size - sent])
            except BlockingIOError:
                continue
            except OSError as err:  # reset or broken pipe: refused without an answer
                return type(err).__name__, time.monotonic() - began, sent
    return "timeout", time.monotonic() - began, sent


def _status(answer: bytes) -> str:
    parts = answer.split(b"\r\n", 1)[0].split()
    return parts[1].decode() if len(parts) > 1 else answer[:20].decode(errors="replace")


SCENARIOS: dict[str, Callable[[Run], None]] = {
    "telegram-burst": burst,
    "telegram-faults": faults,
    "telegram-retry-after": retry_after,
    "telegram-kill": kill,
    "telegram-sigterm": sigterm,
    "telegram-webhook": webhook,
}
