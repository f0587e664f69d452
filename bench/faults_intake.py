"""The four ways questions reach coopbot, for bench/faults.py: each starts `coopbot serve`, asks questions at a
pace, and counts what came back with bench/load_*.py's fakes and figures.

  telegram-polling   group messages mentioning the bot, queued for getUpdates (load_telegram)
  telegram-webhook   the same, pushed to --webhook-url with the secret and retried until 200 (load_fakes)
  slack-http         signed app_mention events POSTed by client threads, retried until acknowledged (load_slack)
  slack-socket       the same events as Socket Mode envelopes over a WebSocket (faults_fakes.SocketMode)

Every mode is started with --metrics-port, where /readyz is polled; where nothing listens there (the HTTP modes
serve /readyz on their own port today), the public port's /readyz is polled instead.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import yaml
from faults_fakes import APP_TOKEN, FaultSlack, SocketMode, pushed_payload
from load_fakes import SLACK_APP, SLACK_BOT_USER, SLACK_TEAM, Faults, Json, TgQuestion, TgSend, new_ts
from load_slack import Delivery, SlackEvent, make_events, post, signed
from load_slack import env as slack_env
from load_slack import measure as slack_measure
from load_support import REPO, Proc, Run, accepting, free_port
from load_telegram import WEBHOOK_PATH, WEBHOOK_SECRET, fake_telegram, groups, messages
from load_telegram import env as telegram_env
from load_telegram import measure as telegram_measure

MODES = ("telegram-polling", "telegram-webhook", "slack-http", "slack-socket")
OPS_WAIT = 1.0  # seconds to wait for --metrics-port to accept before falling back to the public port


def notice(key: str) -> tuple[str, ...]:
    """The fixed opening (up to the first placeholder) of a message of knowledge/messages.yaml, in each language."""
    data = yaml.safe_load((REPO / "knowledge" / "messages.yaml").read_text(encoding="utf-8"))
    texts = data["messages"][key]
    return tuple(str(texts[lang]).split("{")[0].strip() for lang in ("ko", "en"))


APOLOGY = notice("error")


def is_apology(text: str) -> bool:
    return any(opening in text for opening in APOLOGY)


@dataclass(slots=True)
class Outcome:
    """What became of the questions asked: bench/load.py's figures, but Slack's lost counts every event never
    answered, acknowledged or not (Slack gives up on an event that is not acknowledged; load's Delivery never does)."""

    sent: int
    answered: int
    lost: int  # never answered (Slack: acknowledged in time or not)
    dup: int  # replies beyond the first to one question
    unacked: int | None  # Slack: events not acknowledged in time; None for Telegram
    apologies: int  # replies that are the error notice instead of an answer
    firsts: list[float]  # when each answered question's first reply arrived (time.monotonic)

    def first_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first answer after it; None when none came."""
        after = [t for t in self.firsts if t >= moment]
        return min(after) - moment if after else None

    def all_after(self, moment: float) -> float | None:
        """Seconds from `moment` until every question was answered; None when some never were."""
        if self.lost or not self.firsts:
            return None
        return max(0.0, max(self.firsts) - moment)

    def between(self, start: float, end: float) -> int:
        return sum(1 for t in self.firsts if start <= t < end)


class Intake:
    """One intake mode of one run: its fake platform, its coopbot processes, the questions asked so far."""

    mode = ""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.ops_port = free_port()
        self.public_port: int | None = None  # the HTTP server's port, in the webhook and HTTP modes
        self.started: list[float] = []  # when each `ask` began

    def start(self, extra: dict[str, str], label: str = "coopbot") -> Proc:
        raise NotImplementedError

    def ask(self, count: int, rate: float) -> None:
        """Ask `count` questions, `rate` a second, from a thread; returns at once."""
        raise NotImplementedError

    def feeding(self) -> bool:
        raise NotImplementedError

    def done(self) -> bool:
        """Every question asked so far delivered and answered (on Slack: every acknowledged one)."""
        raise NotImplementedError

    def activity(self) -> float:
        """When the fake last saw a reply attempt or a delivery."""
        raise NotImplementedError

    def asked(self) -> int:
        """Questions asked so far: `outcome(since=...)` counts from such a mark."""
        raise NotImplementedError

    def outcome(self, since: int = 0) -> Outcome:
        raise NotImplementedError

    def details(self) -> list[str]:
        """How the deliveries and the replies went, for the lines under a run."""
        return []

    def settle(self, quiet: float) -> bool:
        """Until the pacing is over and everything is answered (2 s without a reply after, for late duplicates),
        or `quiet` seconds pass without a reply or a delivery after the pacing; whether everything was answered."""
        self.run.wait(lambda: not self.feeding())
        fed = time.monotonic()
        return self.run.settle(self.done, lambda: max(fed, self.activity()), quiet=quiet)

    def readyz_port(self) -> tuple[int, str]:
        """Where /readyz answers: --metrics-port, or the public port where that does not listen (yet)."""
        if self.public_port is None or self.run.wait(lambda: accepting(self.ops_port), timeout=OPS_WAIT):
            return self.ops_port, "--metrics-port"
        return self.public_port, "the public port (nothing listens on --metrics-port in this mode)"


# -- Telegram ------------------------------------------------------------------------------------------------


class TelegramIntake(Intake):
    def __init__(self, run: Run, webhook: bool) -> None:
        super().__init__(run)
        self.mode = "telegram-webhook" if webhook else "telegram-polling"
        self.webhook = webhook
        self.fake = fake_telegram(run, Faults(delay=run.delay(0.1)))
        self.questions: list[TgQuestion] = []
        self.chats = run.opts.chats or 50
        self._feeders: list[threading.Thread] = []
        if webhook:
            self.public_port = free_port()

    def start(self, extra: dict[str, str], label: str = "coopbot") -> Proc:
        args = ["serve", "telegram", "--metrics-port", str(self.ops_port)]
        env = telegram_env(self.run, self.fake) | extra
        if not self.webhook:
            return self.run.start(label, args, env, lambda proc: self.fake.polled_since(proc.started))
        port = self.public_port
        assert port is not None
        args += ["--webhook-url", f"http://127.0.0.1:{port}{WEBHOOK_PATH}", "--listen", "127.0.0.1"]
        args += ["--port", str(port)]
        env |= {"TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}
        return self.run.start(
            label, args, env, lambda proc: self.fake.webhook_set_since(proc.started) and accepting(port)
        )

    def ask(self, count: int, rate: float) -> None:
        items = messages(count, self.chats)

        def feed() -> None:
            began = time.monotonic()
            for n, item in enumerate(items):
                time.sleep(max(0.0, began + n / rate - time.monotonic()))
                if self.run.left() <= 0:
                    return
                self.questions += self.fake.post_messages([item])

        self.started.append(time.monotonic())
        feeder = threading.Thread(target=feed, daemon=True)
        self._feeders.append(feeder)
        feeder.start()

    def feeding(self) -> bool:
        return any(f.is_alive() for f in self._feeders)

    def done(self) -> bool:
        with self.fake.cond:
            replied = set(self.fake.replied)
        return not self.feeding() and all((q.chat_id, q.message_id) in replied for q in self.questions)

    def activity(self) -> float:
        return max(self.fake.last_send, max(self.started, default=0.0))

    def asked(self) -> int:
        return len(self.questions)

    def outcome(self, since: int = 0) -> Outcome:
        sends = self.fake.snapshot()
        fig = telegram_measure(self.questions[since:], sends)
        apologies = sum(1 for s in sends if is_apology(s.text))
        return Outcome(fig.asked, fig.answered, fig.lost, fig.dup, None, apologies, fig.firsts)

    def details(self) -> list[str]:
        with self.fake.cond:
            sends = {status: n for (method, status), n in sorted(self.fake.statuses.items()) if method == "sendMessage"}
        found = [f"sendMessage answers by HTTP status: {sends}"]
        if self.fake.pusher is not None:
            found.append(f"webhook deliveries by outcome: {dict(self.fake.pusher.statuses)}")
        return found

    # what else people do in a group: edit a question, press a button, reply to the bot

    def wait_send(self, match: Callable[[TgSend], bool], timeout: float) -> TgSend | None:
        """The first message coopbot sent that `match`es, waiting up to `timeout` seconds for it."""
        found: list[TgSend] = []

        def seen() -> bool:
            found[:] = [s for s in self.fake.snapshot() if match(s)]
            return bool(found)

        self.run.wait(seen, timeout=timeout)
        return found[0] if found else None

    def wait_reply(self, question: TgQuestion, timeout: float) -> TgSend | None:
        """coopbot's reply to `question`: quoting it in a group; in a private chat, the next message there."""
        if question.chat_id > 0:
            return self.wait_send(
                lambda s: s.chat_id == question.chat_id and s.message_id > question.message_id, timeout
            )
        return self.wait_send(lambda s: s.chat_id == question.chat_id and s.reply_to == question.message_id, timeout)

    def member(self, n: int) -> tuple[Json, Json]:
        """(chat, user) of the n-th group of `ask`'s questions."""
        return groups(self.chats)[n % self.chats]

    def press(self, chat: Json, user: Json, reply: Json, data: str) -> None:
        """A callback_query: `user` pressed the button with `data` under our message `reply` in `chat`."""
        message = reply | {"chat": chat, "from": self.fake.me, "date": int(time.time())}
        query = {"id": str(self.fake.new_update_id()), "from": user, "chat_instance": f"ci{chat['id']}",
                 "data": data, "message": message}  # fmt: skip
        self.fake.post_updates([{"update_id": self.fake.new_update_id(), "callback_query": query}])

    def edit(self, question: TgQuestion, text: str) -> None:
        """The asker edits their question (coopbot edits its reply, or sends a new one)."""
        message = question.update["message"] | {"text": text, "edit_date": int(time.time())}
        mention = text.split(" ", 1)[0]
        message["entities"] = [{"type": "mention", "offset": 0, "length": len(mention)}]
        self.fake.post_updates([{"update_id": self.fake.new_update_id(), "edited_message": message}])

    def reply_to(self, chat: Json, user: Json, ours: Json, text: str) -> None:
        """`user` answers our message `ours` (e.g. the "what were you looking for?" prompt)."""
        original = ours | {"chat": chat, "from": self.fake.me, "date": int(time.time())}
        message = {"message_id": self.fake.new_message_id(), "date": int(time.time()), "chat": chat, "from": user,
                   "text": text, "reply_to_message": original}  # fmt: skip
        self.fake.post_updates([{"update_id": self.fake.new_update_id(), "message": message}])


# -- Slack ---------------------------------------------------------------------------------------------------


class SlackIntake(Intake):
    def __init__(self, run: Run, socket: bool) -> None:
        super().__init__(run)
        self.mode = "slack-socket" if socket else "slack-http"
        self.fake = FaultSlack(Faults(delay=run.delay(0.1)))
        self.fake.start()
        run.on_close(self.fake.stop)
        self.socket: SocketMode | None = None
        if socket:
            self.socket = SocketMode()
            run.on_close(self.socket.close)
            self.fake.socket_url = self.socket.url
        else:
            self.public_port = free_port()
        self.events: list[SlackEvent] = []
        self.deliveries: list[Delivery] = []
        self.channels = run.opts.chats or 40
        self._ids = itertools.count(1)

    def start(self, extra: dict[str, str], label: str = "coopbot", port: int | None = None) -> Proc:
        """A `serve slack` process; `port` (HTTP mode) for a replica of its own."""
        args = ["serve", "slack", "--metrics-port", str(self.ops_port if port is None else free_port())]
        env = slack_env(self.run, self.fake) | extra
        if self.socket is not None:
            socket = self.socket
            env |= {"SLACK_APP_TOKEN": APP_TOKEN}
            return self.run.start(label, args, env, lambda proc: socket.connected_since(proc.started))
        public = self.public_port if port is None else port
        assert public is not None
        args += ["--host", "127.0.0.1", "--port", str(public)]
        return self.run.start(label, args, env, lambda proc: accepting(public))

    def ask(self, count: int, rate: float, ports: list[int] | None = None) -> None:
        """`ports`: replicas the events go to in turn (HTTP mode); the one process's port by default."""
        events = make_events(self.fake, count, self.channels)
        self.events += events
        self.started.append(time.monotonic())
        if self.socket is not None:
            self.socket.deliver(events, rate)
            return
        assert self.public_port is not None
        delivery = Delivery(ports or self.public_port, events, self.run.opts.clients, self.run.deadline, rate)
        self.run.on_close(delivery.stop)
        self.deliveries.append(delivery.start())

    def feeding(self) -> bool:
        if self.socket is not None:
            return self.socket.feeding()
        return any(not d.finished() for d in self.deliveries)

    def done(self) -> bool:
        delivered = self.socket.finished() if self.socket is not None else all(d.finished() for d in self.deliveries)
        acked = [e.ts for e in self.events if e.acked is not None]
        with self.fake.cond:
            return delivered and all(ts in self.fake.threads for ts in acked)

    def activity(self) -> float:
        delivered = self.socket.activity() if self.socket is not None else 0.0
        delivered = max([delivered, *(d.activity() for d in self.deliveries)])
        return max(self.fake.last_post_attempt, delivered, max(self.started, default=0.0))

    def asked(self) -> int:
        return len(self.events)

    def outcome(self, since: int = 0) -> Outcome:
        events = self.events[since:]
        posts = self.fake.snapshot()
        fig = slack_measure(events, posts)
        apologies = sum(1 for p in posts if is_apology(p.text))
        lost = len(events) - fig.answered  # acknowledged or not: Slack gives up on what is not acknowledged
        return Outcome(len(events), fig.answered, lost, fig.dup, len(events) - fig.acked, apologies, fig.firsts)

    def details(self) -> list[str]:
        with self.fake.cond:
            posts = {s: n for (method, s), n in sorted(self.fake.statuses.items()) if method == "chat.postMessage"}
        found = [f"chat.postMessage answers by HTTP status: {posts}"]
        if self.socket is not None:
            found.append(
                f"Socket Mode: {self.socket.connections} connections, {self.fake.socket_opens} apps.connections.open,"
                f" {self.socket.late} late acknowledgements, {self.socket.given_up} envelopes given up"
            )
        for delivery in self.deliveries:
            found.append(f"event POSTs by outcome: {dict(delivery.outcomes)}")
        return found

    # commands and clicks: a form over HTTP, an envelope over the socket

    def new_url(self, prefix: str) -> tuple[str, str]:
        """A response_url of the fake and its id."""
        url_id = f"{prefix}{next(self._ids):05d}"
        return url_id, self.fake.response_url(url_id)

    def mention(self, text: str, channel: str, user: str, thread_ts: str | None = None) -> SlackEvent:
        """One app_mention outside the burst's figures (in the thread `thread_ts` if given), sent once."""
        ts = new_ts()
        said = f"<@{SLACK_BOT_USER}> {text}"
        event = {"type": "app_mention", "user": user, "text": said, "ts": ts, "channel": channel, "event_ts": ts,
                 "team": SLACK_TEAM} | ({"thread_ts": thread_ts} if thread_ts else {})  # fmt: skip
        envelope = {"token": "x", "team_id": SLACK_TEAM, "api_app_id": SLACK_APP, "type": "event_callback",
                    "event_id": f"EvM{ts.replace('.', '')}", "event_time": int(time.time()), "event": event,
                    "authorizations": [{"team_id": SLACK_TEAM, "user_id": SLACK_BOT_USER, "is_bot": True}]}  # fmt: skip
        self.fake.add_user_message(channel, ts, user, said)
        found = SlackEvent(str(envelope["event_id"]), channel, ts, json.dumps(envelope).encode())
        found.first_sent = time.monotonic()
        if self.socket is not None:
            self.socket.push("events_api", envelope, found)
            return found
        assert self.public_port is not None
        if post(None, self.public_port, found.body, signed(found.body)).outcome.startswith("2"):
            found.acked = time.monotonic()
        return found

    def command(self, text: str, channel: str, user: str, port: int | None = None) -> str:
        """/coop TEXT from `user` in `channel`; the id of its response_url."""
        url_id, url = self.new_url("cmd")
        form = {"token": "x", "team_id": SLACK_TEAM, "team_domain": "load", "channel_id": channel,
                "channel_name": "faults", "user_id": user, "user_name": user.lower(), "command": "/coop",
                "text": text, "api_app_id": SLACK_APP, "response_url": url, "trigger_id": f"trig{url_id}"}  # fmt: skip
        self.send("slash_commands", form, port)
        return url_id

    def action(self, action: Json, channel: str, user: str, port: int | None = None) -> str:
        """A block_actions click of `action` under an ephemeral message in `channel`; its response_url's id."""
        url_id, url = self.new_url("act")
        container = {"type": "message", "message_ts": f"{time.time():.6f}", "channel_id": channel, "is_ephemeral": True}
        payload = {"type": "block_actions", "team": {"id": SLACK_TEAM, "domain": "load"}, "api_app_id": SLACK_APP,
                   "user": {"id": user, "team_id": SLACK_TEAM}, "token": "x", "container": container,
                   "trigger_id": f"trig{url_id}", "response_url": url, "channel": {"id": channel, "name": "faults"},
                   "actions": [action | {"action_ts": f"{time.time():.6f}"}]}  # fmt: skip
        self.send("interactive", {"payload": json.dumps(payload)}, port)
        return url_id

    def send(self, kind: str, form: dict[str, Any], port: int | None = None) -> str:
        """POST the signed form (HTTP mode) or push it as an envelope; the HTTP status or "pushed"."""
        if self.socket is not None:
            self.socket.push(kind, pushed_payload(kind, form))
            return "pushed"
        body = urlencode(form).encode()
        headers = signed(body) | {"Content-Type": "application/x-www-form-urlencoded"}
        target = self.public_port if port is None else port
        assert target is not None
        return post(None, target, body, headers).outcome


def intake(run: Run, mode: str) -> Intake:
    if mode.startswith("telegram-"):
        return TelegramIntake(run, webhook=mode == "telegram-webhook")
    return SlackIntake(run, socket=mode == "slack-socket")
