"""The redis-planted scenario of bench/faults.py: values coopbot did not write, under the Redis keys it uses.

After a warm-up that makes coopbot write every kind of key it has (conversations, what it has seen, the
per-person limit, and its caches: button keys, replies, 👎 prompts, answers to share, report clusters), a
planter overwrites every `coopbot:` key, and again every REPLANT_EVERY seconds while a burst of questions
comes, in three phases of PHASE_SECONDS: a pickle whose loading runs `touch MARKER` (first, so that what
the others do cannot keep it from being read), bytes that are neither JSON nor a pickle, and a value of
the wrong Redis type (a hash). In each phase, probes do what makes
coopbot read each cache back, each in a conversation of its own so their replies can be told apart:

  Telegram  edit a question (tg-replies), press a suggestion button (tg-keys), reply to the 👎 prompt (tg-prompts)
  Slack     "share in channel" under a /coop answer (slack-answers), "dismiss" in a curator's report
            (slack-clusters), a follow-up in a thread the warm-up answered (its session)

The marker file must never appear: coopbot must not unpickle what someone else can write to Redis.
"""

from __future__ import annotations

import os
import pickle
import shlex
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from faults_intake import Intake, SlackIntake, TelegramIntake, intake, is_apology, notice
from faults_support import DB_ERRORS, Case, exits, pause, set_outcome, watch
from faults_watch import Readiness, errors_rose
from load_fakes import Json, TgQuestion, TgSend
from load_support import Redis, Run, Unavailable
from load_telegram import MENTION, groups

PHASES = ("pickle", "garbage", "wrong type")  # the pickle first: whether it is loaded is the question that matters
PHASE_SECONDS = 4.0
REPLANT_EVERY = 0.5
GARBAGE = b"\xff\xfe{planted: neither JSON nor a pickle\x00"
PLANTED_TTL = 600  # seconds
WARM = 20  # questions of the warm-up
CURATOR = "UCURATOR"
PROBE_GROUP = 900  # the probes' Telegram groups: groups() index, far from the burst's
UNANSWERED = (  # a cluster for the curator's report (the fact base has nothing on it)
    "How many trainees came from Peru?",
    "peru trainees how many",
    "How many officials from Peru were trained by PPS?",
    "How many Peruvian trainees did PPS have?",
)
FOLLOW_UPS = ("When did PPS sign an MOU with ADB?", "How many countries use KONEPS?", "What is KONEPS?")
WAIT = 10.0  # seconds a warm-up step waits for coopbot's reply


class Marker:
    """Unpickling this runs `touch PATH`: proof that coopbot unpickled bytes someone else put in Redis."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable[[str], int], tuple[str]]:
        return os.system, (f"touch {shlex.quote(str(self.path))}",)


class Planter:
    """Overwrites every coopbot: key with the phase's value, now and every REPLANT_EVERY seconds."""

    def __init__(self, client: redis.Redis, marker: Path) -> None:
        self.client = client
        self.pickled = pickle.dumps(Marker(marker))
        self.phase: str | None = None
        self.planted: Counter[str] = Counter()  # kind of key (session, seen, tg-keys, ...) -> plantings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def begin(self, phase: str) -> int:
        self.phase = phase
        planted = self.plant()
        if not self._thread.is_alive():
            self._thread.start()
        return planted

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def plant(self) -> int:
        """Plant the phase's value under every key there is now; how many keys."""
        keys = [k.decode() if isinstance(k, bytes) else str(k) for k in self.client.scan_iter("coopbot:*", count=1000)]
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            if self.phase == "wrong type":
                pipe.delete(key)
                pipe.hset(key, "planted", "1")
                pipe.expire(key, PLANTED_TTL)
            else:
                pipe.set(key, self.pickled if self.phase == "pickle" else GARBAGE, ex=PLANTED_TTL)
            self.planted[kind(key)] += 1
        pipe.execute()
        return len(keys)

    def _loop(self) -> None:
        while not self._stop.wait(REPLANT_EVERY):
            try:
                self.plant()
            except redis.RedisError:
                continue


def kind(key: str) -> str:
    """A key's kind: "coopbot:tg-keys:..." -> "tg-keys"."""
    return key.split(":")[1] if ":" in key else key


def scan_kinds(client: redis.Redis) -> Counter[str]:
    return Counter(kind(k.decode() if isinstance(k, bytes) else str(k)) for k in client.scan_iter("coopbot:*"))


# -- probes: what makes coopbot read its caches back ----------------------------------------------------------


class Probes:
    """Probes of one platform: `warm` sets them up, `fire` does each once, `outcome` says what came back."""

    labels: tuple[str, ...] = ()

    def __init__(self, run: Run) -> None:
        self.run = run
        self.fired: dict[tuple[str, str], float] = {}  # (label, phase) -> when
        self.problems: list[str] = []  # probes that could not be set up, and why

    def warm(self) -> None:
        raise NotImplementedError

    def fire(self, phase: str) -> None:
        raise NotImplementedError

    def replies(self, label: str, phase: str, start: float, end: float) -> list[str]:
        """The texts coopbot sent for `label`'s probe of `phase`, fired at `start`, before `end`."""
        raise NotImplementedError

    def outcomes(self) -> list[str]:
        """Per probe, what each phase got back: "answered", "sorry", "expired", or "nothing"."""
        lines = []
        for label in self.labels:
            got = []
            for n, phase in enumerate(PHASES):
                at = self.fired.get((label, phase))
                if at is None:
                    got.append(f"{phase}: not sent")
                    continue
                later = [self.fired.get((label, p)) for p in PHASES[n + 1 :]]
                end = next((t for t in later if t is not None), time.monotonic())
                got.append(f"{phase}: {classify(self.replies(label, phase, at, end))}")
            lines.append(f"{label}: " + ", ".join(got))
        return lines


def classify(texts: list[str]) -> str:
    if not texts:
        return "nothing"
    if any(is_apology(t) for t in texts):
        return "sorry"
    if any(opening in t for t in texts for opening in notice("report_expired")):
        return "expired"
    return "answered"


class TelegramProbes(Probes):
    labels = ("edit (tg-replies)", "button (tg-keys)", "prompt reply (tg-prompts)")

    def __init__(self, run: Run, intake: TelegramIntake) -> None:
        super().__init__(run)
        self.intake, self.fake = intake, intake.fake
        self.members = dict(zip(self.labels, groups(PROBE_GROUP + len(self.labels))[PROBE_GROUP:], strict=True))
        _, asker = self.members[self.labels[2]]  # a 👎 asks what was wanted in a private chat, never in a group
        self.members[self.labels[2]] = ({"id": asker["id"], "type": "private", "first_name": "Delegate"}, asker)
        self.question: TgQuestion | None = None
        self.button: tuple[TgSend, str] | None = None
        self.prompt: TgSend | None = None

    def warm(self) -> None:
        answers: dict[str, tuple[TgQuestion, TgSend]] = {}
        for label, (chat, user) in self.members.items():
            (question,) = self.fake.post_messages([(chat, user, f"{MENTION} What is KONEPS?")])
            reply = self.intake.wait_reply(question, WAIT)
            if reply is None:
                self.problems.append(f"{label}: the warm-up question was not answered")
            else:
                answers[label] = (question, reply)
        edit, button, prompt = self.labels
        if edit in answers:
            self.question = answers[edit][0]
        if button in answers:
            reply = answers[button][1]
            data = next((d for d in callback_data(reply.markup) if d.startswith("q:")), None)
            if data is None:
                self.problems.append(f"{button}: the answer had no suggestion button")
            else:
                self.button = (reply, data)
        if prompt in answers:
            reply = answers[prompt][1]
            chat, user = self.members[prompt]
            down = next((d for d in callback_data(reply.markup) if d.startswith("fb:d:")), None)
            if down is None:
                self.problems.append(f"{prompt}: the answer had no 👎 button")
                return
            pressed = time.monotonic()
            self.intake.press(chat, user, bot_message(reply), down)
            asking = notice("feedback_ask")
            self.prompt = self.intake.wait_send(
                lambda s: s.chat_id == chat["id"] and s.at >= pressed and any(o in s.text for o in asking), WAIT
            )
            if self.prompt is None:
                self.problems.append(f"{prompt}: no 'what were you looking for?' prompt after 👎")

    def fire(self, phase: str) -> None:
        edit, button, prompt = self.labels
        n = PHASES.index(phase)
        if self.question is not None:
            self.fired[(edit, phase)] = time.monotonic()
            self.intake.edit(self.question, f"{MENTION} {FOLLOW_UPS[n]}")
        if self.button is not None:
            chat, user = self.members[button]
            self.fired[(button, phase)] = time.monotonic()
            self.intake.press(chat, user, bot_message(self.button[0]), self.button[1])
        if self.prompt is not None:
            chat, user = self.members[prompt]
            self.fired[(prompt, phase)] = time.monotonic()
            self.intake.reply_to(chat, user, bot_message(self.prompt), f"I was looking for the budget ({phase})")

    def replies(self, label: str, phase: str, start: float, end: float) -> list[str]:
        chat = self.members[label][0]["id"]
        with self.fake.cond:
            sent = [*self.fake.sends, *self.fake.edits]
        return [s.text for s in sent if s.chat_id == chat and start <= s.at < end]


def callback_data(markup: Json | None) -> list[str]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [str(b.get("callback_data")) for row in rows for b in row if isinstance(b, dict) and b.get("callback_data")]


def bot_message(send: TgSend) -> Json:
    """Our message as Telegram includes it in a callback_query or a reply (an inline keyboard only: a ForceReply
    is not part of a message)."""
    message: Json = {"message_id": send.message_id, "text": send.text}
    inline = send.markup is not None and "inline_keyboard" in send.markup
    return message | ({"reply_markup": send.markup} if inline else {})


class SlackProbes(Probes):
    labels = ("share (slack-answers)", "dismiss (slack-clusters)", "thread follow-up (session)")

    def __init__(self, run: Run, intake: SlackIntake) -> None:
        super().__init__(run)
        self.intake, self.fake = intake, intake.fake
        self.share: Json | None = None  # the "share in channel" button
        self.dismiss: Json | None = None  # a cluster's "dismiss" button
        self.thread: str | None = None  # the ts of an answered mention
        self.urls: dict[tuple[str, str], str] = {}  # (label, phase) -> response_url id

    def warm(self) -> None:
        share, dismiss, follow = self.labels
        url = self.intake.command("What is KONEPS?", "CPROBE1", "UPROBE1")
        self.share = self._button(url, "coop_share")
        if self.share is None:
            self.problems.append(f"{share}: the /coop answer had no share button")
        for n, question in enumerate(UNANSWERED):
            self._answered(self.intake.mention(question, "CPERU", f"UPERU{n}"))
        time.sleep(1.0)  # the conversation log writes in batches
        url = self.intake.command("report", "CCURATE", CURATOR)
        self.dismiss = self._button(url, "coop_dismiss")
        if self.dismiss is None:
            self.problems.append(f"{dismiss}: the curator's report had no cluster")
        first = self.intake.mention("What is KONEPS?", "CPROBE3", "UPROBE3")
        if self._answered(first):
            self.thread = first.ts
        else:
            self.problems.append(f"{follow}: the warm-up mention was not answered")

    def _answered(self, event: Any) -> bool:
        return self.run.wait(lambda: event.ts in self.fake.threads, timeout=WAIT)

    def _button(self, url_id: str, action_id: str) -> Json | None:
        self.run.wait(lambda: bool(self.fake.responses_to(url_id)), timeout=WAIT)
        for response in self.fake.responses_to(url_id):
            for block in response.payload.get("blocks") or []:
                for element in block.get("elements") or [] if isinstance(block, dict) else []:
                    if isinstance(element, dict) and element.get("action_id") == action_id:
                        return element | {"block_id": block.get("block_id", "")}
        return None

    def fire(self, phase: str) -> None:
        share, dismiss, follow = self.labels
        if self.share is not None:
            self.fired[(share, phase)] = time.monotonic()
            self.urls[(share, phase)] = self.intake.action(clicked(self.share), "CPROBE1", "UPROBE1")
        if self.dismiss is not None:
            self.fired[(dismiss, phase)] = time.monotonic()
            self.urls[(dismiss, phase)] = self.intake.action(clicked(self.dismiss), "CCURATE", CURATOR)
        if self.thread is not None:
            self.fired[(follow, phase)] = time.monotonic()
            self.intake.mention(FOLLOW_UPS[PHASES.index(phase)], "CPROBE3", "UPROBE3", thread_ts=self.thread)

    def replies(self, label: str, phase: str, start: float, end: float) -> list[str]:
        if label == self.labels[2]:
            return [p.text for p in self.fake.snapshot() if p.thread_ts == self.thread and start <= p.at < end]
        url_id = self.urls.get((label, phase))
        return [r.text for r in self.fake.responses_to(url_id)] if url_id else []


def clicked(button: Json) -> Json:
    return {"type": "button", "action_id": button["action_id"], "block_id": button.get("block_id", ""),
            "value": button.get("value", ""), "text": button.get("text", {})}  # fmt: skip


# -- the scenario ---------------------------------------------------------------------------------------------


def redis_planted(case: Case) -> None:
    """Every coopbot: key overwritten with a pickle, then garbage, then a wrong type, during a burst."""
    run, settings = case.run, case.settings
    try:
        server = Redis(run)
    except Unavailable as err:
        run.result.setup = f"{case.mode}: skipped"
        run.note(f"skipped: {err}")
        return
    marker = Path(tempfile.gettempdir()) / f"coopbot-faults-marker-{os.getpid()}-{case.mode}"
    marker.unlink(missing_ok=True)
    run.on_close(lambda: marker.unlink(missing_ok=True))
    count = round(settings.rate * PHASE_SECONDS * len(PHASES))
    run.result.setup = (
        f"{case.mode}: {WARM} questions to warm up, then {count} at {settings.rate:g}/s over three"
        f" {PHASE_SECONDS:g} s phases of planted values"
    )
    mode = intake(run, case.mode)
    env = {"COOPBOT_REDIS_URL": server.url, "COOPBOT_USER_LIMIT": "600", "COOPBOT_CURATORS": CURATOR}
    proc = mode.start(env)
    watcher, where = watch(run, mode)
    probes = probes_for(run, mode)
    mode.ask(WARM, 2 * settings.rate)
    probes.warm()
    mode.settle(quiet=5.0)
    found = scan_kinds(server.client)
    run.detail("keys after the warm-up: " + ", ".join(f"{k} {n}" for k, n in sorted(found.items())))
    planter = Planter(server.client, marker)
    since = mode.asked()
    began = time.monotonic()
    mode.ask(count, settings.rate)
    appeared: str | None = None
    for n, phase in enumerate(PHASES):
        planted = planter.begin(phase)
        run.detail(f"+{time.monotonic() - began:.1f} s: {phase}: planted under {planted} keys")
        probes.fire(phase)
        pause(run, began + (n + 1) * PHASE_SECONDS)
        if appeared is None and marker.exists():
            appeared = phase
    planter.stop()
    ended = time.monotonic()
    mode.settle(settings.quiet)
    watcher.stop()
    if appeared is None and marker.exists():
        appeared = "after the phases"
    set_outcome(run, mode.outcome(since), mode)
    run.set(**{DB_ERRORS: errors_rose(watcher.db_errors)})
    run.note(f"pickle marker: CREATED ({appeared}): coopbot unpickled a planted value" if appeared else "no marker")
    missing = sorted(set(found) - set(planter.planted))
    run.detail(f"plantings by kind of key: {dict(sorted(planter.planted.items()))}; not planted: {missing or '-'}")
    for line in probes.outcomes():
        run.detail(f"probe {line}")
    for problem in probes.problems:
        run.note(f"probe not set up: {problem}")
    readiness = Readiness(list(watcher.samples), began, ended)
    run.detail(f"/readyz on {where}: {readiness.trail('the planting stopped')}")
    exits(run, [proc])


def probes_for(run: Run, mode: Intake) -> Probes:
    if isinstance(mode, TelegramIntake):
        return TelegramProbes(run, mode)
    assert isinstance(mode, SlackIntake)
    return SlackProbes(run, mode)
